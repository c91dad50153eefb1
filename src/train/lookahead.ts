/**
 * airbench's lookahead (from hlb-CIFAR10): an exponential moving average of the weights that the
 * weights are reset to every few steps, so training moves fast and then averages strongly at the
 * end. A callback: fit calls it after every step; its average is part of checkpoints.
 */
import { ArgumentError } from '../errors.js';
import type { Callback, CallbackState, StepPosition, TrainingControl } from './callbacks.js';

export interface LookaheadOptions {
  /** Steps between updates (default 5). */
  every?: number;
  /** The first epoch (0-based) with updates (default 3: the average starts after three epochs). */
  startEpoch?: number;
  /** Weight of the old average at the end of the run (default 0.95⁵, airbench's). */
  decay?: number;
  /** The weight grows as decay·(step/total)^power over the run (default 3). */
  power?: number;
}

/**
 * Every `every` steps from epoch `startEpoch` on, the average a of every weight of the model —
 * batch-norm statistics and frozen weights included — moves toward the weights w, a ← ρ·a + (1−ρ)·w
 * with ρ = decay·(step/total steps)^power, and the weights are set to it; the first such step
 * only records them. At the end of every epoch the weights are set to the average once more, so
 * what is evaluated and saved is the average.
 */
export class Lookahead implements Callback {
  readonly name = 'lookahead';
  readonly every: number;
  readonly startEpoch: number;
  readonly decay: number;
  readonly power: number;
  private average: Float32Array[] | null = null;

  constructor(options: LookaheadOptions = {}) {
    this.every = options.every ?? 5;
    this.startEpoch = options.startEpoch ?? 3;
    this.decay = options.decay ?? 0.95 ** 5;
    this.power = options.power ?? 3;
    if (!Number.isInteger(this.every) || this.every < 1) throw new ArgumentError(`lookahead every must be a positive whole number of steps, got ${this.every}`);
    if (!Number.isInteger(this.startEpoch) || this.startEpoch < 0) throw new ArgumentError(`lookahead startEpoch must be a whole number ≥ 0, got ${this.startEpoch}`);
    if (!(this.decay >= 0 && this.decay < 1)) throw new ArgumentError(`lookahead decay must be in [0, 1), got ${this.decay}`);
    if (!(this.power >= 0 && Number.isFinite(this.power))) throw new ArgumentError(`lookahead power must be a finite number ≥ 0, got ${this.power}`);
  }

  onStepEnd(position: StepPosition, control: TrainingControl): void {
    const { step, epoch, stepsPerEpoch, epochs } = position;
    const parameters = control.model.parameters();
    if (epoch >= this.startEpoch && step % this.every === 0) {
      if (!this.average) {
        this.average = parameters.map((p) => Float32Array.from(p.value.data));
      } else {
        const rho = this.decay * Math.min(1, step / (epochs * stepsPerEpoch)) ** this.power;
        parameters.forEach((p, i) => {
          const a = this.average![i];
          const w = p.value.data;
          for (let j = 0; j < a.length; j++) {
            a[j] = rho * a[j] + (1 - rho) * w[j];
            w[j] = a[j];
          }
        });
      }
    }
    if (this.average && step % stepsPerEpoch === 0) parameters.forEach((p, i) => p.value.data.set(this.average![i]));
  }

  getState(): CallbackState {
    const tensors: Record<string, Float32Array> = {};
    this.average?.forEach((a, i) => (tensors[String(i)] = Float32Array.from(a)));
    return { values: { averaging: this.average !== null, arrays: this.average?.length ?? 0 }, tensors };
  }

  setState(state: CallbackState): void {
    const count = Number(state.values.arrays ?? 0);
    if (!state.values.averaging) {
      this.average = null;
      return;
    }
    const average: Float32Array[] = [];
    for (let i = 0; i < count; i++) {
      const a = state.tensors[String(i)];
      if (!a) throw new ArgumentError(`lookahead state lacks its average array ${i} of ${count}`);
      average.push(Float32Array.from(a));
    }
    this.average = average;
  }

  onTrainBegin(control: TrainingControl): void {
    if (!this.average) return;
    const parameters = control.model.parameters();
    if (parameters.length !== this.average.length || parameters.some((p, i) => p.value.size !== this.average![i].length)) {
      throw new ArgumentError(`lookahead state holds ${this.average.length} arrays that do not fit model '${control.model.name}' (${parameters.length} weights)`);
    }
  }
}
