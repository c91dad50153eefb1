import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/index.js';

function rowsAndCols(x: Tensor, what: string): [number, number] {
  if (x.rank < 1) throw new ShapeError(`${what} needs at least one axis, got a scalar`);
  const cols = x.shape[x.rank - 1];
  return [x.size / cols, cols];
}

/** Softmax over the last axis. dx = y ⊙ (dy − Σ(dy ⊙ y)). */
export function softmax(x: Tensor): Tensor {
  const backend = getBackend();
  const [rows, cols] = rowsAndCols(x, 'softmax');
  const y = new Tensor(backend.softmax(x.data, rows, cols), x.shape);
  return recordOp(y, [x], (dy) => {
    const dyY = backend.binary('mul', dy.data, [rows, cols], y.data, [rows, cols], [rows, cols]);
    const rowSums = backend.sumToShape(dyY, [rows, cols], [rows, 1]);
    const centred = backend.binary('sub', dy.data, [rows, cols], rowSums, [rows, 1], [rows, cols]);
    return [new Tensor(backend.binary('mul', y.data, [rows, cols], centred, [rows, cols], [rows, cols]), x.shape)];
  });
}

/** Log-softmax over the last axis. dx = dy − softmax(x) · Σdy. */
export function logSoftmax(x: Tensor): Tensor {
  const backend = getBackend();
  const [rows, cols] = rowsAndCols(x, 'logSoftmax');
  const y = new Tensor(backend.logSoftmax(x.data, rows, cols), x.shape);
  return recordOp(y, [x], (dy) => {
    const probs = backend.unary('exp', y.data, 0);
    const rowSums = backend.sumToShape(dy.data, [rows, cols], [rows, 1]);
    const scaled = backend.binary('mul', probs, [rows, cols], rowSums, [rows, 1], [rows, cols]);
    return [new Tensor(backend.binary('sub', dy.data, [rows, cols], scaled, [rows, cols], [rows, cols]), x.shape)];
  });
}
