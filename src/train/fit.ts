import { valueAndGrads } from '../autograd/tape.js';
import { getBackend, withBackend } from '../backend/registry.js';
import { type BatchPlace, type ImageDataset, batchCount, batches } from '../data/index.js';
import { ArgumentError, CheckpointError, NumericalError, ShapeError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { Adam, clipByGlobalNorm, type LearningRateSchedule, type Optimizer } from '../optim/index.js';
import { formatShape, Rng, shapesEqual, Tensor } from '../tensor/index.js';
import { adaptToTrainingData, markAdapted } from './adapt.js';
import { type AdversarialTraining, adversarialTrainingBatch, checkAdversarialTraining } from './adversarial.js';
import type { Callback, CallbackState, TrainingControl } from './callbacks.js';
import { Lookahead } from './lookahead.js';
import { type Checkpoint, readCheckpoint, restoreModelFromCheckpoint, writeCheckpoint } from './checkpoint.js';
import { checkResumable, type ResumingRun, runSettings } from './resume-check.js';
import { checkDatasetFitsModel, evaluate } from './evaluate.js';
import { argmaxRows, countCorrect } from './metrics.js';
import { modelLoss, totalLoss } from './loss.js';
import { normalizeBatch } from './normalize.js';
import { type ProgressState, ProgressBar, type ProgressSink } from './progress.js';

export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** The learning rate of the epoch's last step. */
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
  /**
   * Of `seconds`, the time spent preparing batches — taking them from the dataset (bytes to
   * [0, 1]), augmenting and normalising them — instead of training on them. Near 0 when data
   * never starves the training step.
   */
  dataSeconds?: number;
}

export interface FitOptions {
  /** Epochs in the run (a resumed run trains those not done yet). */
  epochs?: number;
  batchSize?: number;
  /** Default: Adam. Its learning rate is the base rate that a schedule shapes. */
  optimizer?: Optimizer;
  /** Seeds shuffling, dropout and augmentation. Weight initialisation is seeded when the model is built. */
  seed?: number;
  shuffle?: boolean;
  /** Leave out each epoch's last batch when it is partial, as airbench does (default false). */
  dropLast?: boolean;
  validationData?: ImageDataset;
  /** The learning rate of every step, from the optimizer's base rate (see optim/schedules). */
  schedule?: LearningRateSchedule;
  /** Label smoothing ε of the cross-entropy, in [0, 1). */
  labelSmoothing?: number;
  /** Rescales the gradients when their global norm exceeds this. */
  clipNorm?: number;
  /**
   * Applied to each training batch [b, H, W, C] (pixels in [0, 1]) before the model's input
   * normalisation, with a generator of its own (seeded from `seed`, saved in checkpoints).
   * Must return a batch of the same shape.
   */
  augment?: (x: Tensor, rng: Rng, place?: BatchPlace) => Tensor;
  /**
   * Adversarial training: each batch (after `augment`, before the input normalisation) gets an
   * FGSM or PGD copy made against the current weights (in inference mode), trained on together
   * with the clean batch, half the loss each (default), or instead of it (`mode: 'replace'`). The
   * epoch's loss and accuracy are then those of the images trained on. PGD's random start draws
   * from the augmentation generator.
   */
  adversarial?: AdversarialTraining;
  /** Called at the end of every epoch, in order, after onEpochEnd; they may stop training. */
  callbacks?: Callback[];
  /** Saves a checkpoint here (atomically) after every epoch. */
  checkpointDir?: string;
  /**
   * A checkpoint to continue from (its directory, or one already read by readCheckpoint): same
   * model, optimizer kind, batch size and training-set size.
   */
  resumeFrom?: string | Checkpoint;
  /** Recorded in checkpoints (model.json's `training`). */
  datasetName?: string;
  /** Where the progress bar goes; omit for none. */
  progress?: ProgressSink;
  onEpochEnd?: (logs: EpochLogs) => void;
  /**
   * Called after every training step with where the epoch is. When it returns a promise, fit
   * waits for it before the next step: a web worker awaits here to pause, to let its messages in,
   * or to stop (by rejecting).
   */
  onBatchEnd?: (progress: ProgressState) => void | Promise<void>;
  /** A clock in seconds (tests pass a fake one). */
  now?: () => number;
}

function checkPositiveInt(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ArgumentError(`${flag} must be a positive integer, got ${value}`);
  return value;
}

/** Where a run is: what a checkpoint saves besides weights, optimizer and callbacks. */
interface RunPosition {
  epochsDone: number;
  globalStep: number;
  stopped: boolean;
  logs: EpochLogs[];
}

/**
 * Trains the model on the dataset with mini-batch gradient descent: the model's loss (softmax
 * cross-entropy from the logits, optionally label-smoothed, or a capsule network's margin loss)
 * plus any terms its layers add while training (a capsule decoder's reconstruction loss), gradients by the tape (optionally clipped by global
 * norm), one optimizer step per batch at the schedule's learning rate. Appends to
 * `model.history`; calls the callbacks at every epoch end; saves a checkpoint after every epoch
 * when asked, and continues from one bit for bit. Resolves to the logs of every epoch of the run.
 */
export async function fit(model: Network, train: ImageDataset, options: FitOptions = {}): Promise<EpochLogs[]> {
  // The backend current when fit is called trains the whole run, even when the caller switches
  // backends while fit awaits (withBackend(wasm, () => fit(…)) restores its backend at once).
  const backend = getBackend();
  const onBackend = <T>(fn: () => T): T => withBackend(backend, fn);
  const epochs = checkPositiveInt(options.epochs ?? 1, 'epochs');
  const batchSize = checkPositiveInt(options.batchSize ?? 32, 'batch size');
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new ArgumentError(`label smoothing must be in [0, 1), got ${labelSmoothing}`);
  if (labelSmoothing > 0 && model.loss !== 'crossentropy') throw new ArgumentError(`label smoothing applies to cross-entropy; model '${model.name}' is trained with the ${model.loss} loss`);
  if (options.clipNorm !== undefined && !(Number.isFinite(options.clipNorm) && options.clipNorm > 0)) {
    throw new ArgumentError(`clip norm must be a positive number, got ${options.clipNorm}`);
  }
  const optimizer = options.optimizer ?? new Adam();
  const callbacks = options.callbacks ?? [];
  const names = callbacks.map((c) => c.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new ArgumentError(`two callbacks are named '${repeated}'; each may be given once`);
  const now = options.now ?? (() => performance.now() / 1000);
  const adversarial = options.adversarial ? checkAdversarialTraining(options.adversarial) : null;
  checkDatasetFitsModel(model, train);
  if (options.validationData) checkDatasetFitsModel(model, options.validationData);
  if (!model.classNames) model.classNames = [...train.classNames];

  const rng = new Rng(options.seed ?? 0);
  const shuffleRng = rng.fork();
  const dropoutRng = rng.fork();
  const augmentRng = rng.fork();
  const dropLast = options.dropLast ?? false;
  const steps = batchCount(train.count, batchSize, dropLast);
  if (steps === 0) throw new ArgumentError(`dropLast (--drop-last) with batch size ${batchSize} leaves no batch of the ${train.count} training images`);
  const baseLearningRate = optimizer.learningRate;
  const schedule = options.schedule ?? null;
  const settings = runSettings(options);
  const control: TrainingControl = {
    model,
    optimizer,
    hasValidation: options.validationData !== undefined,
    stopTraining: false,
    learningRateScale: 1,
    log: (message) => options.progress?.write(`${message}\n`),
  };
  let run: RunPosition = { epochsDone: 0, globalStep: 0, stopped: false, logs: [] };

  if (options.resumeFrom !== undefined) {
    const checkpoint = typeof options.resumeFrom === 'string' ? await readCheckpoint(options.resumeFrom) : options.resumeFrom;
    run = onBackend(() =>
      resume(checkpoint, { model, optimizer, callbacks, control, batchSize, trainImages: train.count, datasetName: options.datasetName ?? train.name, schedule, settings, lookahead: callbacks.some((c) => c instanceof Lookahead) }),
    );
    shuffleRng.restore(checkpoint.state.rng.shuffle);
    dropoutRng.restore(checkpoint.state.rng.dropout);
    augmentRng.restore(checkpoint.state.rng.augment);
  }
  // Layers set from data (PatchWhitening) adapt before the first step; a resumed run has their weights.
  if (options.resumeFrom === undefined) adaptToTrainingData(model, train, { now, log: control.log });
  else markAdapted(model);
  for (const p of model.parameters()) p.value = new Tensor(backend.adopt(p.value.data), p.value.shape);
  const bar = options.progress ? new ProgressBar(options.progress) : null;
  const learningRateAt = (epochIndex: number): number => {
    const base = schedule ? schedule.learningRate(baseLearningRate, { step: run.globalStep, epoch: epochIndex, stepsPerEpoch: steps, epochs }) : baseLearningRate;
    return base * control.learningRateScale;
  };
  const saveCheckpoint = async (): Promise<void> => {
    if (options.checkpointDir === undefined) return;
    const callbackStates = new Map<string, CallbackState>();
    for (const c of callbacks) if (c.getState) callbackStates.set(c.name, c.getState());
    await writeCheckpoint(options.checkpointDir, {
      model,
      state: {
        model: model.name,
        dataset: options.datasetName ?? train.name,
        trainImages: train.count,
        batchSize,
        stepsPerEpoch: steps,
        epochs,
        epochsDone: run.epochsDone,
        globalStep: run.globalStep,
        stopped: run.stopped,
        baseLearningRate,
        learningRateScale: control.learningRateScale,
        schedule: schedule ? schedule.getConfig() : null,
        optimizer: { name: optimizer.name, config: optimizer.getConfig() },
        rng: { shuffle: shuffleRng.snapshot(), dropout: dropoutRng.snapshot(), augment: augmentRng.snapshot() },
        callbacks: {},
        logs: run.logs,
        settings,
      },
      optimizer: optimizer.getState(),
      callbacks: callbackStates,
      training: { dataset: options.datasetName ?? train.name, epochs: run.epochsDone, batchSize, optimizer: optimizer.getConfig(), ...(settings.adversarial ? { adversarial: settings.adversarial } : {}) },
    });
  };

  for (const c of callbacks) onBackend(() => c.onTrainBegin?.(control));
  for (let e = run.epochsDone; e < epochs && !run.stopped; e++) {
    const epoch = (model.history.epoch.at(-1) ?? 0) + 1;
    // Which weights train may change from epoch to epoch (Layer.beginEpoch).
    for (const layer of model.layers) layer.beginEpoch(e);
    const params = model.trainableParameters();
    const sources = params.map((p) => p.value);
    bar?.epochStart(e + 1, epochs);
    const start = now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let step = 0;
    let learningRate = optimizer.learningRate;
    const state = (): ProgressState => ({ epoch: e + 1, epochs, batch: step, batches: steps, images: seen, elapsedSeconds: now() - start, loss: seen ? lossSum / seen : 0, accuracy: seen ? correct / seen : 0 });
    let dataSeconds = 0;
    const epochBatches = batches(train, { batchSize, shuffle: options.shuffle ?? true, rng: shuffleRng, dropLast })[Symbol.iterator]();
    for (;;) {
      const fetchStart = now();
      const next = epochBatches.next();
      dataSeconds += now() - fetchStart;
      if (next.done) break;
      const batch = next.value;
      learningRate = learningRateAt(e);
      optimizer.learningRate = learningRate;
      // One scope per step: the backend reclaims every intermediate when it ends.
      const { loss, batchCorrect } = onBackend(() => backend.scope(() => {
        const prepareStart = now();
        const augmented = options.augment ? augmentBatch(options.augment, batch.x, augmentRng, { indices: batch.indices, epoch: e }) : batch.x;
        // Making adversarial examples is model work, not data preparation: kept out of dataSeconds.
        let trained = { x: augmented, labels: batch.labels };
        let attackSeconds = 0;
        if (adversarial) {
          const attackStart = now();
          trained = adversarialTrainingBatch(model, augmented, batch.labels, adversarial, augmentRng);
          attackSeconds = now() - attackStart;
        }
        const x = normalizeBatch(trained.x, model.inputNormalization);
        dataSeconds += now() - prepareStart - attackSeconds;
        let logits = x;
        const { value, grads } = valueAndGrads(() => {
          const extraLosses: Tensor[] = [];
          logits = model.forward(x, { training: true, rng: dropoutRng, logits: true, labels: trained.labels, addLoss: (l) => extraLosses.push(l) });
          return totalLoss(modelLoss(model, logits, trained.labels, { labelSmoothing }), extraLosses);
        }, sources);
        const stepLoss = value.item();
        const where = `at epoch ${epoch}, batch ${step + 1}/${steps}; the weights were left as they were before this batch`;
        if (!Number.isFinite(stepLoss)) {
          throw new NumericalError(`loss became ${stepLoss} ${where} — try a lower learning rate (now ${optimizer.learningRate})`);
        }
        let gradients = grads;
        if (options.clipNorm !== undefined) {
          const clipped = clipByGlobalNorm(grads, options.clipNorm);
          if (!Number.isFinite(clipped.norm)) throw new NumericalError(`the gradient norm became ${clipped.norm} ${where}`);
          gradients = clipped.gradients;
        }
        optimizer.step(params, gradients);
        // Under adversarial 'mix' the batch trained on holds each image twice: count halves.
        return { loss: stepLoss, batchCorrect: (countCorrect(argmaxRows(logits), trained.labels) * batch.labels.length) / trained.labels.length };
      }));
      step++;
      run.globalStep++;
      for (const c of callbacks) if (c.onStepEnd) onBackend(() => c.onStepEnd!({ step: run.globalStep, epoch: e, stepsPerEpoch: steps, epochs }, control));
      seen += batch.labels.length;
      lossSum += loss * batch.labels.length;
      correct += batchCorrect;
      bar?.update(state());
      const batchEnd = options.onBatchEnd?.(state());
      if (batchEnd) await batchEnd;
    }
    const seconds = now() - start;
    const logs: EpochLogs = { epoch, loss: lossSum / seen, accuracy: correct / seen, learningRate, seconds, imagesPerSecond: seen / seconds, dataSeconds };
    if (options.validationData) {
      const val = onBackend(() => evaluate(model, options.validationData!, { batchSize: Math.max(batchSize, 256) }));
      logs.valLoss = val.loss;
      logs.valAccuracy = val.accuracy;
    }
    bar?.epochEnd(state(), logs.valLoss !== undefined ? { loss: logs.valLoss, accuracy: logs.valAccuracy! } : undefined);
    appendHistory(model, logs);
    run.logs.push(logs);
    run.epochsDone++;
    options.onEpochEnd?.(logs);
    for (const c of callbacks) await onBackend(() => c.onEpochEnd?.(logs, control));
    run.stopped = control.stopTraining;
    await saveCheckpoint();
  }
  for (const c of callbacks) await onBackend(() => c.onTrainEnd?.(control));
  return run.logs;
}

function augmentBatch(augment: (x: Tensor, rng: Rng, place?: BatchPlace) => Tensor, x: Tensor, rng: Rng, place: BatchPlace): Tensor {
  const y = augment(x, rng, place);
  if (!(y instanceof Tensor) || !shapesEqual(y.shape, x.shape)) {
    throw new ShapeError(`augment must return a batch of the shape it was given, ${formatShape(x.shape)}; it returned ${y instanceof Tensor ? formatShape(y.shape) : String(y)}`);
  }
  return y;
}

/**
 * Applies a checkpoint to this run (after checkResumable): weights and history into the model,
 * state into the optimizer and callbacks, the learning-rate scale into control.
 */
function resume(checkpoint: Checkpoint, run: ResumingRun & { callbacks: Callback[]; control: TrainingControl }): RunPosition {
  const { state, dir } = checkpoint;
  checkResumable(checkpoint, run);
  restoreModelFromCheckpoint(checkpoint, run.model);
  try {
    // Every weight, not only those training now: a weight frozen after some epochs keeps its slots.
    run.optimizer.setState(checkpoint.optimizer, run.model.parameters());
    for (const c of run.callbacks) {
      const saved = checkpoint.callbacks.get(c.name);
      if (saved && c.setState) c.setState(saved);
    }
  } catch (e) {
    if (e instanceof ArgumentError) throw new CheckpointError(e.message, dir);
    throw e;
  }
  run.control.learningRateScale = state.learningRateScale;
  run.control.stopTraining = state.stopped;
  return { epochsDone: state.epochsDone, globalStep: state.globalStep, stopped: state.stopped, logs: state.logs.map(finiteOrNaN) };
}

/** JSON stores NaN as null; logs read back get NaN again. */
function finiteOrNaN(logs: EpochLogs): EpochLogs {
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, v === null ? NaN : v])) as unknown as EpochLogs;
}

function appendHistory(model: Network, logs: EpochLogs): void {
  const h = model.history;
  h.epoch.push(logs.epoch);
  h.loss.push(logs.loss);
  h.accuracy.push(logs.accuracy);
  if (logs.valLoss !== undefined) {
    (h.valLoss ??= []).push(logs.valLoss);
    (h.valAccuracy ??= []).push(logs.valAccuracy!);
  }
  (h.learningRate ??= []).push(logs.learningRate);
}
