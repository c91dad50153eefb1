import { valueAndGrads } from '../autograd/tape.js';
import { type ImageDataset, batchCount, batches } from '../data/index.js';
import { ArgumentError, NumericalError } from '../errors.js';
import type { Sequential } from '../nn/sequential.js';
import { softmaxCrossEntropy } from '../ops/index.js';
import { Adam, type Optimizer } from '../optim/index.js';
import { getBackend } from '../backend/registry.js';
import { Rng, Tensor } from '../tensor/index.js';
import { checkDatasetFitsModel, evaluate } from './evaluate.js';
import { argmaxRows, countCorrect } from './metrics.js';
import { normalizeBatch } from './normalize.js';
import { type ProgressState, ProgressBar, type ProgressSink } from './progress.js';

export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  optimizer?: Optimizer;
  /** Seeds shuffling and dropout. Weight initialisation is seeded when the model is built. */
  seed?: number;
  shuffle?: boolean;
  validationData?: ImageDataset;
  /** Where the progress bar goes; omit for none. */
  progress?: ProgressSink;
  onEpochEnd?: (logs: EpochLogs) => void;
  /** A clock in seconds (tests pass a fake one). */
  now?: () => number;
}

function checkPositiveInt(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ArgumentError(`${flag} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Trains the model on the dataset with mini-batch gradient descent: softmax cross-entropy from
 * the logits, gradients by the tape, one optimizer step per batch. Appends to `model.history`.
 */
export function fit(model: Sequential, train: ImageDataset, options: FitOptions = {}): EpochLogs[] {
  const epochs = checkPositiveInt(options.epochs ?? 1, 'epochs');
  const batchSize = checkPositiveInt(options.batchSize ?? 32, 'batch size');
  const optimizer = options.optimizer ?? new Adam();
  const now = options.now ?? (() => performance.now() / 1000);
  checkDatasetFitsModel(model, train);
  if (options.validationData) checkDatasetFitsModel(model, options.validationData);
  if (!model.classNames) model.classNames = [...train.classNames];

  const rng = new Rng(options.seed ?? 0);
  const shuffleRng = rng.fork();
  const dropoutRng = rng.fork();
  const backend = getBackend();
  for (const p of model.parameters()) p.value = new Tensor(backend.adopt(p.value.data), p.value.shape);
  const params = model.trainableParameters();
  const sources = params.map((p) => p.value);
  const bar = options.progress ? new ProgressBar(options.progress) : null;
  const steps = batchCount(train.count, batchSize);
  const firstEpoch = (model.history.epoch.at(-1) ?? 0) + 1;
  const allLogs: EpochLogs[] = [];

  for (let e = 0; e < epochs; e++) {
    const epoch = firstEpoch + e;
    bar?.epochStart(e + 1, epochs);
    const start = now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let step = 0;
    const state = (): ProgressState => ({ epoch: e + 1, epochs, batch: step, batches: steps, images: seen, elapsedSeconds: now() - start, loss: seen ? lossSum / seen : 0, accuracy: seen ? correct / seen : 0 });
    for (const batch of batches(train, { batchSize, shuffle: options.shuffle ?? true, rng: shuffleRng })) {
      // One scope per step: the backend reclaims every intermediate when it ends.
      const { loss, batchCorrect } = backend.scope(() => {
        const x = normalizeBatch(batch.x, model.inputNormalization);
        let logits = x;
        const { value, grads } = valueAndGrads(() => {
          logits = model.forward(x, { training: true, rng: dropoutRng, logits: true });
          return softmaxCrossEntropy(logits, batch.labels);
        }, sources);
        const stepLoss = value.item();
        if (!Number.isFinite(stepLoss)) {
          throw new NumericalError(`loss became ${stepLoss} at epoch ${epoch}, batch ${step + 1}/${steps}; the weights were left as they were before this batch — try a lower learning rate (now ${optimizer.learningRate})`);
        }
        optimizer.step(params, grads);
        return { loss: stepLoss, batchCorrect: countCorrect(argmaxRows(logits), batch.labels) };
      });
      step++;
      seen += batch.labels.length;
      lossSum += loss * batch.labels.length;
      correct += batchCorrect;
      bar?.update(state());
    }
    const seconds = now() - start;
    const logs: EpochLogs = { epoch, loss: lossSum / seen, accuracy: correct / seen, seconds, imagesPerSecond: seen / seconds };
    if (options.validationData) {
      const val = evaluate(model, options.validationData, { batchSize: Math.max(batchSize, 256) });
      logs.valLoss = val.loss;
      logs.valAccuracy = val.accuracy;
    }
    bar?.epochEnd(state(), logs.valLoss !== undefined ? { loss: logs.valLoss, accuracy: logs.valAccuracy! } : undefined);
    appendHistory(model, logs);
    allLogs.push(logs);
    options.onEpochEnd?.(logs);
  }
  return allLogs;
}

function appendHistory(model: Sequential, logs: EpochLogs): void {
  const h = model.history;
  h.epoch.push(logs.epoch);
  h.loss.push(logs.loss);
  h.accuracy.push(logs.accuracy);
  if (logs.valLoss !== undefined) {
    (h.valLoss ??= []).push(logs.valLoss);
    (h.valAccuracy ??= []).push(logs.valAccuracy!);
  }
}
