/** Everything Fovea exports, for Node and the browser alike (each entry point registers its platform first). */
import { add as addPlaceholders, SymbolicTensor } from './nn/index.js';
import { add as addTensors } from './ops/index.js';
import type { Tensor } from './tensor/index.js';

export * from './errors.js';
export * from './tensor/index.js';
export * from './backend/index.js';
export * from './autograd/index.js';
export * from './ops/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './models/index.js';
export * from './io/index.js';
export * from './explain/index.js';

/**
 * `add(a, b)`: element-wise sum of two tensors (with broadcasting), recorded for gradients.
 * `add([a, b, …])`: in a graph model under construction, an Add layer joining placeholders (a
 * residual connection).
 */
export function add(a: Tensor, b: Tensor): Tensor;
export function add(inputs: readonly SymbolicTensor[], args?: { name?: string }): SymbolicTensor;
export function add(a: Tensor | readonly SymbolicTensor[], b?: Tensor | { name?: string }): Tensor | SymbolicTensor {
  if (Array.isArray(a)) return addPlaceholders(a as readonly SymbolicTensor[], b as { name?: string } | undefined);
  return addTensors(a as Tensor, b as Tensor);
}
