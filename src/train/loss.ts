import { ArgumentError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { add, marginLoss, softmax, softmaxCrossEntropy } from '../ops/index.js';
import type { Tensor } from '../tensor/index.js';

export interface ModelLossOptions {
  /** Label smoothing ε of the cross-entropy (margin-loss models take none). */
  labelSmoothing?: number;
}

/**
 * The model's own loss of its outputs (from forward with `logits: true`) against the labels:
 * softmax cross-entropy, or the capsule margin loss for models whose `loss` is 'margin'.
 */
export function modelLoss(model: Network, outputs: Tensor, labels: Int32Array, options: ModelLossOptions = {}): Tensor {
  if (model.loss === 'margin') {
    if ((options.labelSmoothing ?? 0) !== 0) throw new ArgumentError(`label smoothing applies to cross-entropy; model '${model.name}' is trained with the margin loss`);
    return marginLoss(outputs, labels);
  }
  return softmaxCrossEntropy(outputs, labels, options);
}

/** The model's loss plus the terms its layers added while training (e.g. a capsule network's reconstruction loss). */
export function totalLoss(main: Tensor, extra: readonly Tensor[]): Tensor {
  return extra.reduce((sum, term) => add(sum, term), main);
}

/**
 * Class scores [batch, classes] from the model's outputs (forward with `logits: true`): softmax
 * probabilities for cross-entropy models, the capsule lengths themselves for margin models.
 */
export function classScores(model: Network, outputs: Tensor): Tensor {
  return model.loss === 'margin' ? outputs : softmax(outputs);
}
