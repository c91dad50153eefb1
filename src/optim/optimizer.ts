import type { Parameter } from '../nn/layer.js';
import type { Tensor } from '../tensor/index.js';

/**
 * What an optimizer carries between steps, for checkpoints: per-parameter arrays named
 * `<parameter name>/<slot>` (e.g. `conv2d/kernel/m`), and scalars such as the step count.
 * Arrays of parameters that have not been stepped yet are absent (they start at zero).
 */
export interface OptimizerState {
  name: string;
  tensors: Record<string, Float32Array>;
  scalars: Record<string, number>;
}

export interface Optimizer {
  readonly name: string;
  learningRate: number;
  /** Updates each parameter in place from its gradient (same order). */
  step(parameters: readonly Parameter[], gradients: readonly Tensor[]): void;
  getConfig(): Record<string, unknown>;
  /** A copy of the moments, velocities and counters (see OptimizerState). */
  getState(): OptimizerState;
  /**
   * Restores a state from getState() for these parameters (matched by name); throws
   * ArgumentError when it belongs to another optimizer or its arrays do not fit the parameters.
   */
  setState(state: OptimizerState, parameters: readonly Parameter[]): void;
}
