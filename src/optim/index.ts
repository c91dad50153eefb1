import { ArgumentError, UnknownNameError } from '../errors.js';
import { Adam, AdamW } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export * from './adam.js';
export * from './clip.js';
export * from './optimizer.js';
export * from './rmsprop.js';
export * from './schedules.js';
export * from './sgd.js';

export const optimizerNames = ['adam', 'adamw', 'rmsprop', 'sgd', 'momentum', 'nesterov'] as const;

export interface OptimizerOptions {
  learningRate?: number;
  /** L2 penalty for sgd, adam and rmsprop; decoupled decay for adamw. */
  weightDecay?: number;
  /** sgd and rmsprop (default 0), momentum and nesterov (default 0.9); Adam's is its beta1. */
  momentum?: number;
  /** rmsprop only: TensorFlow's placement of epsilon, inside the square root (see RMSprop). */
  epsilonInSqrt?: boolean;
}

/**
 * Optimizer by name: `adam`, `adamw`, `rmsprop`, `sgd`, `momentum` (SGD with momentum, default
 * 0.9) or `nesterov` (SGD with Nesterov momentum, default 0.9).
 */
export function createOptimizer(name: string, options: OptimizerOptions = {}): Optimizer {
  const { momentum, epsilonInSqrt, ...rest } = options;
  if (momentum !== undefined && (name === 'adam' || name === 'adamw')) {
    throw new ArgumentError(`momentum does not apply to ${name} (its first-moment decay is beta1); use it with sgd, momentum, nesterov or rmsprop`);
  }
  if (epsilonInSqrt && name !== 'rmsprop') throw new ArgumentError(`epsilon inside the square root is an RMSprop setting; ${name} does not take it`);
  switch (name) {
    case 'adam':
      return new Adam(rest);
    case 'adamw':
      return new AdamW(rest);
    case 'rmsprop':
      return new RMSprop({ ...rest, momentum, epsilonInSqrt });
    case 'sgd':
      return new SGD({ ...rest, momentum });
    case 'momentum':
      return new SGD({ ...rest, momentum: momentum ?? 0.9 });
    case 'nesterov':
      return new SGD({ ...rest, momentum: momentum ?? 0.9, nesterov: true });
    default:
      throw new UnknownNameError('optimizer', name, optimizerNames);
  }
}
