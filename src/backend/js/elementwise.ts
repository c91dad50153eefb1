import type { Shape, TensorData } from '../../tensor/index.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { gelu, geluDerivative } from './gaussian.js';

type Alloc = (size: number) => TensorData;

export function unary(op: UnaryOp, x: TensorData, alpha: number, alloc: Alloc): TensorData {
  const n = x.length;
  const y = alloc(n);
  switch (op) {
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
      break;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : alpha * x[i];
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      break;
    case 'exp':
      for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) y[i] = Math.log(x[i]);
      break;
    case 'neg':
      for (let i = 0; i < n; i++) y[i] = -x[i];
      break;
    case 'square':
      for (let i = 0; i < n; i++) y[i] = x[i] * x[i];
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]);
      break;
    case 'gelu':
      for (let i = 0; i < n; i++) y[i] = gelu(x[i]);
      break;
  }
  return y;
}

export function unaryBackward(op: UnaryOp, dy: TensorData, x: TensorData, y: TensorData, alpha: number, alloc: Alloc): TensorData {
  const n = dy.length;
  const dx = alloc(n);
  switch (op) {
    case 'relu':
      for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
      break;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : alpha * dy[i];
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
      break;
    case 'exp':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i];
      break;
    case 'log':
      for (let i = 0; i < n; i++) dx[i] = dy[i] / x[i];
      break;
    case 'neg':
      for (let i = 0; i < n; i++) dx[i] = -dy[i];
      break;
    case 'square':
      for (let i = 0; i < n; i++) dx[i] = 2 * x[i] * dy[i];
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) dx[i] = dy[i] / (2 * y[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : x[i] < 0 ? -dy[i] : 0;
      break;
    case 'gelu':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * geluDerivative(x[i]);
      break;
  }
  return dx;
}

function applyBinary(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
  }
}

/** Strides of `shape` seen from `outShape` (right-aligned, 0 where broadcast). */
function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, o = outShape.length - 1; i >= 0; i--, o--) {
    strides[o] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

/** Visits every index of outShape, giving the flat offsets into a and b. */
function forEachBroadcast(aShape: Shape, bShape: Shape, outShape: Shape, visit: (out: number, ia: number, ib: number) => void): void {
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const index = new Array<number>(rank).fill(0);
  let total = 1;
  for (const d of outShape) total *= d;
  let ia = 0;
  let ib = 0;
  for (let out = 0; out < total; out++) {
    visit(out, ia, ib);
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      ia += sa[axis];
      ib += sb[axis];
      if (index[axis] < outShape[axis]) break;
      ia -= sa[axis] * outShape[axis];
      ib -= sb[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
}

export function binary(op: BinaryOp, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, outShape: Shape, alloc: Alloc): TensorData {
  let total = 1;
  for (const d of outShape) total *= d;
  const out = alloc(total);
  if (a.length === total && b.length === total) {
    for (let i = 0; i < total; i++) out[i] = applyBinary(op, a[i], b[i]);
    return out;
  }
  if (b.length === 1 && a.length === total) {
    const bv = b[0];
    for (let i = 0; i < total; i++) out[i] = applyBinary(op, a[i], bv);
    return out;
  }
  forEachBroadcast(aShape, bShape, outShape, (o, ia, ib) => {
    out[o] = applyBinary(op, a[ia], b[ib]);
  });
  return out;
}

export function sumToShape(x: TensorData, xShape: Shape, targetShape: Shape, alloc: Alloc): TensorData {
  let size = 1;
  for (const d of targetShape) size *= d;
  const out = alloc(size);
  if (size === x.length) {
    out.set(x);
    return out;
  }
  forEachBroadcast(targetShape, targetShape, xShape, (o, it) => {
    out[it] += x[o];
  });
  return out;
}

export function scale(x: TensorData, factor: number, alloc: Alloc): TensorData {
  const y = alloc(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] * factor;
  return y;
}

export function biasAdd(x: TensorData, bias: TensorData, alloc: Alloc, activation?: 'relu'): TensorData {
  const C = bias.length;
  const y = alloc(x.length);
  for (let i = 0; i < x.length; i += C) {
    for (let c = 0; c < C; c++) y[i + c] = x[i + c] + bias[c];
  }
  if (activation === 'relu') {
    for (let i = 0; i < y.length; i++) if (!(y[i] > 0)) y[i] = 0;
  }
  return y;
}

export function biasGrad(dy: TensorData, channels: number, alloc: Alloc): TensorData {
  const g = alloc(channels);
  for (let i = 0; i < dy.length; i += channels) {
    for (let c = 0; c < channels; c++) g[c] += dy[i + c];
  }
  return g;
}

export function sum(x: TensorData): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}
