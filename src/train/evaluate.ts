import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { type ImageDataset, batches } from '../data/index.js';
import { ShapeError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { formatShape } from '../tensor/index.js';
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
export function evaluate(model: Network, ds: ImageDataset, options: { batchSize?: number } = {}): Evaluation {
  checkDatasetFitsModel(model, ds);
  const numClasses = model.outputShape[model.outputShape.length - 1];
  const confusion = new ConfusionMatrix(numClasses);
  let lossSum = 0;
  let top5 = 0;
  noGrad(() => {
    const backend = getBackend();
    for (const batch of batches(ds, { batchSize: options.batchSize ?? 256 })) {
      backend.scope(() => {
        const logits = model.forward(normalizeBatch(batch.x, model.inputNormalization), { training: false, logits: true });
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
  };
}
