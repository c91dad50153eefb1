import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/layer.js';
import type { Tensor } from '../tensor/index.js';
import { forParameter, type Optimizer, type OptimizerState } from './optimizer.js';
import { checkLearningRate, checkWeightDecay, loadSteppedState, SlotStore, steppedState } from './state.js';

export interface RmspropOptions {
  learningRate?: number;
  /** Decay of the running average of squared gradients (Keras' rho; PyTorch calls it alpha). */
  rho?: number;
  momentum?: number;
  epsilon?: number;
  /** Divide by the running variance of the gradient instead of its raw second moment. */
  centered?: boolean;
  /** L2 penalty added to the gradient. */
  weightDecay?: number;
  /** Divide by √(s + ε), as TensorFlow and tf.keras do, instead of √s + ε (PyTorch, Keras 2.0–2.2; the default). */
  epsilonInSqrt?: boolean;
}

/**
 * RMSprop (Hinton's lecture 6e): each weight's step is divided by the root of a running average
 * of its squared gradients. Defaults as Keras (lr 0.001, rho 0.9, epsilon 1e-7); the update is
 * PyTorch's (epsilon added outside the square root, momentum on the scaled gradient), or with
 * `epsilonInSqrt` TensorFlow's placement of epsilon (inside the root, as tf.keras trains).
 */
export class RMSprop implements Optimizer {
  readonly name = 'rmsprop';
  learningRate: number;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  readonly weightDecay: number;
  readonly epsilonInSqrt: boolean;
  private stepCount = 0;
  private readonly slots = new SlotStore();

  constructor(options: RmspropOptions = {}) {
    this.learningRate = checkLearningRate(options.learningRate ?? 0.001);
    this.rho = options.rho ?? 0.9;
    this.momentum = options.momentum ?? 0;
    this.epsilon = options.epsilon ?? 1e-7;
    this.centered = options.centered ?? false;
    this.weightDecay = checkWeightDecay(options.weightDecay ?? 0);
    this.epsilonInSqrt = options.epsilonInSqrt ?? false;
    if (!(this.rho >= 0 && this.rho < 1)) throw new ArgumentError(`RMSprop rho must be in [0, 1), got ${this.rho}`);
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new ArgumentError(`RMSprop momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new ArgumentError(`RMSprop epsilon must be > 0, got ${this.epsilon}`);
  }

  step(parameters: readonly Parameter[], gradients: readonly Tensor[]): void {
    const backend = getBackend();
    this.stepCount++;
    const config = { lr: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, epsilonInSqrt: this.epsilonInSqrt, weightDecay: this.weightDecay };
    parameters.forEach((p, i) => {
      const squareAvg = this.slots.get(p, 'square_avg', backend);
      const gradAvg = this.centered ? this.slots.get(p, 'grad_avg', backend) : null;
      const buffer = this.momentum > 0 ? this.slots.get(p, 'momentum_buffer', backend) : null;
      backend.rmspropUpdate(p.value.data, gradients[i].data, squareAvg, gradAvg, buffer, forParameter(config, p, ['weightDecay']));
    });
  }

  getConfig(): Record<string, unknown> {
    // epsilonInSqrt only when set, so checkpoints saved before the option existed still resume.
    return { name: this.name, learningRate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered, weightDecay: this.weightDecay, ...(this.epsilonInSqrt ? { epsilonInSqrt: true } : {}) };
  }

  getState(): OptimizerState {
    return steppedState(this.name, this.slots, this.stepCount, this.learningRate);
  }

  setState(state: OptimizerState, parameters: readonly Parameter[]): void {
    ({ step: this.stepCount, learningRate: this.learningRate } = loadSteppedState(state, this.name, this.slots, parameters, ['square_avg', 'grad_avg', 'momentum_buffer']));
  }
}
