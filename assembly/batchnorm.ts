// Batch normalisation over the last axis of a [rows, C] array (NHWC flattened: rows = N·H·W),
// matching src/backend/js/batchnorm.ts bit for bit.
//
// The statistics kernels take a range [cStart, cEnd) of channels and sum every row of those
// channels in f64, in row order, into f64 arrays they own for those channels (so each channel is
// summed by one thread, the same way for any split).
// The element-wise kernels take a range [rowStart, rowEnd) of rows and apply per-channel f64
// coefficients the JavaScript side computed from those sums, rounding once to f32.

import { at, load2AsF64, store2FromF64 } from './util';

/** Byte address of element `i` of an f64 array at `base`. */
// @ts-ignore: decorator
@inline function at64(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

// Sixteen channels at a time (then eight), the running sums stay in registers while the rows
// stream past (one 64-byte line of each row); channels left over are summed row by row with the
// sums in memory. Either way each channel's sum runs over the rows in order, as in the JS reference.

/** Σ_r x[r, c] for c in [c0, c0 + 16): eight f64x2 sums in registers, stored at dst. */
// @ts-ignore: decorator
@inline function sum16(x: usize, rows: i32, C: i32, c0: i32, dst: usize): void {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  for (let r = 0; r < rows; r++) {
    const p = at(x, r * C + c0);
    s0 = f64x2.add(s0, load2AsF64(p));
    s1 = f64x2.add(s1, load2AsF64(p + 8));
    s2 = f64x2.add(s2, load2AsF64(p + 16));
    s3 = f64x2.add(s3, load2AsF64(p + 24));
    s4 = f64x2.add(s4, load2AsF64(p + 32));
    s5 = f64x2.add(s5, load2AsF64(p + 40));
    s6 = f64x2.add(s6, load2AsF64(p + 48));
    s7 = f64x2.add(s7, load2AsF64(p + 56));
  }
  v128.store(dst, s0);
  v128.store(dst, s1, 16);
  v128.store(dst, s2, 32);
  v128.store(dst, s3, 48);
  v128.store(dst, s4, 64);
  v128.store(dst, s5, 80);
  v128.store(dst, s6, 96);
  v128.store(dst, s7, 112);
}

/** One term of a centred sum of squares: s + (x − m)². */
// @ts-ignore: decorator
@inline function addSquare(s: v128, p: usize, m: v128): v128 {
  const d = f64x2.sub(load2AsF64(p), m);
  return f64x2.add(s, f64x2.mul(d, d));
}

/** Σ_r (x[r, c] − mean[c])² for c in [c0, c0 + 16), mean and dst f64 arrays at channel c0. */
// @ts-ignore: decorator
@inline function centredSquares16(x: usize, rows: i32, C: i32, c0: i32, mean: usize, dst: usize): void {
  const m0 = v128.load(mean), m1 = v128.load(mean, 16), m2 = v128.load(mean, 32), m3 = v128.load(mean, 48);
  const m4 = v128.load(mean, 64), m5 = v128.load(mean, 80), m6 = v128.load(mean, 96), m7 = v128.load(mean, 112);
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  for (let r = 0; r < rows; r++) {
    const p = at(x, r * C + c0);
    s0 = addSquare(s0, p, m0);
    s1 = addSquare(s1, p + 8, m1);
    s2 = addSquare(s2, p + 16, m2);
    s3 = addSquare(s3, p + 24, m3);
    s4 = addSquare(s4, p + 32, m4);
    s5 = addSquare(s5, p + 40, m5);
    s6 = addSquare(s6, p + 48, m6);
    s7 = addSquare(s7, p + 56, m7);
  }
  v128.store(dst, s0);
  v128.store(dst, s1, 16);
  v128.store(dst, s2, 32);
  v128.store(dst, s3, 48);
  v128.store(dst, s4, 64);
  v128.store(dst, s5, 80);
  v128.store(dst, s6, 96);
  v128.store(dst, s7, 112);
}

/** Σ_r x[r, c] for c in [c0, c0 + 8): four f64x2 sums in registers, stored at dst. */
// @ts-ignore: decorator
@inline function sum8(x: usize, rows: i32, C: i32, c0: i32, dst: usize): void {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (let r = 0; r < rows; r++) {
    const p = at(x, r * C + c0);
    s0 = f64x2.add(s0, load2AsF64(p));
    s1 = f64x2.add(s1, load2AsF64(p + 8));
    s2 = f64x2.add(s2, load2AsF64(p + 16));
    s3 = f64x2.add(s3, load2AsF64(p + 24));
  }
  v128.store(dst, s0);
  v128.store(dst, s1, 16);
  v128.store(dst, s2, 32);
  v128.store(dst, s3, 48);
}

/** Σ_r (x[r, c] − mean[c])² for c in [c0, c0 + 8), mean and dst f64 arrays at channel c0. */
// @ts-ignore: decorator
@inline function centredSquares8(x: usize, rows: i32, C: i32, c0: i32, mean: usize, dst: usize): void {
  const m0 = v128.load(mean), m1 = v128.load(mean, 16), m2 = v128.load(mean, 32), m3 = v128.load(mean, 48);
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (let r = 0; r < rows; r++) {
    const p = at(x, r * C + c0);
    s0 = addSquare(s0, p, m0);
    s1 = addSquare(s1, p + 8, m1);
    s2 = addSquare(s2, p + 16, m2);
    s3 = addSquare(s3, p + 24, m3);
  }
  v128.store(dst, s0);
  v128.store(dst, s1, 16);
  v128.store(dst, s2, 32);
  v128.store(dst, s3, 48);
}

/**
 * For channels [cStart, cEnd): mean[c] = Σ_r x[r, c] / rows, then m2[c] = Σ_r (x[r, c] − mean[c])²,
 * both f64 (the two-pass form: no cancellation when the mean is large).
 */
export function batchNormMoments(x: usize, rows: i32, C: i32, mean: usize, m2: usize, cStart: i32, cEnd: i32): void {
  if (cStart >= cEnd) return;
  const count = <f64>rows;
  const countV = f64x2.splat(count);
  let c = cStart;
  for (; c + 16 <= cEnd; c += 16) {
    const mp = at64(mean, c);
    sum16(x, rows, C, c, mp);
    for (let k = 0; k < 16; k += 2) v128.store(at64(mp, k), f64x2.div(v128.load(at64(mp, k)), countV));
    centredSquares16(x, rows, C, c, mp, at64(m2, c));
  }
  // Eight channels left (or a thread's share of 16 channels split in two) still fit in registers.
  if (c + 8 <= cEnd) {
    const mp = at64(mean, c);
    sum8(x, rows, C, c, mp);
    for (let k = 0; k < 8; k += 2) v128.store(at64(mp, k), f64x2.div(v128.load(at64(mp, k)), countV));
    centredSquares8(x, rows, C, c, mp, at64(m2, c));
    c += 8;
  }
  const rest = c;
  if (rest >= cEnd) return;
  const zero = f64x2.splat(0);
  for (c = rest; c + 2 <= cEnd; c += 2) {
    v128.store(at64(mean, c), zero);
    v128.store(at64(m2, c), zero);
  }
  for (; c < cEnd; c++) {
    store<f64>(at64(mean, c), 0);
    store<f64>(at64(m2, c), 0);
  }
  for (let r = 0; r < rows; r++) {
    const row = at(x, r * C);
    c = rest;
    for (; c + 2 <= cEnd; c += 2) {
      const s = at64(mean, c);
      v128.store(s, f64x2.add(v128.load(s), load2AsF64(at(row, c))));
    }
    for (; c < cEnd; c++) {
      const s = at64(mean, c);
      store<f64>(s, load<f64>(s) + <f64>load<f32>(at(row, c)));
    }
  }
  c = rest;
  for (; c + 2 <= cEnd; c += 2) v128.store(at64(mean, c), f64x2.div(v128.load(at64(mean, c)), countV));
  for (; c < cEnd; c++) store<f64>(at64(mean, c), load<f64>(at64(mean, c)) / count);
  for (let r = 0; r < rows; r++) {
    const row = at(x, r * C);
    c = rest;
    for (; c + 2 <= cEnd; c += 2) {
      const s = at64(m2, c);
      v128.store(s, addSquare(v128.load(s), at(row, c), v128.load(at64(mean, c))));
    }
    for (; c < cEnd; c++) {
      const d = <f64>load<f32>(at(row, c)) - load<f64>(at64(mean, c));
      const s = at64(m2, c);
      store<f64>(s, load<f64>(s) + d * d);
    }
  }
}

/** Adds dy and dy·(x − m) for two channels to the sums at s and t. */
// @ts-ignore: decorator
@inline function backwardTerm(g: usize, p: usize, m: v128, s: usize, t: usize): void {
  const d = load2AsF64(g);
  const xc = f64x2.sub(load2AsF64(p), m);
  v128.store(s, f64x2.add(v128.load(s), d));
  v128.store(t, f64x2.add(v128.load(t), f64x2.mul(d, xc)));
}

/**
 * For channels [cStart, cEnd): sumDy[c] = Σ_r dy[r, c] and sumDyXc[c] = Σ_r dy[r, c]·(x[r, c] − mean[c]),
 * f64, rows in order (mean is an f64 array). Eight channels at a time in registers, the rest row
 * by row in memory.
 */
export function batchNormBackwardSums(dy: usize, x: usize, mean: usize, rows: i32, C: i32, sumDy: usize, sumDyXc: usize, cStart: i32, cEnd: i32): void {
  if (cStart >= cEnd) return;
  let c = cStart;
  for (; c + 8 <= cEnd; c += 8) {
    const mp = at64(mean, c);
    const m0 = v128.load(mp), m1 = v128.load(mp, 16), m2 = v128.load(mp, 32), m3 = v128.load(mp, 48);
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (let r = 0; r < rows; r++) {
      const g = at(dy, r * C + c);
      const p = at(x, r * C + c);
      let d = load2AsF64(g);
      s0 = f64x2.add(s0, d);
      t0 = f64x2.add(t0, f64x2.mul(d, f64x2.sub(load2AsF64(p), m0)));
      d = load2AsF64(g + 8);
      s1 = f64x2.add(s1, d);
      t1 = f64x2.add(t1, f64x2.mul(d, f64x2.sub(load2AsF64(p + 8), m1)));
      d = load2AsF64(g + 16);
      s2 = f64x2.add(s2, d);
      t2 = f64x2.add(t2, f64x2.mul(d, f64x2.sub(load2AsF64(p + 16), m2)));
      d = load2AsF64(g + 24);
      s3 = f64x2.add(s3, d);
      t3 = f64x2.add(t3, f64x2.mul(d, f64x2.sub(load2AsF64(p + 24), m3)));
    }
    const sp = at64(sumDy, c);
    v128.store(sp, s0);
    v128.store(sp, s1, 16);
    v128.store(sp, s2, 32);
    v128.store(sp, s3, 48);
    const tp = at64(sumDyXc, c);
    v128.store(tp, t0);
    v128.store(tp, t1, 16);
    v128.store(tp, t2, 32);
    v128.store(tp, t3, 48);
  }
  const rest = c;
  if (rest >= cEnd) return;
  const zero = f64x2.splat(0);
  for (c = rest; c + 2 <= cEnd; c += 2) {
    v128.store(at64(sumDy, c), zero);
    v128.store(at64(sumDyXc, c), zero);
  }
  for (; c < cEnd; c++) {
    store<f64>(at64(sumDy, c), 0);
    store<f64>(at64(sumDyXc, c), 0);
  }
  for (let r = 0; r < rows; r++) {
    const g = at(dy, r * C);
    const row = at(x, r * C);
    c = rest;
    for (; c + 2 <= cEnd; c += 2) backwardTerm(at(g, c), at(row, c), v128.load(at64(mean, c)), at64(sumDy, c), at64(sumDyXc, c));
    for (; c < cEnd; c++) {
      const d = <f64>load<f32>(at(g, c));
      const xc = <f64>load<f32>(at(row, c)) - load<f64>(at64(mean, c));
      const s = at64(sumDy, c);
      store<f64>(s, load<f64>(s) + d);
      const t = at64(sumDyXc, c);
      store<f64>(t, load<f64>(t) + d * xc);
    }
  }
}

/** Rows [rowStart, rowEnd): y[r, c] = f32(x[r, c]·a[c] + b[c]), coef = [a (C f64), b (C f64)]. */
export function channelAffine(x: usize, coef: usize, C: i32, y: usize, rowStart: i32, rowEnd: i32): void {
  const a = coef;
  const b = at64(coef, C);
  for (let r = rowStart; r < rowEnd; r++) {
    const src = at(x, r * C);
    const dst = at(y, r * C);
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      store2FromF64(at(dst, c), f64x2.add(f64x2.mul(load2AsF64(at(src, c)), v128.load(at64(a, c))), v128.load(at64(b, c))));
    }
    for (; c < C; c++) {
      store<f32>(at(dst, c), <f32>(<f64>load<f32>(at(src, c)) * load<f64>(at64(a, c)) + load<f64>(at64(b, c))));
    }
  }
}

/**
 * Rows [rowStart, rowEnd): out[r, c] = f32((u[r, c]·a[c] + v[r, c]·b[c]) + d[c]),
 * coef = [a, b, d] (C f64 each): the batch-norm input gradient as an affine map of dy and x.
 */
export function channelAffine2(u: usize, v: usize, coef: usize, C: i32, out: usize, rowStart: i32, rowEnd: i32): void {
  const a = coef;
  const b = at64(coef, C);
  const d = at64(coef, 2 * C);
  for (let r = rowStart; r < rowEnd; r++) {
    const us = at(u, r * C);
    const vs = at(v, r * C);
    const dst = at(out, r * C);
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      const t = f64x2.add(f64x2.mul(load2AsF64(at(us, c)), v128.load(at64(a, c))), f64x2.mul(load2AsF64(at(vs, c)), v128.load(at64(b, c))));
      store2FromF64(at(dst, c), f64x2.add(t, v128.load(at64(d, c))));
    }
    for (; c < C; c++) {
      const t = <f64>load<f32>(at(us, c)) * load<f64>(at64(a, c)) + <f64>load<f32>(at(vs, c)) * load<f64>(at64(b, c));
      store<f32>(at(dst, c), <f32>(t + load<f64>(at64(d, c))));
    }
  }
}
