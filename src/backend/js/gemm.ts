import type { TensorData } from '../../tensor/index.js';

type Alloc = (size: number) => TensorData;

/** Row-major transpose of an r×c matrix into a new c×r matrix. */
export function transpose2d(a: TensorData, rows: number, cols: number, alloc: Alloc): TensorData {
  const out = alloc(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = a[row + j];
  }
  return out;
}

/**
 * C = op(A)·op(B). A is brought to row-major m×k and B to row-major n×k (Bᵀ), so every entry
 * of C is a dot product of two contiguous rows. Blocks of 2 rows of A × 4 rows of Bᵀ keep eight
 * running sums in registers, so each value loaded serves several multiply-adds.
 */
export function gemm(a: TensorData, b: TensorData, m: number, n: number, k: number, transA: boolean, transB: boolean, alloc: Alloc): TensorData {
  const A = transA ? transpose2d(a, k, m, alloc) : a;
  const Bt = transB ? b : transpose2d(b, k, n, alloc);
  const C = alloc(m * n);
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const c0 = i * n;
    const c1 = c0 + n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p];
        const x1 = A[a1 + p];
        const y0 = Bt[b0 + p];
        const y1 = Bt[b1 + p];
        const y2 = Bt[b2 + p];
        const y3 = Bt[b3 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      C[c0 + j] = s00;
      C[c0 + j + 1] = s01;
      C[c0 + j + 2] = s02;
      C[c0 + j + 3] = s03;
      C[c1 + j] = s10;
      C[c1 + j + 1] = s11;
      C[c1 + j + 2] = s12;
      C[c1 + j + 3] = s13;
    }
    for (; j < n; j++) {
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let p = 0; p < k; p++) {
        s0 += A[a0 + p] * Bt[bj + p];
        s1 += A[a1 + p] * Bt[bj + p];
      }
      C[c0 + j] = s0;
      C[c1 + j] = s1;
    }
  }
  for (; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ai + p] * Bt[bj + p];
      C[i * n + j] = s;
    }
  }
  return C;
}
