import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError, DatasetError, ShapeError } from '../errors.js';
import { formatShape, shapesEqual, Tensor } from '../tensor/index.js';

export interface CrossEntropyOptions {
  /**
   * Label smoothing ε in [0, 1): the target is (1 − ε)·onehot + ε/K over the K classes instead
   * of the one-hot vector (Szegedy et al. 2016). Default 0.
   */
  labelSmoothing?: number;
}

/**
 * Mean softmax cross-entropy of logits [batch, classes] against integer labels, computed from the
 * logits in one stable step. With label smoothing ε the target t is (1 − ε)·onehot + ε/K, and
 * −Σ t·log softmax(z) = nll + ε·(z_label − mean(z)), so no extra kernel is needed.
 * Gradient: (softmax(logits) − t) / batch.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Int32Array, options: CrossEntropyOptions = {}): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`softmaxCrossEntropy needs logits [batch, classes], got ${formatShape(logits.shape)}`);
  const [rows, cols] = logits.shape;
  if (labels.length !== rows) throw new ShapeError(`softmaxCrossEntropy: ${rows} rows of logits but ${labels.length} labels`);
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 && labels[i] < cols)) throw new DatasetError(`label ${labels[i]} at index ${i} is outside the ${cols} classes [0, ${cols - 1}]`);
  }
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) throw new ArgumentError(`label smoothing must be in [0, 1), got ${smoothing}`);
  const backend = getBackend();
  const { losses, probs } = backend.softmaxCrossEntropy(logits.data, labels, rows, cols);
  const out = backend.alloc(1);
  let total = backend.sum(losses);
  if (smoothing > 0) {
    const z = logits.data;
    let extra = 0;
    for (let r = 0; r < rows; r++) {
      let rowSum = 0;
      for (let c = 0; c < cols; c++) rowSum += z[r * cols + c];
      extra += z[r * cols + labels[r]] - rowSum / cols;
    }
    total += smoothing * extra;
  }
  out[0] = total / rows;
  const y = new Tensor(out, []);
  return recordOp(y, [logits], (dy) => {
    const g = backend.alloc(rows * cols);
    const factor = dy.data[0] / rows;
    const spread = (smoothing / cols) * factor;
    const onLabel = (1 - smoothing) * factor;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) g[r * cols + c] = probs[r * cols + c] * factor - spread;
      g[r * cols + labels[r]] -= onLabel;
    }
    return [new Tensor(g, logits.shape)];
  });
}

/** Mean of (prediction − target)² over all elements. */
export function meanSquaredError(prediction: Tensor, target: Tensor): Tensor {
  if (!shapesEqual(prediction.shape, target.shape)) {
    throw new ShapeError(`meanSquaredError: prediction ${formatShape(prediction.shape)} and target ${formatShape(target.shape)} differ`);
  }
  const backend = getBackend();
  const diff = backend.binary('sub', prediction.data, prediction.shape, target.data, target.shape, prediction.shape);
  let total = 0;
  for (let i = 0; i < diff.length; i++) total += diff[i] * diff[i];
  const out = backend.alloc(1);
  out[0] = total / diff.length;
  const y = new Tensor(out, []);
  return recordOp(y, [prediction, target], (dy, needs) => {
    const g = backend.scale(diff, (2 * dy.data[0]) / diff.length);
    return [needs[0] ? new Tensor(g, prediction.shape) : null, needs[1] ? new Tensor(backend.scale(g, -1), target.shape) : null];
  });
}
