import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, shapesEqual, Tensor } from '../tensor/index.js';
import { checkClassIndices } from './capsules.js';

export interface MarginLossOptions {
  /** The length the true class's capsule should reach (default 0.9). */
  mPlus?: number;
  /** The length the other capsules should stay under (default 0.1). */
  mMinus?: number;
  /** Down-weighting of the absent classes' term (default 0.5). */
  lambda?: number;
}

/**
 * The capsule networks' margin loss (Sabour et al. 2017, eq. 4) on capsule lengths [B, K]
 * against integer labels: the mean over the batch of Σ_k T_k·max(0, m⁺ − ℓ_k)² +
 * λ·(1 − T_k)·max(0, ℓ_k − m⁻)², T_k = 1 for the labelled class. A scalar.
 */
export function marginLoss(lengths: Tensor, labels: Int32Array, options: MarginLossOptions = {}): Tensor {
  if (lengths.rank !== 2) throw new ShapeError(`marginLoss needs capsule lengths [batch, classes], got ${formatShape(lengths.shape)}`);
  const [rows, cols] = lengths.shape;
  checkClassIndices(labels, rows, cols, 'marginLoss');
  const mPlus = options.mPlus ?? 0.9;
  const mMinus = options.mMinus ?? 0.1;
  const lambda = options.lambda ?? 0.5;
  for (const [name, value] of [['mPlus', mPlus], ['mMinus', mMinus], ['lambda', lambda]] as const) {
    if (!Number.isFinite(value)) throw new ArgumentError(`marginLoss ${name} must be a finite number, got ${value}`);
  }
  const backend = getBackend();
  const l = lengths.data;
  // dloss/dℓ per entry, before the 1/rows of the mean.
  const slope = new Float64Array(lengths.size);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const i = r * cols + k;
      if (k === labels[r]) {
        const gap = Math.max(0, mPlus - l[i]);
        total += gap * gap;
        slope[i] = -2 * gap;
      } else {
        const excess = Math.max(0, l[i] - mMinus);
        total += lambda * excess * excess;
        slope[i] = 2 * lambda * excess;
      }
    }
  }
  const out = backend.alloc(1);
  out[0] = rows === 0 ? 0 : total / rows;
  return recordOp(new Tensor(out, []), [lengths], (dy) => {
    const g = backend.alloc(lengths.size);
    const factor = dy.data[0] / rows;
    for (let i = 0; i < g.length; i++) g[i] = slope[i] * factor;
    return [new Tensor(g, lengths.shape)];
  });
}

/**
 * Σ (prediction − target)² over each example, averaged over the batch (the first axis): the
 * capsule decoder's reconstruction loss. Gradient 2·(prediction − target)/batch.
 */
export function sumSquaredError(prediction: Tensor, target: Tensor): Tensor {
  if (!shapesEqual(prediction.shape, target.shape) || prediction.rank < 1) {
    throw new ShapeError(`sumSquaredError needs a prediction and a target of one shape [batch, ...], got ${formatShape(prediction.shape)} and ${formatShape(target.shape)}`);
  }
  const batch = prediction.shape[0];
  const backend = getBackend();
  const diff = backend.binary('sub', prediction.data, prediction.shape, target.data, target.shape, prediction.shape);
  let total = 0;
  for (let i = 0; i < diff.length; i++) total += diff[i] * diff[i];
  const out = backend.alloc(1);
  out[0] = batch === 0 ? 0 : total / batch;
  return recordOp(new Tensor(out, []), [prediction, target], (dy, needs) => {
    const g = backend.scale(diff, (2 * dy.data[0]) / batch);
    return [needs[0] ? new Tensor(g, prediction.shape) : null, needs[1] ? new Tensor(backend.scale(g, -1), target.shape) : null];
  });
}
