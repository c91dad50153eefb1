import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/index.js';

function fill(size: number, value: number) {
  const data = getBackend().alloc(size);
  data.fill(value);
  return data;
}

/** Sum of all elements, as a scalar tensor. */
export function sum(x: Tensor): Tensor {
  const backend = getBackend();
  const out = backend.alloc(1);
  out[0] = backend.sum(x.data);
  const y = new Tensor(out, []);
  return recordOp(y, [x], (dy) => [new Tensor(fill(x.size, dy.data[0]), x.shape)]);
}

/** Mean of all elements, as a scalar tensor. */
export function mean(x: Tensor): Tensor {
  const backend = getBackend();
  const out = backend.alloc(1);
  out[0] = backend.sum(x.data) / x.size;
  const y = new Tensor(out, []);
  return recordOp(y, [x], (dy) => [new Tensor(fill(x.size, dy.data[0] / x.size), x.shape)]);
}
