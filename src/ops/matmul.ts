import { recordOp } from '../autograd/tape.js';
import type { BatchMatmulInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, Tensor, type TensorData } from '../tensor/index.js';

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

export interface BatchMatmulOptions {
  /** Use Aᵀ: a holds [batch, k, m] matrices. */
  transA?: boolean;
  /** Use Bᵀ: b holds [batch, n, k] matrices. */
  transB?: boolean;
}

/** Batch size and matrix shape of a batchMatmul operand: rank 2 is one matrix, shared. */
function batchOperand(x: Tensor, what: string, other: Tensor): { batch: number; rows: number; cols: number } {
  if (x.rank === 2) return { batch: 1, rows: x.shape[0], cols: x.shape[1] };
  if (x.rank === 3) return { batch: x.shape[0], rows: x.shape[1], cols: x.shape[2] };
  throw new ShapeError(`batchMatmul needs [batch, rows, cols] (or one shared [rows, cols]) operands, got ${what} ${formatShape(x.shape)} with ${formatShape(other.shape)}`);
}

/** Sums a batch of gradients [batch, r, c] into the shape of an operand that was shared. */
function sumOverBatch(g: TensorData, batch: number, operand: Tensor): Tensor {
  const matrix = operand.size;
  if (batch === 1) return new Tensor(g, operand.shape);
  return new Tensor(getBackend().sumToShape(g, [batch, matrix], [1, matrix]), operand.shape);
}

/**
 * Batched matrix product: C[i] = op(A[i])·op(B[i]) → [batch, m, n], with op(A) [m, k] and
 * op(B) [k, n]. An operand of batch size 1 (or rank 2) is one matrix shared by every entry; its
 * gradient is summed over the batch.
 */
export function batchMatmul(a: Tensor, b: Tensor, options: BatchMatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const A = batchOperand(a, 'a', b);
  const B = batchOperand(b, 'b', a);
  const [m, k] = transA ? [A.cols, A.rows] : [A.rows, A.cols];
  const [kB, n] = transB ? [B.cols, B.rows] : [B.rows, B.cols];
  if (k !== kB || (A.batch !== B.batch && A.batch !== 1 && B.batch !== 1)) {
    throw new ShapeError(
      `batchMatmul needs op(a) [batch, m, k] · op(b) [batch, k, n] with equal batch sizes (or one of them 1), got a ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} · b ${formatShape(b.shape)}${transB ? 'ᵀ' : ''}`,
    );
  }
  const batch = Math.max(A.batch, B.batch);
  const aBatched = A.batch === batch;
  const bBatched = B.batch === batch;
  const backend = getBackend();
  const info = (mm: number, nn: number, kk: number, tA: boolean, tB: boolean, aB: boolean, bB: boolean): BatchMatmulInfo => ({ batch, m: mm, n: nn, k: kk, transA: tA, transB: tB, aBatched: aB, bBatched: bB });
  const y = new Tensor(backend.batchMatmul(a.data, b.data, info(m, n, k, transA, transB, aBatched, bBatched)), [batch, m, n]);
  return recordOp(y, [a, b], (dy, needs) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      // d op(A) = dC·op(B)ᵀ; stored transposed, dA = op(B)·dCᵀ.
      const g = transA
        ? backend.batchMatmul(b.data, dy.data, info(k, m, n, transB, true, bBatched, true))
        : backend.batchMatmul(dy.data, b.data, info(m, k, n, false, !transB, true, bBatched));
      da = aBatched ? new Tensor(g, a.shape) : sumOverBatch(g, batch, a);
    }
    if (needs[1]) {
      // d op(B) = op(A)ᵀ·dC; stored transposed, dB = dCᵀ·op(A).
      const g = transB
        ? backend.batchMatmul(dy.data, a.data, info(n, k, m, true, transA, true, aBatched))
        : backend.batchMatmul(a.data, dy.data, info(k, n, m, !transA, false, aBatched, true));
      db = bBatched ? new Tensor(g, b.shape) : sumOverBatch(g, batch, b);
    }
    return [da, db];
  });
}
