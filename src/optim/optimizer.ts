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

/**
 * An update's settings for one parameter: its learning rate multiplied by the parameter's
 * learningRateScale, and each weight-decay setting divided by it, so the decay's shrink per step
 * (lr × decay × w) stays what it is for every other weight.
 */
export function forParameter<T extends { lr: number }>(config: T, p: Parameter, decayKeys: readonly (keyof T & string)[]): T {
  const s = p.learningRateScale ?? 1;
  if (s === 1) return config;
  const scaled: T = { ...config, lr: config.lr * s };
  for (const key of decayKeys) (scaled as Record<string, unknown>)[key] = (config[key] as number) / s;
  return scaled;
}
