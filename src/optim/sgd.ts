import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/layer.js';
import type { Tensor } from '../tensor/index.js';
import { forParameter, type Optimizer, type OptimizerState } from './optimizer.js';
import { checkLearningRate, checkStateOwner, checkWeightDecay, SlotStore, stateScalar } from './state.js';


export interface SgdOptions {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay, as PyTorch's SGD. */
export class SGD implements Optimizer {
  readonly name = 'sgd';
  learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly slots = new SlotStore();

  constructor(options: SgdOptions = {}) {
    this.learningRate = checkLearningRate(options.learningRate ?? 0.01);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = checkWeightDecay(options.weightDecay ?? 0);
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new ArgumentError(`SGD momentum must be in [0, 1), got ${this.momentum}`);
    if (this.nesterov && this.momentum === 0) throw new ArgumentError('Nesterov momentum needs momentum > 0');
  }

  step(parameters: readonly Parameter[], gradients: readonly Tensor[]): void {
    const backend = getBackend();
    const config = { lr: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
    parameters.forEach((p, i) => {
      const v = this.momentum > 0 ? this.slots.get(p, 'velocity', backend) : null;
      backend.sgdUpdate(p.value.data, gradients[i].data, v, forParameter(config, p, ['weightDecay']));
    });
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  getState(): OptimizerState {
    return { name: this.name, tensors: this.slots.export(), scalars: { learningRate: this.learningRate } };
  }

  setState(state: OptimizerState, parameters: readonly Parameter[]): void {
    checkStateOwner(state, this.name);
    const lr = checkLearningRate(stateScalar(state, 'learningRate'));
    this.slots.import(state.tensors, parameters, ['velocity'], this.name);
    this.learningRate = lr;
  }
}
