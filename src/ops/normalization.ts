import { recordOp } from '../autograd/tape.js';
import type { BatchNormInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, Tensor } from '../tensor/index.js';

/** Batch normalisation's geometry: the last axis holds the channels, every other axis is averaged over. */
export function batchNormInfo(x: Tensor, params: readonly Tensor[], epsilon: number, what: string): BatchNormInfo {
  if (x.rank < 1) throw new ShapeError(`${what}: input must have a channel axis, got a scalar`);
  const channels = x.shape[x.rank - 1];
  for (const p of params) {
    if (p.rank !== 1 || p.shape[0] !== channels) {
      throw new ShapeError(`${what}: per-channel parameter of shape ${formatShape(p.shape)} does not match the last axis of the input ${formatShape(x.shape)} (${channels} channels)`);
    }
  }
  if (!(epsilon > 0)) throw new ShapeError(`${what}: epsilon must be positive, got ${epsilon}`);
  return { rows: channels === 0 ? 0 : x.size / channels, channels, epsilon };
}

export interface BatchNormTrainingResult {
  /** (x − mean)/√(variance + ε)·γ + β, recorded for gradients (with respect to x, γ and β). */
  y: Tensor;
  /** The batch's per-channel mean (not recorded: no gradient flows through it). */
  mean: Tensor;
  /** The batch's per-channel biased variance (not recorded). */
  variance: Tensor;
}

/**
 * Batch normalisation in training mode: normalises each channel (the last axis) with the mean
 * and biased variance over every other axis of this batch (N, H, W for NHWC), then scales by γ
 * and shifts by β. The gradient accounts for the statistics depending on x.
 */
export function batchNormTraining(x: Tensor, gamma: Tensor, beta: Tensor, epsilon = 1e-3): BatchNormTrainingResult {
  const info = batchNormInfo(x, [gamma, beta], epsilon, 'batchNormTraining');
  const backend = getBackend();
  const r = backend.batchNormTrain(x.data, gamma.data, beta.data, info);
  const y = recordOp(new Tensor(r.y, x.shape), [x, gamma, beta], (dy, needs) => {
    const g = backend.batchNormBackward(dy.data, x.data, gamma.data, r.mean, r.invStd, info);
    return [needs[0] ? new Tensor(g.dx, x.shape) : null, needs[1] ? new Tensor(g.dgamma, gamma.shape) : null, needs[2] ? new Tensor(g.dbeta, beta.shape) : null];
  });
  return { y, mean: new Tensor(r.mean, [info.channels]), variance: new Tensor(r.variance, [info.channels]) };
}

/**
 * Batch normalisation in inference mode: (x − mean)/√(variance + ε)·γ + β with given (moving)
 * statistics, a per-channel affine map. Gradients flow to x, γ and β, not to the statistics.
 */
export function batchNormInference(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, epsilon = 1e-3): Tensor {
  const info = batchNormInfo(x, [gamma, beta, mean, variance], epsilon, 'batchNormInference');
  const backend = getBackend();
  const y = new Tensor(backend.batchNormInference(x.data, gamma.data, beta.data, mean.data, variance.data, info), x.shape);
  return recordOp(y, [x, gamma, beta], (dy, needs) => {
    const C = info.channels;
    const zeros = backend.alloc(C);
    let dgamma: Tensor | null = null;
    if (needs[1]) {
      // dγ = Σ dy·x̂ with x̂ = (x − mean)/√(variance + ε): the same map with γ = 1, β = 0.
      const ones = backend.alloc(C).fill(1);
      const xHat = backend.batchNormInference(x.data, ones, zeros, mean.data, variance.data, info);
      dgamma = new Tensor(backend.biasGrad(backend.binary('mul', dy.data, dy.shape, xHat, x.shape, x.shape), C), gamma.shape);
    }
    return [
      // dx = dy·γ/√(variance + ε): the map applied to dy with mean 0 and β = 0.
      needs[0] ? new Tensor(backend.batchNormInference(dy.data, gamma.data, zeros, zeros, variance.data, info), x.shape) : null,
      dgamma,
      needs[2] ? new Tensor(backend.biasGrad(dy.data, C), beta.shape) : null,
    ];
  });
}

/**
 * In place, per channel: moving ← moving·momentum + batch·(1 − momentum) (Keras' rule). Not
 * recorded. Returns false, leaving `moving` unchanged, when the batch statistics are not all
 * finite (a diverged step must not poison the statistics that inference uses).
 */
export function updateMovingAverage(moving: Tensor, batch: Tensor, momentum: number): boolean {
  if (moving.size !== batch.size) {
    throw new ShapeError(`updateMovingAverage: moving statistic ${formatShape(moving.shape)} and batch statistic ${formatShape(batch.shape)} differ in size`);
  }
  const target = moving.data;
  const source = batch.data;
  for (let i = 0; i < source.length; i++) if (!Number.isFinite(source[i])) return false;
  for (let i = 0; i < source.length; i++) target[i] = target[i] * momentum + source[i] * (1 - momentum);
  return true;
}
