import { UnknownNameError } from '../errors.js';
import { type Rng, type Shape, sizeOf, Tensor, allocData, type DType } from '../tensor/index.js';

export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones';
export const initializerNames: readonly InitializerName[] = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros', 'ones'];

/**
 * Fan-in and fan-out of a weight shape as Keras computes them: dense [in, out];
 * conv [kH, kW, inC, outC] → receptive field × inC and × outC.
 */
export function fans(shape: Shape): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = sizeOf(shape.slice(0, -2));
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

/** Normal truncated at two standard deviations (redrawn), as Keras' variance-scaling initialisers do. */
function truncatedNormal(rng: Rng): number {
  for (;;) {
    const v = rng.normal();
    if (Math.abs(v) <= 2) return v;
  }
}

/** Keras' truncated normal has std 0.8796 before scaling; this restores the intended variance. */
const TRUNCATED_STD = 0.87962566103423978;

export function initialize(name: string, shape: Shape, rng: Rng, dtype: DType = 'float32'): Tensor {
  const data = allocData(dtype, sizeOf(shape));
  const [fanIn, fanOut] = fans(shape);
  const uniform = (limit: number) => {
    for (let i = 0; i < data.length; i++) data[i] = (rng.uniform() * 2 - 1) * limit;
  };
  const normal = (std: number) => {
    for (let i = 0; i < data.length; i++) data[i] = (truncatedNormal(rng) * std) / TRUNCATED_STD;
  };
  switch (name) {
    case 'glorotUniform':
      uniform(Math.sqrt(6 / (fanIn + fanOut)));
      break;
    case 'glorotNormal':
      normal(Math.sqrt(2 / (fanIn + fanOut)));
      break;
    case 'heUniform':
      uniform(Math.sqrt(6 / fanIn));
      break;
    case 'heNormal':
      normal(Math.sqrt(2 / fanIn));
      break;
    case 'zeros':
      break;
    case 'ones':
      data.fill(1);
      break;
    default:
      throw new UnknownNameError('initializer', name, initializerNames);
  }
  return new Tensor(data, shape);
}
