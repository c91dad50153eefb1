import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { type ImageDataset, batches } from '../data/index.js';
import { ShapeError } from '../errors.js';
import type { Sequential } from '../nn/sequential.js';
import { softmaxCrossEntropy } from '../ops/index.js';
import { formatShape } from '../tensor/index.js';
import { argmaxRows, ConfusionMatrix } from './metrics.js';
import { normalizeBatch } from './normalize.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
  perClassAccuracy: number[];
  /** confusionMatrix[true][predicted] */
  confusionMatrix: number[][];
  classNames: string[];
}

/** Checks that a dataset's images fit the model's input and its classes fit the model's output. */
export function checkDatasetFitsModel(model: Sequential, ds: ImageDataset): void {
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
export function evaluate(model: Sequential, ds: ImageDataset, options: { batchSize?: number } = {}): Evaluation {
  checkDatasetFitsModel(model, ds);
  const numClasses = model.outputShape[model.outputShape.length - 1];
  const confusion = new ConfusionMatrix(numClasses);
  let lossSum = 0;
  noGrad(() => {
    const backend = getBackend();
    for (const batch of batches(ds, { batchSize: options.batchSize ?? 256 })) {
      backend.scope(() => {
        const logits = model.forward(normalizeBatch(batch.x, model.inputNormalization), { training: false, logits: true });
        lossSum += softmaxCrossEntropy(logits, batch.labels).item() * batch.labels.length;
        confusion.add(batch.labels, argmaxRows(logits));
      });
    }
  });
  const classNames = model.classNames ?? [...ds.classNames];
  return {
    loss: lossSum / ds.count,
    accuracy: confusion.accuracy(),
    count: ds.count,
    perClassAccuracy: confusion.perClassAccuracy(),
    confusionMatrix: confusion.counts,
    classNames,
  };
}
