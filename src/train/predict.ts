import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import type { Network } from '../nn/network.js';
import { Tensor } from '../tensor/index.js';
import { type TestTimeAugmentation, testLogits } from './evaluate.js';
import { topK, type TopKEntry } from './metrics.js';
import { classScores } from './loss.js';

/**
 * Class probabilities [batch, classes] for a batch of images with pixels in [0, 1] (for capsule
 * networks: the digit capsules' lengths, each in [0, 1], which need not sum to 1). With
 * `tta: 'flip'`, from the logits of each image averaged with those of its mirror image; with
 * 'flip-translate', airbench's six views (see TestTimeAugmentation).
 */
export function predict(model: Network, x: Tensor, options: { tta?: TestTimeAugmentation } = {}): Tensor {
  return noGrad(() =>
    getBackend().scope(() => {
      const logits = testLogits(model, x, options.tta ?? 'none');
      const probabilities = classScores(model, logits);
      // Copied out of the scope, which reclaims the backend's memory.
      return new Tensor(Float32Array.from(probabilities.data), probabilities.shape);
    }),
  );
}

/** The k most probable classes of each image in the batch. */
export function predictTopK(model: Network, x: Tensor, k: number, options: { tta?: TestTimeAugmentation } = {}): TopKEntry[][] {
  const probs = predict(model, x, options);
  const classes = probs.shape[1];
  const out: TopKEntry[][] = [];
  for (let r = 0; r < probs.shape[0]; r++) out.push(topK(probs.data.subarray(r * classes, (r + 1) * classes), k, model.classNames));
  return out;
}
