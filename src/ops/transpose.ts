import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, Tensor } from '../tensor/index.js';

/**
 * Permutes the axes (NumPy's transpose): output axis i is input axis perm[i]. A copy; the
 * gradient is dL/dy under the inverse permutation.
 */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.rank;
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) {
    throw new ShapeError(`transpose of ${formatShape(x.shape)} needs a permutation of [${[...Array(rank).keys()].join(', ')}], got [${perm.join(', ')}]`);
  }
  const backend = getBackend();
  const outShape = perm.map((a) => x.shape[a]);
  const inverse = new Array<number>(rank);
  perm.forEach((a, i) => (inverse[a] = i));
  const y = new Tensor(backend.transpose(x.data, x.shape, perm), outShape);
  return recordOp(y, [x], (dy) => [new Tensor(backend.transpose(dy.data, outShape, inverse), x.shape)]);
}
