// Element-wise kernels over ranges [start, end) of elements, matching src/backend/js/elementwise.ts.
//
// The JS reference computes in f64 and rounds to f32 when it stores. Where that differs from
// plain f32 arithmetic (scalars given as JS numbers, mixed expressions), these kernels do the same
// f64 operations in the same order and round once, so they agree bit for bit. A single f32 add,
// sub, mul, div or sqrt of f32 operands rounds the same either way, so those stay in f32x4.
// exp, log, tanh and sigmoid use AssemblyScript's f64 Math (musl), not V8's (fdlibm): both are
// within 1 ulp in f64, so after rounding to f32 they almost always agree (see the tests).
// GELU is the exception: a fast f32 approximation (assembly/gelu.ts), a few ulps from the reference.

import { geluBackward, geluForward } from './gelu';
import { at, load2AsF64, store2FromF64 } from './util';

export const RELU: i32 = 0;
export const LEAKY_RELU: i32 = 1;
export const SIGMOID: i32 = 2;
export const TANH: i32 = 3;
export const EXP: i32 = 4;
export const LOG: i32 = 5;
export const NEG: i32 = 6;
export const SQUARE: i32 = 7;
export const SQRT: i32 = 8;
export const ABS: i32 = 9;
export const GELU: i32 = 10;

export const ADD: i32 = 0;
export const SUB: i32 = 1;
export const MUL: i32 = 2;
export const DIV: i32 = 3;

// @ts-ignore: decorator
@inline function f32At(base: usize, i: i32): f32 {
  return load<f32>(at(base, i));
}

// @ts-ignore: decorator
@inline function setF32(base: usize, i: i32, v: f32): void {
  store<f32>(at(base, i), v);
}

/** y = op(x) for elements [start, end); alpha is leakyRelu's slope. */
export function unary(op: i32, x: usize, y: usize, alpha: f64, start: i32, end: i32): void {
  let i = start;
  switch (op) {
    case RELU: {
      const zero = f32x4.splat(0);
      for (; i + 4 <= end; i += 4) {
        const v = v128.load(at(x, i));
        v128.store(at(y, i), v128.and(v, f32x4.gt(v, zero)));
      }
      for (; i < end; i++) {
        const v = f32At(x, i);
        setF32(y, i, v > 0 ? v : 0);
      }
      break;
    }
    case LEAKY_RELU: {
      const a = f64x2.splat(alpha);
      const zero = f64x2.splat(0);
      for (; i + 2 <= end; i += 2) {
        const v = load2AsF64(at(x, i));
        store2FromF64(at(y, i), v128.bitselect(v, f64x2.mul(a, v), f64x2.gt(v, zero)));
      }
      for (; i < end; i++) {
        const v = <f64>f32At(x, i);
        setF32(y, i, <f32>(v > 0 ? v : alpha * v));
      }
      break;
    }
    case SIGMOID:
      for (; i < end; i++) setF32(y, i, <f32>(1.0 / (1.0 + Math.exp(-<f64>f32At(x, i)))));
      break;
    case TANH:
      for (; i < end; i++) setF32(y, i, <f32>Math.tanh(<f64>f32At(x, i)));
      break;
    case EXP:
      for (; i < end; i++) setF32(y, i, <f32>Math.exp(<f64>f32At(x, i)));
      break;
    case LOG:
      for (; i < end; i++) setF32(y, i, <f32>Math.log(<f64>f32At(x, i)));
      break;
    case NEG:
      for (; i + 4 <= end; i += 4) v128.store(at(y, i), f32x4.neg(v128.load(at(x, i))));
      for (; i < end; i++) setF32(y, i, -f32At(x, i));
      break;
    case SQUARE:
      for (; i + 4 <= end; i += 4) {
        const v = v128.load(at(x, i));
        v128.store(at(y, i), f32x4.mul(v, v));
      }
      for (; i < end; i++) {
        const v = f32At(x, i);
        setF32(y, i, v * v);
      }
      break;
    case SQRT:
      for (; i + 4 <= end; i += 4) v128.store(at(y, i), f32x4.sqrt(v128.load(at(x, i))));
      for (; i < end; i++) setF32(y, i, Mathf.sqrt(f32At(x, i)));
      break;
    case ABS:
      for (; i + 4 <= end; i += 4) v128.store(at(y, i), f32x4.abs(v128.load(at(x, i))));
      for (; i < end; i++) setF32(y, i, Mathf.abs(f32At(x, i)));
      break;
    case GELU:
      // A rational erf in f32 (assembly/gelu.ts): within a few ulps of the f64 reference, not bit for bit.
      geluForward(x, y, start, end);
      break;
    default:
      unreachable();
  }
}

/** dx = dL/dx for elements [start, end), from dy, the input x and the output y of unary(op, x). */
export function unaryBackward(op: i32, dy: usize, x: usize, y: usize, dx: usize, alpha: f64, start: i32, end: i32): void {
  let i = start;
  switch (op) {
    case RELU: {
      const zero = f32x4.splat(0);
      for (; i + 4 <= end; i += 4) {
        v128.store(at(dx, i), v128.and(v128.load(at(dy, i)), f32x4.gt(v128.load(at(x, i)), zero)));
      }
      for (; i < end; i++) setF32(dx, i, f32At(x, i) > 0 ? f32At(dy, i) : 0);
      break;
    }
    case LEAKY_RELU: {
      const a = f64x2.splat(alpha);
      const zero = f64x2.splat(0);
      for (; i + 2 <= end; i += 2) {
        const g = load2AsF64(at(dy, i));
        store2FromF64(at(dx, i), v128.bitselect(g, f64x2.mul(a, g), f64x2.gt(load2AsF64(at(x, i)), zero)));
      }
      for (; i < end; i++) {
        const g = <f64>f32At(dy, i);
        setF32(dx, i, <f32>(f32At(x, i) > 0 ? g : alpha * g));
      }
      break;
    }
    case SIGMOID: {
      // dy·y·(1 − y), in f64 left to right.
      const one = f64x2.splat(1);
      for (; i + 2 <= end; i += 2) {
        const yv = load2AsF64(at(y, i));
        store2FromF64(at(dx, i), f64x2.mul(f64x2.mul(load2AsF64(at(dy, i)), yv), f64x2.sub(one, yv)));
      }
      for (; i < end; i++) {
        const yv = <f64>f32At(y, i);
        setF32(dx, i, <f32>(<f64>f32At(dy, i) * yv * (1.0 - yv)));
      }
      break;
    }
    case TANH: {
      // dy·(1 − y²), in f64.
      const one = f64x2.splat(1);
      for (; i + 2 <= end; i += 2) {
        const yv = load2AsF64(at(y, i));
        store2FromF64(at(dx, i), f64x2.mul(load2AsF64(at(dy, i)), f64x2.sub(one, f64x2.mul(yv, yv))));
      }
      for (; i < end; i++) {
        const yv = <f64>f32At(y, i);
        setF32(dx, i, <f32>(<f64>f32At(dy, i) * (1.0 - yv * yv)));
      }
      break;
    }
    case EXP:
      // dy·y: one f32 product.
      for (; i + 4 <= end; i += 4) v128.store(at(dx, i), f32x4.mul(v128.load(at(dy, i)), v128.load(at(y, i))));
      for (; i < end; i++) setF32(dx, i, f32At(dy, i) * f32At(y, i));
      break;
    case LOG:
      // dy / x: one f32 quotient.
      for (; i + 4 <= end; i += 4) v128.store(at(dx, i), f32x4.div(v128.load(at(dy, i)), v128.load(at(x, i))));
      for (; i < end; i++) setF32(dx, i, f32At(dy, i) / f32At(x, i));
      break;
    case NEG:
      for (; i + 4 <= end; i += 4) v128.store(at(dx, i), f32x4.neg(v128.load(at(dy, i))));
      for (; i < end; i++) setF32(dx, i, -f32At(dy, i));
      break;
    case SQUARE: {
      // 2·x·dy in f64 (2·x could overflow f32).
      const two = f64x2.splat(2);
      for (; i + 2 <= end; i += 2) {
        store2FromF64(at(dx, i), f64x2.mul(f64x2.mul(two, load2AsF64(at(x, i))), load2AsF64(at(dy, i))));
      }
      for (; i < end; i++) setF32(dx, i, <f32>(2.0 * <f64>f32At(x, i) * <f64>f32At(dy, i)));
      break;
    }
    case SQRT: {
      // dy / (2·y) in f64.
      const two = f64x2.splat(2);
      for (; i + 2 <= end; i += 2) {
        store2FromF64(at(dx, i), f64x2.div(load2AsF64(at(dy, i)), f64x2.mul(two, load2AsF64(at(y, i)))));
      }
      for (; i < end; i++) setF32(dx, i, <f32>(<f64>f32At(dy, i) / (2.0 * <f64>f32At(y, i))));
      break;
    }
    case ABS: {
      // dy where x > 0, −dy where x < 0, 0 otherwise (also for NaN).
      const zero = f32x4.splat(0);
      for (; i + 4 <= end; i += 4) {
        const g = v128.load(at(dy, i));
        const xv = v128.load(at(x, i));
        const pos = v128.and(g, f32x4.gt(xv, zero));
        const neg = v128.and(f32x4.neg(g), f32x4.lt(xv, zero));
        v128.store(at(dx, i), v128.or(pos, neg));
      }
      for (; i < end; i++) {
        const xv = f32At(x, i);
        const g = f32At(dy, i);
        setF32(dx, i, xv > 0 ? g : xv < 0 ? -g : 0);
      }
      break;
    }
    case GELU:
      geluBackward(dy, x, y, dx, start, end);
      break;
    default:
      unreachable();
  }
}

/** out = a op b for same-shaped arrays, elements [start, end). One f32 operation each: exact. */
export function binary(op: i32, a: usize, b: usize, out: usize, start: i32, end: i32): void {
  let i = start;
  switch (op) {
    case ADD:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.add(v128.load(at(a, i)), v128.load(at(b, i))));
      for (; i < end; i++) setF32(out, i, f32At(a, i) + f32At(b, i));
      break;
    case SUB:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.sub(v128.load(at(a, i)), v128.load(at(b, i))));
      for (; i < end; i++) setF32(out, i, f32At(a, i) - f32At(b, i));
      break;
    case MUL:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
      for (; i < end; i++) setF32(out, i, f32At(a, i) * f32At(b, i));
      break;
    case DIV:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.div(v128.load(at(a, i)), v128.load(at(b, i))));
      for (; i < end; i++) setF32(out, i, f32At(a, i) / f32At(b, i));
      break;
    default:
      unreachable();
  }
}

/** out = a op b with a scalar b (an f32 value, as the JS reference reads it from b's data). */
export function binaryScalarB(op: i32, a: usize, bValue: f32, out: usize, start: i32, end: i32): void {
  let i = start;
  const bv = f32x4.splat(bValue);
  switch (op) {
    case ADD:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.add(v128.load(at(a, i)), bv));
      for (; i < end; i++) setF32(out, i, f32At(a, i) + bValue);
      break;
    case SUB:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.sub(v128.load(at(a, i)), bv));
      for (; i < end; i++) setF32(out, i, f32At(a, i) - bValue);
      break;
    case MUL:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(a, i)), bv));
      for (; i < end; i++) setF32(out, i, f32At(a, i) * bValue);
      break;
    case DIV:
      for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.div(v128.load(at(a, i)), bv));
      for (; i < end; i++) setF32(out, i, f32At(a, i) / bValue);
      break;
    default:
      unreachable();
  }
}

/** y = x·factor, the product taken in f64 (factor is a JS number) and rounded once. */
export function scale(x: usize, factor: f64, y: usize, start: i32, end: i32): void {
  let i = start;
  const f = f64x2.splat(factor);
  for (; i + 4 <= end; i += 4) {
    store2FromF64(at(y, i), f64x2.mul(load2AsF64(at(x, i)), f));
    store2FromF64(at(y, i + 2), f64x2.mul(load2AsF64(at(x, i + 2)), f));
  }
  for (; i < end; i++) setF32(y, i, <f32>(<f64>f32At(x, i) * factor));
}

/** y = x + bias over the last axis, for elements [start, end) (multiples of channels). */
/** y = x + bias over the channels, then max(0, ·) when `relu` is set (one pass instead of two). */
export function biasAdd(x: usize, bias: usize, y: usize, channels: i32, start: i32, end: i32, relu: i32): void {
  if (relu) {
    const zero = f32x4.splat(0);
    for (let r = start; r < end; r += channels) {
      const xr = at(x, r);
      const yr = at(y, r);
      let c = 0;
      for (; c + 4 <= channels; c += 4) {
        const v = f32x4.add(v128.load(at(xr, c)), v128.load(at(bias, c)));
        v128.store(at(yr, c), v128.and(v, f32x4.gt(v, zero)));
      }
      for (; c < channels; c++) {
        const v = f32At(xr, c) + f32At(bias, c);
        setF32(yr, c, v > 0 ? v : 0);
      }
    }
    return;
  }
  for (let r = start; r < end; r += channels) {
    const xr = at(x, r);
    const yr = at(y, r);
    let c = 0;
    for (; c + 4 <= channels; c += 4) v128.store(at(yr, c), f32x4.add(v128.load(at(xr, c)), v128.load(at(bias, c))));
    for (; c < channels; c++) setF32(yr, c, f32At(xr, c) + f32At(bias, c));
  }
}

/**
 * g[c] = Σ over rows of dy[row, c]. Summed in f32, row by row from +0, exactly as the JS
 * reference does (its accumulator is a Float32Array), so the result is bit-identical to it.
 */
export function biasGrad(dy: usize, g: usize, channels: i32, rows: i32): void {
  let c = 0;
  // Blocks of 16 channels keep four accumulators in registers over all rows.
  for (; c + 16 <= channels; c += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = at(dy, c);
    const rowBytes = <usize>channels << 2;
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += rowBytes;
    }
    const q = at(g, c);
    v128.store(q, s0);
    v128.store(q, s1, 16);
    v128.store(q, s2, 32);
    v128.store(q, s3, 48);
  }
  for (; c + 4 <= channels; c += 4) {
    let s = f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, v128.load(at(dy, r * channels + c)));
    v128.store(at(g, c), s);
  }
  for (; c < channels; c++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += f32At(dy, r * channels + c);
    setF32(g, c, s);
  }
}

/** Σ x[i] for i < n, accumulated in f64 in index order, as the JS reference. */
export function sum(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>f32At(x, i);
  return s;
}
