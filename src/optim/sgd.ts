import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/layer.js';
import type { Tensor, TensorData } from '../tensor/index.js';
import type { Optimizer } from './optimizer.js';

export interface SgdOptions {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export function checkLearningRate(lr: number): number {
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) throw new ArgumentError(`learning rate must be a positive number, got ${lr}`);
  return lr;
}

/** Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay, as PyTorch's SGD. */
export class SGD implements Optimizer {
  readonly name = 'sgd';
  learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly velocity = new Map<Parameter, TensorData>();

  constructor(options: SgdOptions = {}) {
    this.learningRate = checkLearningRate(options.learningRate ?? 0.01);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new ArgumentError(`SGD momentum must be in [0, 1), got ${this.momentum}`);
    if (this.nesterov && this.momentum === 0) throw new ArgumentError('Nesterov momentum needs momentum > 0');
    if (!(this.weightDecay >= 0)) throw new ArgumentError(`weight decay must be ≥ 0, got ${this.weightDecay}`);
  }

  step(parameters: readonly Parameter[], gradients: readonly Tensor[]): void {
    const backend = getBackend();
    const config = { lr: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
    parameters.forEach((p, i) => {
      let v: TensorData | null = null;
      if (this.momentum > 0) {
        v = this.velocity.get(p) ?? backend.allocPersistent(p.value.size);
        this.velocity.set(p, v);
      }
      backend.sgdUpdate(p.value.data, gradients[i].data, v, config);
    });
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}
