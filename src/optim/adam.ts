import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/layer.js';
import type { Tensor } from '../tensor/index.js';
import { forParameter, type Optimizer, type OptimizerState } from './optimizer.js';
import { checkLearningRate, checkWeightDecay, loadSteppedState, SlotStore, steppedState } from './state.js';

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
}

/** Adam and AdamW share everything but where the weight decay goes. */
abstract class AdamFamily implements Optimizer {
  abstract readonly name: string;
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private stepCount = 0;
  private readonly slots = new SlotStore();

  constructor(options: AdamOptions, defaultWeightDecay: number, private readonly decoupled: boolean) {
    const kind = decoupled ? 'AdamW' : 'Adam';
    this.learningRate = checkLearningRate(options.learningRate ?? 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    this.weightDecay = checkWeightDecay(options.weightDecay ?? defaultWeightDecay);
    for (const [name, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new ArgumentError(`${kind} ${name} must be in [0, 1), got ${b}`);
    }
    if (!(this.epsilon > 0)) throw new ArgumentError(`${kind} epsilon must be > 0, got ${this.epsilon}`);
  }

  step(parameters: readonly Parameter[], gradients: readonly Tensor[]): void {
    const backend = getBackend();
    this.stepCount++;
    const config = {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      step: this.stepCount,
      weightDecay: this.decoupled ? 0 : this.weightDecay,
      decoupledWeightDecay: this.decoupled ? this.weightDecay : 0,
    };
    parameters.forEach((p, i) => {
      backend.adamUpdate(p.value.data, gradients[i].data, this.slots.get(p, 'm', backend), this.slots.get(p, 'v', backend), forParameter(config, p, ['weightDecay', 'decoupledWeightDecay']));
    });
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }

  getState(): OptimizerState {
    return steppedState(this.name, this.slots, this.stepCount, this.learningRate);
  }

  setState(state: OptimizerState, parameters: readonly Parameter[]): void {
    ({ step: this.stepCount, learningRate: this.learningRate } = loadSteppedState(state, this.name, this.slots, parameters, ['m', 'v']));
  }
}

/** Adam (Kingma & Ba 2015) with bias correction; optional L2 weight decay added to the gradient. */
export class Adam extends AdamFamily {
  readonly name = 'adam';
  constructor(options: AdamOptions = {}) {
    super(options, 0, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay — each step first shrinks
 * the weights by 1 − lr·weightDecay, instead of adding weightDecay·w to the gradient, where
 * Adam's per-weight scaling would weaken it. Default weightDecay 0.01, as PyTorch.
 */
export class AdamW extends AdamFamily {
  readonly name = 'adamw';
  constructor(options: AdamOptions = {}) {
    super(options, 0.01, true);
  }
}
