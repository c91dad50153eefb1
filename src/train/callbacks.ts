/**
 * Callbacks that `fit` calls at the end of every epoch with that epoch's logs: early stopping,
 * keeping the best model on disk, reducing the learning rate on a plateau. A callback may stop
 * training or scale the learning rate through the TrainingControl it is given. Callbacks with
 * state (best value so far, epochs waited, best weights) export it, so a checkpoint can resume
 * them exactly.
 */
import { ArgumentError } from '../errors.js';
import { saveModel } from '../io/model-file.js';
import type { Network } from '../nn/network.js';
import type { Optimizer } from '../optim/index.js';
import type { EpochLogs } from './fit.js';

export const monitorNames = ['val_loss', 'val_accuracy', 'loss', 'accuracy'] as const;
export type MonitoredMetric = (typeof monitorNames)[number];

/** What callbacks may read and change while fit runs. */
export interface TrainingControl {
  readonly model: Network;
  readonly optimizer: Optimizer;
  /** Whether fit has validation data, so that val_loss and val_accuracy exist. */
  readonly hasValidation: boolean;
  /** Set to true to end training after this epoch. */
  stopTraining: boolean;
  /** Multiplies the learning rate (the schedule's, or the base rate) from the next step on. */
  learningRateScale: number;
  /** Writes a line where fit's progress goes (nowhere if it has none). */
  log(message: string): void;
}

/** A callback's state: JSON values and float32 arrays (best weights). */
export interface CallbackState {
  values: Record<string, unknown>;
  tensors: Record<string, Float32Array>;
}

/** Where a run is after a step: `step` steps done in the whole run (1-based), in 0-based `epoch`. */
export interface StepPosition {
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  epochs: number;
}

export interface Callback {
  /** Unique among the callbacks of one fit: names the callback's state in checkpoints. */
  readonly name: string;
  onTrainBegin?(control: TrainingControl): void;
  /** After every optimizer step (e.g. a weight average). */
  onStepEnd?(position: StepPosition, control: TrainingControl): void;
  onEpochEnd?(logs: EpochLogs, control: TrainingControl): void | Promise<void>;
  onTrainEnd?(control: TrainingControl): void | Promise<void>;
  getState?(): CallbackState;
  setState?(state: CallbackState): void;
}

/** The value of a monitored metric in an epoch's logs (undefined when absent). */
export function monitoredValue(logs: EpochLogs, monitor: MonitoredMetric): number | undefined {
  switch (monitor) {
    case 'val_loss':
      return logs.valLoss;
    case 'val_accuracy':
      return logs.valAccuracy;
    case 'loss':
      return logs.loss;
    case 'accuracy':
      return logs.accuracy;
  }
}

export function checkMonitor(monitor: string, who: string): MonitoredMetric {
  if (!(monitorNames as readonly string[]).includes(monitor)) {
    throw new ArgumentError(`${who}: cannot monitor '${monitor}'; expected one of ${monitorNames.join(', ')}`);
  }
  return monitor as MonitoredMetric;
}

/**
 * Tracks the best value of a metric: lower is better for losses, higher for accuracies, and a
 * change counts as an improvement only when it beats the best by more than minDelta.
 */
class BestTracker {
  readonly mode: 'min' | 'max';
  best: number | null = null;

  constructor(
    readonly monitor: MonitoredMetric,
    readonly minDelta: number,
    private readonly who: string,
  ) {
    if (!(Number.isFinite(minDelta) && minDelta >= 0)) throw new ArgumentError(`${who}: minDelta must be a number ≥ 0, got ${minDelta}`);
    this.mode = monitor.endsWith('accuracy') ? 'max' : 'min';
  }

  checkAvailable(control: TrainingControl): void {
    if (this.monitor.startsWith('val_') && !control.hasValidation) {
      throw new ArgumentError(`${this.who} monitors ${this.monitor}, which needs validation data (fit's validationData; in the CLI --validation-split or --eval-every-epoch)`);
    }
  }

  value(logs: EpochLogs): number {
    const v = monitoredValue(logs, this.monitor);
    if (v === undefined) throw new ArgumentError(`${this.who}: epoch ${logs.epoch} has no ${this.monitor}`);
    return v;
  }

  /** Records `value` when it improves on the best; returns whether it did. NaN never improves. */
  update(value: number): boolean {
    if (Number.isNaN(value)) return false;
    const improved = this.best === null || (this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (improved) this.best = value;
    return improved;
  }
}

const count = (v: unknown, what: string): number => {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) throw new ArgumentError(`callback state: ${what} must be a non-negative integer, found ${JSON.stringify(v)}`);
  return v;
};
const bestValue = (v: unknown): number | null => {
  if (v !== null && typeof v !== 'number') throw new ArgumentError(`callback state: best must be a number or null, found ${JSON.stringify(v)}`);
  return v;
};
const checkPatience = (patience: number, who: string): number => {
  if (!(Number.isInteger(patience) && patience >= 0)) throw new ArgumentError(`${who}: patience must be a whole number of epochs ≥ 0, got ${patience}`);
  return patience;
};

export interface EarlyStoppingOptions {
  /** Default val_loss. */
  monitor?: MonitoredMetric;
  /** Epochs in a row without improvement after which training stops (0 and 1: the first one). Default 0, as Keras. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** When training ends, put back the weights of the best epoch. Default false (as Keras). */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored metric has not improved for `patience` epochs (Keras' EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly name = 'early_stopping';
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly tracker: BestTracker;
  private wait = 0;
  private bestEpoch: number | null = null;
  /** The epoch training was stopped at, if it was. */
  stoppedEpoch: number | null = null;
  private bestWeights: Map<string, Float32Array> | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.tracker = new BestTracker(checkMonitor(options.monitor ?? 'val_loss', 'early stopping'), options.minDelta ?? 0, 'early stopping');
    this.patience = checkPatience(options.patience ?? 0, 'early stopping');
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  get best(): number | null {
    return this.tracker.best;
  }

  onTrainBegin(control: TrainingControl): void {
    this.tracker.checkAvailable(control);
  }

  onEpochEnd(logs: EpochLogs, control: TrainingControl): void {
    if (this.tracker.update(this.tracker.value(logs))) {
      this.wait = 0;
      this.bestEpoch = logs.epoch;
      if (this.restoreBestWeights) this.bestWeights = new Map(control.model.parameters().map((p) => [p.name, Float32Array.from(p.value.data)]));
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      control.stopTraining = true;
      this.stoppedEpoch = logs.epoch;
      control.log(`Early stopping at epoch ${logs.epoch}: ${this.tracker.monitor} has not improved on ${this.tracker.best} (epoch ${this.bestEpoch}) for ${this.wait} epoch(s)`);
    }
  }

  onTrainEnd(control: TrainingControl): void {
    const last = control.model.history.epoch.at(-1);
    if (!this.restoreBestWeights || !this.bestWeights || this.bestEpoch === last) return;
    for (const p of control.model.parameters()) {
      const saved = this.bestWeights.get(p.name);
      if (saved && saved.length === p.value.size) p.value.data.set(saved);
    }
    control.log(`Restored the weights of epoch ${this.bestEpoch} (${this.tracker.monitor} ${this.tracker.best})`);
  }

  getState(): CallbackState {
    return {
      values: { best: this.tracker.best, wait: this.wait, bestEpoch: this.bestEpoch, stoppedEpoch: this.stoppedEpoch },
      tensors: Object.fromEntries(this.bestWeights ?? []),
    };
  }

  setState(state: CallbackState): void {
    const { best, wait, bestEpoch, stoppedEpoch } = state.values;
    this.tracker.best = bestValue(best);
    this.wait = count(wait, 'wait');
    this.bestEpoch = bestEpoch === null ? null : count(bestEpoch, 'bestEpoch');
    this.stoppedEpoch = stoppedEpoch === null || stoppedEpoch === undefined ? null : count(stoppedEpoch, 'stoppedEpoch');
    const tensors = Object.entries(state.tensors);
    this.bestWeights = tensors.length > 0 ? new Map(tensors) : null;
  }
}

export interface KeepBestOptions {
  /** The model directory to write (atomically) whenever the metric improves. */
  dir: string;
  /** Default val_loss. */
  monitor?: MonitoredMetric;
  minDelta?: number;
  /** Stored in the saved model.json's `training`, beside the epoch and the metric. */
  training?: Record<string, unknown>;
}

/** Saves the model to `dir` each time the monitored metric improves (Keras' ModelCheckpoint with save_best_only). */
export class KeepBestCheckpoint implements Callback {
  readonly name = 'keep_best';
  readonly dir: string;
  private readonly tracker: BestTracker;
  private readonly training: Record<string, unknown>;

  constructor(options: KeepBestOptions) {
    if (typeof options.dir !== 'string' || options.dir === '') throw new ArgumentError('keep-best checkpoint needs a directory');
    this.dir = options.dir;
    this.tracker = new BestTracker(checkMonitor(options.monitor ?? 'val_loss', 'keep-best checkpoint'), options.minDelta ?? 0, 'keep-best checkpoint');
    this.training = options.training ?? {};
  }

  get best(): number | null {
    return this.tracker.best;
  }

  onTrainBegin(control: TrainingControl): void {
    this.tracker.checkAvailable(control);
  }

  async onEpochEnd(logs: EpochLogs, control: TrainingControl): Promise<void> {
    const value = this.tracker.value(logs);
    if (!this.tracker.update(value)) return;
    await saveModel(control.model, this.dir, { training: { ...this.training, epoch: logs.epoch, monitor: this.tracker.monitor, [this.tracker.monitor]: value } });
  }

  getState(): CallbackState {
    return { values: { best: this.tracker.best }, tensors: {} };
  }

  setState(state: CallbackState): void {
    this.tracker.best = bestValue(state.values.best);
  }
}

export interface ReduceOnPlateauOptions {
  /** Default val_loss. */
  monitor?: MonitoredMetric;
  /** The learning rate is multiplied by this, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs in a row without improvement after which the rate is reduced. Default 10. */
  patience?: number;
  /** Default 1e-4 (as Keras). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** The learning rate never goes below this. Default 0. */
  minLearningRate?: number;
}

/** Multiplies the learning rate by `factor` when the metric has stalled for `patience` epochs (Keras' ReduceLROnPlateau). */
export class ReduceLROnPlateau implements Callback {
  readonly name = 'reduce_lr_on_plateau';
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLearningRate: number;
  private readonly tracker: BestTracker;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(options: ReduceOnPlateauOptions = {}) {
    this.tracker = new BestTracker(checkMonitor(options.monitor ?? 'val_loss', 'reduce-on-plateau'), options.minDelta ?? 1e-4, 'reduce-on-plateau');
    this.factor = options.factor ?? 0.1;
    this.patience = checkPatience(options.patience ?? 10, 'reduce-on-plateau');
    this.cooldown = checkPatience(options.cooldown ?? 0, 'reduce-on-plateau cooldown');
    this.minLearningRate = options.minLearningRate ?? 0;
    if (!(this.factor > 0 && this.factor < 1)) throw new ArgumentError(`reduce-on-plateau: factor must be in (0, 1), got ${this.factor}`);
    if (!(Number.isFinite(this.minLearningRate) && this.minLearningRate >= 0)) throw new ArgumentError(`reduce-on-plateau: minimum learning rate must be ≥ 0, got ${this.minLearningRate}`);
  }

  onTrainBegin(control: TrainingControl): void {
    this.tracker.checkAvailable(control);
  }

  onEpochEnd(logs: EpochLogs, control: TrainingControl): void {
    const improved = this.tracker.update(this.tracker.value(logs));
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (improved) {
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    this.wait++;
    if (this.wait < this.patience) return;
    const current = control.optimizer.learningRate;
    if (current > this.minLearningRate * (1 + 1e-9)) {
      const factor = Math.max(this.factor, this.minLearningRate / current);
      control.learningRateScale *= factor;
      control.log(`Epoch ${logs.epoch}: ${this.tracker.monitor} has not improved for ${this.wait} epoch(s); learning rate ${current} → ${current * factor}`);
      this.wait = 0;
      this.cooldownLeft = this.cooldown;
    }
  }

  getState(): CallbackState {
    return { values: { best: this.tracker.best, wait: this.wait, cooldownLeft: this.cooldownLeft }, tensors: {} };
  }

  setState(state: CallbackState): void {
    this.tracker.best = bestValue(state.values.best);
    this.wait = count(state.values.wait, 'wait');
    this.cooldownLeft = count(state.values.cooldownLeft, 'cooldownLeft');
  }
}
