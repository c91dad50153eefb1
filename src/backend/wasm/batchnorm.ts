import type { TensorData } from '../../tensor/index.js';
import type { Backend, BatchNormInfo } from '../backend.js';
import { backwardCoefficients, inferenceCoefficients, trainCoefficients } from '../js/batchnorm.js';
import { f64Array, perPart, type WasmContext } from './context.js';

/**
 * Batch normalisation on the wasm backend: the per-channel sums run as kernels split by channel
 * (in multiples of 8, so no two threads write the same cache line of f64 sums), the per-channel
 * coefficients are the reference's own functions, and the element-wise map runs split by rows.
 * Results are bit-identical to the js backend for any thread count.
 */
export function wasmBatchNorm(ctx: WasmContext): Pick<Backend, 'batchNormTrain' | 'batchNormInference' | 'batchNormBackward'> {
  const { heap, pool, input, output, temporaries, alloc } = ctx;
  const CHANNEL_ALIGN = 8;

  /** x·a[c] + b[c] (coef = [a, b]) or u·a[c] + v·b[c] + d[c] (coef = [a, b, d]) per row. */
  function affine(u: TensorData, v: TensorData | null, coef: Float64Array, info: BatchNormInfo): Float32Array {
    const { rows, channels: C } = info;
    const out = output(rows * C);
    temporaries(() => {
      const c = f64Array(heap, coef.length);
      c.set(coef);
      if (v) pool.run('channelAffine2', [input(u), input(v), c.byteOffset, C, out.byteOffset, 0, rows], rows, 1, perPart(2 * C));
      else pool.run('channelAffine', [input(u), c.byteOffset, C, out.byteOffset, 0, rows], rows, 1, perPart(C));
    });
    return out;
  }

  return {
    batchNormTrain(x, gamma, beta, info) {
      const { rows, channels: C } = info;
      const moments = temporaries(() => {
        const mean = f64Array(heap, C);
        const m2 = f64Array(heap, C);
        pool.run('batchNormMoments', [input(x), rows, C, mean.byteOffset, m2.byteOffset, 0, C], C, CHANNEL_ALIGN, perPart(2 * rows));
        return { mean: Float64Array.from(mean), m2: Float64Array.from(m2) };
      });
      const stats = trainCoefficients(moments, gamma, beta, info, alloc);
      return { y: affine(x, null, stats.coef, info), mean: stats.mean, variance: stats.variance, invStd: stats.invStd };
    },
    batchNormInference(x, gamma, beta, mean, variance, info) {
      return affine(x, null, inferenceCoefficients(gamma, beta, mean, variance, info), info);
    },
    batchNormBackward(dy, x, gamma, mean, invStd, info) {
      const { rows, channels: C } = info;
      const sums = temporaries(() => {
        const mean64 = f64Array(heap, C);
        mean64.set(mean);
        const sumDy = f64Array(heap, C);
        const sumDyXc = f64Array(heap, C);
        pool.run('batchNormBackwardSums', [input(dy), input(x), mean64.byteOffset, rows, C, sumDy.byteOffset, sumDyXc.byteOffset, 0, C], C, CHANNEL_ALIGN, perPart(3 * rows));
        return { sumDy: Float64Array.from(sumDy), sumDyXc: Float64Array.from(sumDyXc) };
      });
      const grads = backwardCoefficients(sums, gamma, mean, invStd, info, alloc);
      return { dx: affine(dy, x, grads.coef, info), dgamma: grads.dgamma, dbeta: grads.dbeta };
    },
  };
}
