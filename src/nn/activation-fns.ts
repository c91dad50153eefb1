import { UnknownNameError } from '../errors.js';
import { gelu, leakyRelu, relu, sigmoid, softmax, tanh } from '../ops/index.js';
import type { Tensor } from '../tensor/index.js';

export type ActivationName = 'linear' | 'relu' | 'leakyRelu' | 'gelu' | 'sigmoid' | 'tanh' | 'softmax';
export const activationNames: readonly ActivationName[] = ['linear', 'relu', 'leakyRelu', 'gelu', 'sigmoid', 'tanh', 'softmax'];

export function checkActivation(name: string): ActivationName {
  if (!(activationNames as readonly string[]).includes(name)) throw new UnknownNameError('activation', name, activationNames);
  return name as ActivationName;
}

export function applyActivation(name: ActivationName, x: Tensor, alpha = 0.3): Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return relu(x);
    case 'leakyRelu':
      return leakyRelu(x, alpha);
    case 'gelu':
      return gelu(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'softmax':
      return softmax(x);
  }
}
