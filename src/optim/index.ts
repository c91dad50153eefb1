import { UnknownNameError } from '../errors.js';
import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

export * from './adam.js';
export * from './optimizer.js';
export * from './sgd.js';

export const optimizerNames = ['adam', 'sgd', 'momentum', 'nesterov'] as const;

/** Optimizer by name: `adam`, `sgd`, `momentum` (SGD, momentum 0.9) or `nesterov` (SGD, Nesterov 0.9). */
export function createOptimizer(name: string, options: { learningRate?: number; weightDecay?: number } = {}): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam(options);
    case 'sgd':
      return new SGD(options);
    case 'momentum':
      return new SGD({ ...options, momentum: 0.9 });
    case 'nesterov':
      return new SGD({ ...options, momentum: 0.9, nesterov: true });
    default:
      throw new UnknownNameError('optimizer', name, optimizerNames);
  }
}
