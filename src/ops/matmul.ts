import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, Tensor } from '../tensor/index.js';

/** [m, k] · [k, n] → [m, n]. dA = dY·Bᵀ, dB = Aᵀ·dY. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new ShapeError(`matmul needs [m, k] · [k, n], got ${formatShape(a.shape)} · ${formatShape(b.shape)}`);
  }
  const [m, k] = a.shape;
  const n = b.shape[1];
  const backend = getBackend();
  const y = new Tensor(backend.gemm(a.data, b.data, m, n, k, false, false), [m, n]);
  return recordOp(y, [a, b], (dy, needs) => [
    needs[0] ? new Tensor(backend.gemm(dy.data, b.data, m, k, n, false, true), a.shape) : null,
    needs[1] ? new Tensor(backend.gemm(a.data, dy.data, k, n, m, true, false), b.shape) : null,
  ]);
}
