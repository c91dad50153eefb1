import type { Backend } from '../backend.js';
import { matrixStrides } from '../js/batch-matmul.js';
import { perPart, type WasmContext } from './context.js';

/** Matrices with every side at least this long go to gemm (as in assembly/batch-matmul.ts). */
const GEMM_MIN = 32;

/**
 * Batched matrix products on the wasm backend, split over the threads by batch entry: each entry
 * is computed whole by one thread, so results do not depend on the thread count. A single large
 * product goes to gemm, which splits its rows instead.
 */
export function wasmBatchMatmul(ctx: WasmContext): Pick<Backend, 'batchMatmul'> {
  const { pool, input, output, temporaries, gemm } = ctx;
  return {
    batchMatmul(a, b, info) {
      const { batch, m, n, k, transA, transB } = info;
      if (batch === 1 && m >= GEMM_MIN && n >= GEMM_MIN && k >= GEMM_MIN) return gemm(a, b, m, n, k, transA, transB);
      const c = output(batch * m * n);
      const [rsA, csA] = matrixStrides(transA, m, k);
      const [rsB, csB] = matrixStrides(transB, k, n);
      const strideA = info.aBatched ? m * k : 0;
      const strideB = info.bBatched ? k * n : 0;
      temporaries(() => {
        pool.run('batchMatmul', [input(a), strideA, rsA, csA, input(b), strideB, rsB, csB, c.byteOffset, m, n, k, 0, batch, 0], batch, 1, perPart(m * n * Math.max(1, k)));
      });
      return c;
    },
  };
}
