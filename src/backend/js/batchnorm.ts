import type { TensorData } from '../../tensor/index.js';
import type { BatchNormInfo } from '../backend.js';

type Alloc = (size: number) => TensorData;

/**
 * Batch normalisation over the last axis of a [rows, channels] array (NHWC: rows = N·H·W).
 *
 * The work splits in two: per-channel sums over the rows (in f64, rows in order), then per-channel
 * coefficients computed here in f64 from those sums, then an element-wise affine map rounded
 * once. The wasm backend runs the sums and the affine maps as kernels and calls the coefficient
 * functions below, so both backends give the same bits.
 */

/** Per channel: the mean over the rows and Σ (x − mean)² (two passes, f64). */
export function channelMoments(x: TensorData, rows: number, channels: number): { mean: Float64Array; m2: Float64Array } {
  const mean = new Float64Array(channels);
  const m2 = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) mean[c] += x[r * channels + c];
  }
  for (let c = 0; c < channels; c++) mean[c] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const d = x[r * channels + c] - mean[c];
      m2[c] += d * d;
    }
  }
  return { mean, m2 };
}

/** Per channel: Σ dy and Σ dy·(x − mean) over the rows (f64). */
export function backwardSums(dy: TensorData, x: TensorData, mean: Float64Array, rows: number, channels: number): { sumDy: Float64Array; sumDyXc: Float64Array } {
  const sumDy = new Float64Array(channels);
  const sumDyXc = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const d = dy[r * channels + c];
      sumDy[c] += d;
      sumDyXc[c] += d * (x[r * channels + c] - mean[c]);
    }
  }
  return { sumDy, sumDyXc };
}

/** y[r, c] = x[r, c]·a[c] + b[c] in f64, with coef = [a, b]. */
export function channelAffine(x: TensorData, coef: Float64Array, channels: number, alloc: Alloc): TensorData {
  const y = alloc(x.length);
  for (let i = 0, c = 0; i < x.length; i++) {
    y[i] = x[i] * coef[c] + coef[channels + c];
    if (++c === channels) c = 0;
  }
  return y;
}

/** out[r, c] = (u[r, c]·a[c] + v[r, c]·b[c]) + d[c] in f64, with coef = [a, b, d]. */
export function channelAffine2(u: TensorData, v: TensorData, coef: Float64Array, channels: number, alloc: Alloc): TensorData {
  const out = alloc(u.length);
  for (let i = 0, c = 0; i < u.length; i++) {
    out[i] = u[i] * coef[c] + v[i] * coef[channels + c] + coef[2 * channels + c];
    if (++c === channels) c = 0;
  }
  return out;
}

/**
 * From the batch's moments: the statistics the step used (mean, biased variance, 1/√(var + ε))
 * and the coefficients of y = x·a + b with a = γ/√(var + ε), b = β − mean·a.
 */
export function trainCoefficients(
  moments: { mean: Float64Array; m2: Float64Array },
  gamma: TensorData,
  beta: TensorData,
  info: BatchNormInfo,
  alloc: Alloc,
): { mean: TensorData; variance: TensorData; invStd: TensorData; coef: Float64Array } {
  const C = info.channels;
  const mean = alloc(C);
  const variance = alloc(C);
  const invStd = alloc(C);
  const coef = new Float64Array(2 * C);
  for (let c = 0; c < C; c++) {
    const mu = moments.mean[c];
    const v = moments.m2[c] / info.rows;
    const s = 1 / Math.sqrt(v + info.epsilon);
    const a = gamma[c] * s;
    coef[c] = a;
    coef[C + c] = beta[c] - mu * a;
    mean[c] = mu;
    variance[c] = v;
    invStd[c] = s;
  }
  return { mean, variance, invStd, coef };
}

/** y = x·a + b with a = γ/√(var + ε), b = β − mean·a, from given (moving) statistics. */
export function inferenceCoefficients(gamma: TensorData, beta: TensorData, mean: TensorData, variance: TensorData, info: BatchNormInfo): Float64Array {
  const C = info.channels;
  const coef = new Float64Array(2 * C);
  for (let c = 0; c < C; c++) {
    const a = gamma[c] * (1 / Math.sqrt(variance[c] + info.epsilon));
    coef[c] = a;
    coef[C + c] = beta[c] - mean[c] * a;
  }
  return coef;
}

/**
 * dβ = Σ dy, dγ = s·Σ dy·(x − μ), and dx = k·(dy − Σdy/m − (x − μ)·s²·Σdy(x − μ)/m) with k = γ·s,
 * s = invStd, m = rows (the batch statistics depend on x), written as dx = dy·a + x·b + d.
 */
export function backwardCoefficients(
  sums: { sumDy: Float64Array; sumDyXc: Float64Array },
  gamma: TensorData,
  mean: TensorData,
  invStd: TensorData,
  info: BatchNormInfo,
  alloc: Alloc,
): { dgamma: TensorData; dbeta: TensorData; coef: Float64Array } {
  const C = info.channels;
  const m = info.rows;
  const dgamma = alloc(C);
  const dbeta = alloc(C);
  const coef = new Float64Array(3 * C);
  for (let c = 0; c < C; c++) {
    const s = invStd[c];
    const k = gamma[c] * s;
    const q = (s * s * sums.sumDyXc[c]) / m;
    coef[c] = k;
    coef[C + c] = -k * q;
    coef[2 * C + c] = k * (mean[c] * q - sums.sumDy[c] / m);
    dgamma[c] = sums.sumDyXc[c] * s;
    dbeta[c] = sums.sumDy[c];
  }
  return { dgamma, dbeta, coef };
}

export function batchNormTrain(x: TensorData, gamma: TensorData, beta: TensorData, info: BatchNormInfo, alloc: Alloc) {
  const stats = trainCoefficients(channelMoments(x, info.rows, info.channels), gamma, beta, info, alloc);
  return { y: channelAffine(x, stats.coef, info.channels, alloc), mean: stats.mean, variance: stats.variance, invStd: stats.invStd };
}

export function batchNormInference(x: TensorData, gamma: TensorData, beta: TensorData, mean: TensorData, variance: TensorData, info: BatchNormInfo, alloc: Alloc): TensorData {
  return channelAffine(x, inferenceCoefficients(gamma, beta, mean, variance, info), info.channels, alloc);
}

export function batchNormBackward(dy: TensorData, x: TensorData, gamma: TensorData, mean: TensorData, invStd: TensorData, info: BatchNormInfo, alloc: Alloc) {
  const mean64 = Float64Array.from(mean);
  const grads = backwardCoefficients(backwardSums(dy, x, mean64, info.rows, info.channels), gamma, mean, invStd, info, alloc);
  return { dx: channelAffine2(dy, x, grads.coef, info.channels, alloc), dgamma: grads.dgamma, dbeta: grads.dbeta };
}
