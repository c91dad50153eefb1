import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { padCrop } from '../data/augment/crop.js';
import { flipHorizontal } from '../data/augment/flip.js';
import { type ImageDataset, batches } from '../data/index.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { add, scale } from '../ops/index.js';
import { formatShape, type Tensor } from '../tensor/index.js';
import { argmaxRows, ConfusionMatrix, countTopK } from './metrics.js';
import { modelLoss } from './loss.js';
import { normalizeBatch } from './normalize.js';

export interface Evaluation {
  loss: number;
  /** Top-1 accuracy. */
  accuracy: number;
  /** Whether the label is among the five most probable classes (models with at least 5 classes). */
  top5Accuracy?: number;
  count: number;
  perClassAccuracy: number[];
  /** confusionMatrix[true][predicted] */
  confusionMatrix: number[][];
  classNames: string[];
  /** The test-time augmentation the figures were measured with. */
  tta: TestTimeAugmentation;
}

/**
 * Test-time augmentation: 'none'; 'flip' — the model's outputs (logits) for each image and for
 * its mirror image are averaged before the loss and the predicted class are taken (as airbench
 * does); 'flip-translate' — airbench's six views: half the weight on the flip average of the
 * image, half on the flip averages of the image moved one pixel up-left and one down-right
 * (edges reflected). Only for data whose classes do not change under mirroring (objects,
 * clothes; not digits).
 */
export type TestTimeAugmentation = 'none' | 'flip' | 'flip-translate';
export const testTimeAugmentations: readonly TestTimeAugmentation[] = ['none', 'flip', 'flip-translate'];

export interface EvaluateOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Default 'none'. */
  tta?: TestTimeAugmentation;
}

/** The class scores (logits) of a batch as the dataset holds it (before the input normalisation), in inference mode, with `tta` applied. */
export function testLogits(model: Network, x: Tensor, tta: TestTimeAugmentation = 'none'): Tensor {
  const logitsOf = (images: Tensor) => model.forward(normalizeBatch(images, model.inputNormalization), { training: false, logits: true });
  if (tta === 'none') return logitsOf(x);
  const flipAverage = (images: Tensor) => scale(add(logitsOf(images), logitsOf(flipHorizontal(images))), 0.5);
  const plain = flipAverage(x);
  if (tta === 'flip') return plain;
  // padCrop's window at (0, 0) of the 1-pixel reflect-padded image moves the image down-right; at (2, 2), up-left.
  const moved = add(flipAverage(padCrop(x, 1, 0, 0, 'reflect')), flipAverage(padCrop(x, 1, 2, 2, 'reflect')));
  return add(scale(plain, 0.5), scale(moved, 0.25));
}

/** Checks that a dataset's images fit the model's input and its classes fit the model's output. */
export function checkDatasetFitsModel(model: Network, ds: ImageDataset): void {
  const input = model.inputShape!;
  const imageShape = [ds.height, ds.width, ds.channels];
  if (input.length !== 3 || input.some((d, i) => d !== imageShape[i])) {
    throw new ShapeError(`model '${model.name}' expects images ${formatShape(input)}, dataset '${ds.name}' has ${formatShape(imageShape)}`);
  }
  const outputs = model.outputShape[model.outputShape.length - 1];
  if (ds.numClasses > outputs) {
    throw new ShapeError(`dataset '${ds.name}' has ${ds.numClasses} classes but model '${model.name}' has ${outputs} outputs`);
  }
}

/** Loss, accuracy, per-class accuracy and confusion matrix of the model on a dataset (inference mode). */
export function evaluate(model: Network, ds: ImageDataset, options: EvaluateOptions = {}): Evaluation {
  checkDatasetFitsModel(model, ds);
  const tta = options.tta ?? 'none';
  if (!testTimeAugmentations.includes(tta)) throw new ArgumentError(`test-time augmentation must be one of ${testTimeAugmentations.join(', ')}, got '${String(tta)}'`);
  const numClasses = model.outputShape[model.outputShape.length - 1];
  const confusion = new ConfusionMatrix(numClasses);
  let lossSum = 0;
  let top5 = 0;
  noGrad(() => {
    const backend = getBackend();
    for (const batch of batches(ds, { batchSize: options.batchSize ?? 256 })) {
      backend.scope(() => {
        const logits = testLogits(model, batch.x, tta);
        lossSum += modelLoss(model, logits, batch.labels).item() * batch.labels.length;
        confusion.add(batch.labels, argmaxRows(logits));
        if (numClasses >= 5) top5 += countTopK(logits, batch.labels, 5);
      });
    }
  });
  const classNames = model.classNames ?? [...ds.classNames];
  return {
    loss: lossSum / ds.count,
    accuracy: confusion.accuracy(),
    ...(numClasses >= 5 ? { top5Accuracy: ds.count === 0 ? 0 : top5 / ds.count } : {}),
    count: ds.count,
    perClassAccuracy: confusion.perClassAccuracy(),
    confusionMatrix: confusion.counts,
    classNames,
    tta,
  };
}
