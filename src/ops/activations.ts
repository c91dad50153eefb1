import { recordOp } from '../autograd/tape.js';
import type { UnaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/index.js';

function unaryOp(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const backend = getBackend();
  const y = new Tensor(backend.unary(op, x.data, alpha), x.shape);
  return recordOp(y, [x], (dy) => [new Tensor(backend.unaryBackward(op, dy.data, x.data, y.data, alpha), x.shape)]);
}

export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** max(x, αx); Keras' default α is 0.3, PyTorch's 0.01. */
export const leakyRelu = (x: Tensor, alpha = 0.3): Tensor => unaryOp('leakyRelu', x, alpha);
/** x·Φ(x), Φ the standard normal CDF: the exact (erf) GELU, as PyTorch's and Keras' default. */
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
