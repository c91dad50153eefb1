import { ArgumentError, UnknownNameError } from '../errors.js';
import { type Rng, type Shape, sizeOf, Tensor, allocData, type DType } from '../tensor/index.js';

export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones' | 'dirac';
export const initializerNames: readonly InitializerName[] = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros', 'ones', 'dirac'];

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
    case 'dirac':
      dirac(data, shape, rng);
      break;
    default:
      throw new UnknownNameError('initializer', name, initializerNames);
  }
  return new Tensor(data, shape);
}

/**
 * airbench's identity initialisation of a convolution kernel [kH, kW, inC, outC]: PyTorch's
 * default uniform(±1/√fan-in), then the first min(inC, outC) filters replaced by the identity (1
 * at the centre tap of their own channel, 0 elsewhere), so the layer starts close to passing its
 * input through — an implicit residual path.
 */
function dirac(data: Float32Array | Float64Array, shape: Shape, rng: Rng): void {
  if (shape.length !== 4) throw new ArgumentError(`the dirac initializer is for convolution kernels [kH, kW, inC, outC], got shape [${shape.join(', ')}]`);
  const [kH, kW, inC, outC] = shape;
  const limit = 1 / Math.sqrt(kH * kW * inC);
  for (let i = 0; i < data.length; i++) data[i] = (rng.uniform() * 2 - 1) * limit;
  const identities = Math.min(inC, outC);
  for (let tap = 0; tap < kH * kW; tap++) {
    for (let c = 0; c < inC; c++) {
      for (let o = 0; o < identities; o++) data[(tap * inC + c) * outC + o] = 0;
    }
  }
  const centre = (kH >> 1) * kW + (kW >> 1);
  for (let o = 0; o < identities; o++) data[(centre * inC + o) * outC + o] = 1;
}
