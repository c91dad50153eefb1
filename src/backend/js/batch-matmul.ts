import type { TensorData } from '../../tensor/index.js';
import type { BatchMatmulInfo } from '../backend.js';

type Alloc = (size: number) => TensorData;

/**
 * Element (r, c) of op(X) for a row-major matrix X stored rows×cols: at r·rowStride + c·colStride.
 * A transpose only swaps the strides.
 */
export function matrixStrides(trans: boolean, rows: number, cols: number): [rowStride: number, colStride: number] {
  return trans ? [1, rows] : [cols, 1];
}

/** C[i] = op(A[i])·op(B[i]) by the definition: one dot product per entry, summed in order. */
export function batchMatmul(a: TensorData, b: TensorData, info: BatchMatmulInfo, alloc: Alloc): TensorData {
  const { batch, m, n, k } = info;
  const [rsA, csA] = matrixStrides(info.transA, m, k);
  const [rsB, csB] = matrixStrides(info.transB, k, n);
  const strideA = info.aBatched ? m * k : 0;
  const strideB = info.bBatched ? k * n : 0;
  const c = alloc(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const a0 = p * strideA;
    const b0 = p * strideB;
    const c0 = p * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[a0 + i * rsA + q * csA] * b[b0 + q * rsB + j * csB];
        c[c0 + i * n + j] = s;
      }
    }
  }
  return c;
}
