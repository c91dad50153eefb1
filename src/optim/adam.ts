import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/layer.js';
import type { Tensor, TensorData } from '../tensor/index.js';
import type { Optimizer } from './optimizer.js';
import { checkLearningRate } from './sgd.js';

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Adam (Kingma & Ba 2015) with bias correction; optional L2 weight decay added to the gradient. */
export class Adam implements Optimizer {
  readonly name = 'adam';
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private stepCount = 0;
  private readonly moments = new Map<Parameter, { m: TensorData; v: TensorData }>();

  constructor(options: AdamOptions = {}) {
    this.learningRate = checkLearningRate(options.learningRate ?? 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    this.weightDecay = options.weightDecay ?? 0;
    for (const [name, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new ArgumentError(`Adam ${name} must be in [0, 1), got ${b}`);
    }
    if (!(this.epsilon > 0)) throw new ArgumentError(`Adam epsilon must be > 0, got ${this.epsilon}`);
  }

  step(parameters: readonly Parameter[], gradients: readonly Tensor[]): void {
    const backend = getBackend();
    this.stepCount++;
    const config = { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step: this.stepCount, weightDecay: this.weightDecay };
    parameters.forEach((p, i) => {
      let state = this.moments.get(p);
      if (!state) {
        state = { m: backend.allocPersistent(p.value.size), v: backend.allocPersistent(p.value.size) };
        this.moments.set(p, state);
      }
      backend.adamUpdate(p.value.data, gradients[i].data, state.m, state.v, config);
    });
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }
}
