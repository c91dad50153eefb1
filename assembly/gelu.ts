// GELU, x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)), and its derivative Φ(x) + x·φ(x), four lanes at a
// time in f32. The JS reference (src/backend/js/gaussian.ts) computes both in f64 from a series
// and a continued fraction; these kernels trade a few float32 ulps for speed:
//   erf(u) ≈ u·P(u²)/Q(u²) on |u| ≤ 4 (u clamped there; |erf(4)| = 1 − 1.5e−8), a rational fit of
//     our own (Sanathanan–Koerner least squares on Chebyshev nodes, degrees 13/8), max error
//     6.2e−8 in exact arithmetic, about 4e−7 evaluated in f32;
//   e^z for φ: z = n·ln 2 + r with |r| ≤ ln2/2 (Cody–Waite, ln 2 split in two), e^r by its Taylor
//     series to r⁶ (truncation below 1.2e−7 relative), times 2ⁿ built in the exponent bits.
// GELU is 0 below x = −10 (where it is above −8e−23) and at −∞; x·φ(x) uses x clamped to ±10.
// The backward pass reads Φ(x) back from the forward output, y/x, so it needs no second erf.
// test/backend/wasm-kernels.test.ts measures the distance to the reference.

import { at } from './util';

// erf numerator coefficients, u¹ … u¹³ (odd), and denominator, u⁰ … u⁸ (even).
const P0: f32 = 1.128378878090961;
const P1: f32 = 0.21033510990325244;
const P2: f32 = 0.05194910464160825;
const P3: f32 = 0.004132875519482154;
const P4: f32 = 0.00015118135392730222;
const P5: f32 = -1.9648726856247613e-6;
const P6: f32 = 1.9157230491541966e-8;
const Q1: f32 = 0.5197340169399214;
const Q2: f32 = 0.11929958434841553;
const Q3: f32 = 0.015235825657114004;
const Q4: f32 = 0.0010573901762802758;

const INV_SQRT_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
const LOG2_E: f32 = 1.4426950408889634;
/** ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| < 2¹⁵. */
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444005469057e-4;
/** 1.5·2²³: adding it rounds to an integer kept in the low mantissa bits. */
const ROUNDING_SHIFT: f32 = 12582912;

// @ts-ignore: decorator
@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}

// @ts-ignore: decorator
@inline function horner2(acc: v128, t: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(acc, t), splat(c));
}

/** erf(u) ≈ u·P(u²)/Q(u²), u clamped to [−4, 4]. NaN stays NaN. */
// @ts-ignore: decorator
@inline function erfVec(u0: v128): v128 {
  const u = f32x4.pmax(f32x4.pmin(u0, splat(4)), splat(-4));
  const t = f32x4.mul(u, u);
  let p = splat(P6);
  p = horner2(p, t, P5);
  p = horner2(p, t, P4);
  p = horner2(p, t, P3);
  p = horner2(p, t, P2);
  p = horner2(p, t, P1);
  p = horner2(p, t, P0);
  let q = splat(Q4);
  q = horner2(q, t, Q3);
  q = horner2(q, t, Q2);
  q = horner2(q, t, Q1);
  q = horner2(q, t, 1);
  return f32x4.div(f32x4.mul(u, p), q);
}

/** Φ(x) = ½ + ½·erf(x/√2). */
// @ts-ignore: decorator
@inline function cdfVec(x: v128): v128 {
  const half = splat(0.5);
  return f32x4.add(half, f32x4.mul(half, erfVec(f32x4.mul(x, splat(INV_SQRT_2)))));
}

/**
 * e^z for z in [−87, 0]: n = round(z·log₂e) by the 1.5·2²³ trick (adding it leaves n in the low
 * mantissa bits, rounded to nearest even), r = z − n·ln 2 in two steps, e^r to r⁶ (the next term is
 * below 1.2e−7 of it), and 2ⁿ from n's bits shifted into the exponent field.
 */
// @ts-ignore: decorator
@inline function expVec(z: v128): v128 {
  const shifted = f32x4.add(f32x4.mul(z, splat(LOG2_E)), splat(ROUNDING_SHIFT));
  const n = f32x4.sub(shifted, splat(ROUNDING_SHIFT));
  const r = f32x4.sub(f32x4.sub(z, f32x4.mul(n, splat(LN2_HI))), f32x4.mul(n, splat(LN2_LO)));
  let p = splat(<f32>(1.0 / 720));
  p = horner2(p, r, <f32>(1.0 / 120));
  p = horner2(p, r, <f32>(1.0 / 24));
  p = horner2(p, r, <f32>(1.0 / 6));
  p = horner2(p, r, 0.5);
  p = horner2(p, r, 1);
  p = horner2(p, r, 1);
  // shifted's bits are 0x4B400000 + n, whose low 9 bits are n mod 2⁹ (0x4B400000's are 0): moved up
  // 23 places they are n << 23 mod 2³², and adding the bias 127 there gives the bits of 2ⁿ.
  const scale = i32x4.add(i32x4.shl(shifted, 23), i32x4.splat(127 << 23));
  return f32x4.mul(p, scale);
}

/** GELU of four lanes. */
// @ts-ignore: decorator
@inline function geluVec(x: v128): v128 {
  const y = f32x4.mul(x, cdfVec(x));
  return v128.andnot(y, f32x4.lt(x, splat(-10)));
}

/**
 * dGELU/dx of four lanes, Φ(x) + c·φ(c) with c = x clamped to ±10, where Φ(x) is read from the
 * forward output y = x·Φ(x) as y/x: near 0 (|x| < 1e−3) it is ½ + x·φ(0) instead (the next term
 * is below 1e−10), above 10 it is 1.
 */
// @ts-ignore: decorator
@inline function geluDerivativeVec(x: v128, y: v128): v128 {
  const c = f32x4.pmax(f32x4.pmin(x, splat(10)), splat(-10));
  const density = f32x4.mul(expVec(f32x4.mul(splat(-0.5), f32x4.mul(c, c))), splat(INV_SQRT_2PI));
  const nearZero = f32x4.lt(f32x4.abs(x), splat(1e-3));
  const cdfNearZero = f32x4.add(splat(0.5), f32x4.mul(x, splat(INV_SQRT_2PI)));
  let cdf = v128.bitselect(cdfNearZero, f32x4.div(y, x), nearZero);
  cdf = v128.bitselect(splat(1), cdf, f32x4.gt(x, splat(10)));
  return f32x4.add(cdf, f32x4.mul(c, density));
}

/** Loads elements [i, end) (fewer than four) into the low lanes of a vector, zeros above. */
// @ts-ignore: decorator
@inline function loadTail(base: usize, i: i32, end: i32): v128 {
  let v = f32x4.splat(0);
  if (i < end) v = f32x4.replace_lane(v, 0, load<f32>(at(base, i)));
  if (i + 1 < end) v = f32x4.replace_lane(v, 1, load<f32>(at(base, i + 1)));
  if (i + 2 < end) v = f32x4.replace_lane(v, 2, load<f32>(at(base, i + 2)));
  return v;
}

// @ts-ignore: decorator
@inline function storeTail(base: usize, i: i32, end: i32, v: v128): void {
  if (i < end) store<f32>(at(base, i), f32x4.extract_lane(v, 0));
  if (i + 1 < end) store<f32>(at(base, i + 1), f32x4.extract_lane(v, 1));
  if (i + 2 < end) store<f32>(at(base, i + 2), f32x4.extract_lane(v, 2));
}

/** y = GELU(x) for elements [start, end). */
export function geluForward(x: usize, y: usize, start: i32, end: i32): void {
  let i = start;
  // Two vectors per iteration: the polynomials are chains of dependent steps.
  for (; i + 8 <= end; i += 8) {
    const a = geluVec(v128.load(at(x, i)));
    const b = geluVec(v128.load(at(x, i + 4)));
    v128.store(at(y, i), a);
    v128.store(at(y, i + 4), b);
  }
  for (; i + 4 <= end; i += 4) v128.store(at(y, i), geluVec(v128.load(at(x, i))));
  if (i < end) storeTail(y, i, end, geluVec(loadTail(x, i, end)));
}

/** dx = dy·GELU′(x) for elements [start, end), given y = GELU(x) from geluForward. */
export function geluBackward(dy: usize, x: usize, y: usize, dx: usize, start: i32, end: i32): void {
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = f32x4.mul(v128.load(at(dy, i)), geluDerivativeVec(v128.load(at(x, i)), v128.load(at(y, i))));
    const b = f32x4.mul(v128.load(at(dy, i + 4)), geluDerivativeVec(v128.load(at(x, i + 4)), v128.load(at(y, i + 4))));
    v128.store(at(dx, i), a);
    v128.store(at(dx, i + 4), b);
  }
  for (; i + 4 <= end; i += 4) {
    v128.store(at(dx, i), f32x4.mul(v128.load(at(dy, i)), geluDerivativeVec(v128.load(at(x, i)), v128.load(at(y, i)))));
  }
  if (i < end) storeTail(dx, i, end, f32x4.mul(loadTail(dy, i, end), geluDerivativeVec(loadTail(x, i, end), loadTail(y, i, end))));
}
