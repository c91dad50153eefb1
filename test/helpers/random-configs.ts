/**
 * Seeded random shapes and geometries for comparing a backend against the JS reference, and the
 * comparisons themselves (bit-identical, ulps, or relative to the output's largest magnitude).
 */
import assert from 'node:assert/strict';
import type { Conv2DInfo, Pool2DInfo } from '../../src/backend/backend.js';
import { conv2dInfo } from '../../src/ops/conv.js';
import { pool2dInfo } from '../../src/ops/pool.js';
import type { Padding, Rng, Shape } from '../../src/tensor/index.js';

export function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

/** Small integers, so that pooling windows hold ties. */
export function tiedArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(4) - 2;
  return a;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** An integer in [lo, hi]. */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

export type PaddingKind = 'same' | 'valid' | 'number' | 'explicit';
export const paddingKinds: readonly PaddingKind[] = ['same', 'valid', 'number', 'explicit'];

/** A padding of the given kind; `max` bounds the explicit sizes. */
export function randomPadding(rng: Rng, kind: PaddingKind, max: number): Padding {
  switch (kind) {
    case 'same':
    case 'valid':
      return kind;
    case 'number':
      return between(rng, 0, max);
    case 'explicit':
      return [
        [between(rng, 0, max), between(rng, 0, max)],
        [between(rng, 0, max), between(rng, 0, max)],
      ];
  }
}

export interface ConvConfig {
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: Padding;
  info: Conv2DInfo;
}

export function describeConv(c: ConvConfig): string {
  return `x [${c.xShape}] w [${c.wShape}] strides ${c.strides} dilation ${c.dilation} padding ${JSON.stringify(c.padding)} → ${c.info.outH}×${c.info.outW}`;
}

/**
 * A random valid convolution (retrying until conv2dInfo accepts it): batch 1–3, odd and even
 * sizes from 1, stride 1–3, dilation 1–2, the given padding kind (explicit pads up to 4, so
 * some windows lie wholly in the padding).
 */
export function randomConv(rng: Rng, paddingKind: PaddingKind): ConvConfig {
  for (;;) {
    const kH = between(rng, 1, 5);
    const kW = rng.uniform() < 0.7 ? kH : between(rng, 1, 5);
    const xShape: [number, number, number, number] = [pick(rng, [1, 1, 2, 3]), between(rng, 1, 13), between(rng, 1, 13), between(rng, 1, 7)];
    const wShape: [number, number, number, number] = [kH, kW, xShape[3], between(rng, 1, 11)];
    const strides: [number, number] = [pick(rng, [1, 1, 2, 2, 3]), pick(rng, [1, 1, 2, 2, 3])];
    const dilation: [number, number] = rng.uniform() < 0.35 ? [2, pick(rng, [1, 2])] : [1, 1];
    const padding = randomPadding(rng, paddingKind, 4);
    try {
      const info = conv2dInfo(xShape, wShape, { strides, dilation, padding });
      return { xShape, wShape, strides, dilation, padding, info };
    } catch {
      // Output size below 1: draw again.
    }
  }
}

/** A convolution with the given geometry (throws if invalid). */
export function fixedConv(xShape: ConvConfig['xShape'], wShape: ConvConfig['wShape'], strides: [number, number], dilation: [number, number], padding: Padding): ConvConfig {
  return { xShape, wShape, strides, dilation, padding, info: conv2dInfo(xShape, wShape, { strides, dilation, padding }) };
}

export interface PoolConfig {
  xShape: [number, number, number, number];
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
  info: Pool2DInfo;
}

export function describePool(c: PoolConfig): string {
  return `x [${c.xShape}] pool ${c.poolSize} strides ${c.strides} padding ${JSON.stringify(c.padding)} → ${c.info.outH}×${c.info.outW}`;
}

/** A random valid pooling (retrying until pool2dInfo accepts it); channels 1–9 cross the 4-lane SIMD width. */
export function randomPool(rng: Rng, paddingKind: PaddingKind): PoolConfig {
  for (;;) {
    const poolSize: [number, number] = [between(rng, 1, 4), between(rng, 1, 4)];
    const strides: [number, number] = rng.uniform() < 0.4 ? [...poolSize] : [between(rng, 1, 3), between(rng, 1, 3)];
    const xShape: [number, number, number, number] = [pick(rng, [1, 1, 2, 3]), between(rng, 1, 12), between(rng, 1, 12), between(rng, 1, 9)];
    const padding = randomPadding(rng, paddingKind, 3);
    try {
      const info = pool2dInfo(xShape, { poolSize, strides, padding });
      return { xShape, poolSize, strides, padding, info };
    } catch {
      // Output below 1, or padding not smaller than the pool: draw again.
    }
  }
}

/** NumPy broadcasting of two shapes. */
export function broadcastShape(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function sizeOfShape(shape: Shape): number {
  return shape.reduce((p, d) => p * d, 1);
}

// ---------------------------------------------------------------------------------------------
// Comparisons

const f32Bits = new Float32Array(1);
const i32Bits = new Int32Array(f32Bits.buffer);

/** Distance in f32 units in the last place (0 for two NaNs, Infinity for NaN against a number). */
export function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  const key = (v: number) => {
    f32Bits[0] = v;
    const i = i32Bits[0];
    return i < 0 ? -(i & 0x7fffffff) : i;
  };
  return Math.abs(key(a) - key(b));
}

/** Bit-identical (+0 and −0 differ), except that any NaN matches any NaN. */
export function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (!Object.is(a, e)) assert.fail(`${what}[${i}]: ${a}, expected ${e} (bit-identical)`);
  }
}

/** Every entry within `maxUlps` f32 ulps. */
export function assertUlps(actual: ArrayLike<number>, expected: ArrayLike<number>, maxUlps: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const d = ulps(actual[i], expected[i]);
    if (d > maxUlps) assert.fail(`${what}[${i}]: ${actual[i]}, expected ${expected[i]} (${d} ulps apart, at most ${maxUlps} allowed)`);
  }
}

/**
 * |a − e| ≤ absolute + relative·|e| for every entry, NaN where NaN is expected and equal infinities:
 * the tolerance for kernels that approximate a function (GELU's rational erf).
 */
export function assertWithin(actual: ArrayLike<number>, expected: ArrayLike<number>, absolute: number, relative: number, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) assert.fail(`${what}[${i}]: ${a}, expected ${e}`);
      continue;
    }
    const error = Math.abs(a - e);
    if (!(error <= absolute + relative * Math.abs(e))) assert.fail(`${what}[${i}]: ${a}, expected ${e} (error ${error.toExponential(2)} > ${absolute} + ${relative}·|expected|)`);
    worst = Math.max(worst, error);
  }
  return worst;
}

/** |a − e| ≤ rel · max|e| for every entry: the tolerance for sums (gemm, convolution, pooling sums). */
export function assertCloseToScale(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const bound = rel * scale;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= bound)) assert.fail(`${what}[${i}]: ${actual[i]}, expected ${expected[i]} (error ${error.toExponential(2)} > ${rel} × max|expected| ${scale.toExponential(3)})`);
    worst = Math.max(worst, scale > 0 ? error / scale : 0);
  }
  return worst;
}

/** |a − e| ≤ rel · max(|e|, floor) per entry (NaN matches NaN, infinities must match exactly). */
export function assertCloseEach(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, floor: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) assert.fail(`${what}[${i}]: ${a}, expected ${e}`);
      continue;
    }
    if (!(Math.abs(a - e) <= rel * Math.max(Math.abs(e), floor))) assert.fail(`${what}[${i}]: ${a}, expected ${e} (relative tolerance ${rel}, floor ${floor})`);
  }
}
