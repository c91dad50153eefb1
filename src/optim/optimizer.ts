import type { Parameter } from '../nn/layer.js';
import type { Tensor } from '../tensor/index.js';

export interface Optimizer {
  readonly name: string;
  learningRate: number;
  /** Updates each parameter in place from its gradient (same order). */
  step(parameters: readonly Parameter[], gradients: readonly Tensor[]): void;
  getConfig(): Record<string, unknown>;
}
