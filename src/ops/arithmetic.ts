import { recordOp } from '../autograd/tape.js';
import type { BinaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Shape, shapesEqual, Tensor } from '../tensor/index.js';

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

function binaryOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const backend = getBackend();
  const outShape = broadcastShapes(a.shape, b.shape);
  const y = new Tensor(backend.binary(op, a.data, a.shape, b.data, b.shape, outShape), outShape);
  return recordOp(y, [a, b], (dy, needs) => {
    // Gradients are never written in place (the tape adds into new tensors), so an operand of
    // the output's shape can take dy itself rather than a copy (a residual add's two branches).
    const reduceTo = (g: Tensor, target: Tensor): Tensor =>
      shapesEqual(g.shape, target.shape) ? g : new Tensor(backend.sumToShape(g.data, g.shape, target.shape), target.shape);
    const times = (g: Tensor, other: Tensor): Tensor => new Tensor(backend.binary('mul', g.data, g.shape, other.data, other.shape, g.shape), g.shape);
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    switch (op) {
      case 'add':
        if (needs[0]) da = reduceTo(dy, a);
        if (needs[1]) db = reduceTo(dy, b);
        break;
      case 'sub':
        if (needs[0]) da = reduceTo(dy, a);
        if (needs[1]) db = reduceTo(new Tensor(backend.scale(dy.data, -1), dy.shape), b);
        break;
      case 'mul':
        if (needs[0]) da = reduceTo(times(dy, b), a);
        if (needs[1]) db = reduceTo(times(dy, a), b);
        break;
      case 'div': {
        const q = new Tensor(backend.binary('div', dy.data, dy.shape, b.data, b.shape, dy.shape), dy.shape);
        if (needs[0]) da = reduceTo(q, a);
        if (needs[1]) {
          // d(a/b)/db = −a/b² = −(a/b)/b
          const ratio = new Tensor(backend.binary('div', q.data, q.shape, b.data, b.shape, q.shape), q.shape);
          db = reduceTo(new Tensor(backend.scale(times(ratio, a).data, -1), q.shape), b);
        }
        break;
      }
    }
    return [da, db];
  });
}

export const add = (a: Tensor, b: Tensor): Tensor => binaryOp('add', a, b);
export const sub = (a: Tensor, b: Tensor): Tensor => binaryOp('sub', a, b);
export const mul = (a: Tensor, b: Tensor): Tensor => binaryOp('mul', a, b);
export const div = (a: Tensor, b: Tensor): Tensor => binaryOp('div', a, b);

/** x · factor for a plain number factor. */
export function scale(x: Tensor, factor: number): Tensor {
  const backend = getBackend();
  const y = new Tensor(backend.scale(x.data, factor), x.shape);
  return recordOp(y, [x], (dy) => [new Tensor(backend.scale(dy.data, factor), dy.shape)]);
}

function checkBias(what: string, x: Tensor, bias: Tensor): number {
  const channels = x.shape[x.rank - 1];
  if (bias.rank !== 1 || bias.shape[0] !== channels) {
    throw new ShapeError(`${what}: bias shape ${formatShape(bias.shape)} does not match the last axis of ${formatShape(x.shape)}`);
  }
  return channels;
}

/** x + bias, with bias broadcast over the last axis (channels). */
export function biasAdd(x: Tensor, bias: Tensor): Tensor {
  const channels = checkBias('biasAdd', x, bias);
  const backend = getBackend();
  const y = new Tensor(backend.biasAdd(x.data, bias.data), x.shape);
  return recordOp(y, [x, bias], (dy, needs) => [needs[0] ? dy : null, needs[1] ? new Tensor(backend.biasGrad(dy.data, channels), bias.shape) : null]);
}

/**
 * relu(x + bias) in one pass over the data (the layers' bias and activation fused): the same
 * values as `relu(biasAdd(x, bias))`. Backward: the ReLU mask is taken from the output.
 */
export function biasRelu(x: Tensor, bias: Tensor): Tensor {
  const channels = checkBias('biasRelu', x, bias);
  const backend = getBackend();
  const y = new Tensor(backend.biasAdd(x.data, bias.data, 'relu'), x.shape);
  return recordOp(y, [x, bias], (dy, needs) => {
    // relu(z) > 0 exactly where z > 0, so the output stands in for the input in the mask.
    const dz = new Tensor(backend.unaryBackward('relu', dy.data, y.data, y.data, 0), x.shape);
    return [needs[0] ? dz : null, needs[1] ? new Tensor(backend.biasGrad(dz.data, channels), bias.shape) : null];
  });
}
