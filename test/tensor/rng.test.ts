import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/tensor/index.js';

const take = (rng: Rng, n: number, f: (r: Rng) => number = (r) => r.nextUint32()) => Array.from({ length: n }, () => f(rng));

test('the same seed gives the same sequence', () => {
  assert.deepEqual(take(new Rng(42), 100), take(new Rng(42), 100));
  assert.deepEqual(take(new Rng(42), 50, (r) => r.normal()), take(new Rng(42), 50, (r) => r.normal()));
});

test('different seeds give different sequences', () => {
  assert.notDeepEqual(take(new Rng(1), 10), take(new Rng(2), 10));
  assert.notDeepEqual(take(new Rng(0), 10), take(new Rng(1), 10));
});

test('nextUint32 gives unsigned 32-bit integers', () => {
  for (const v of take(new Rng(3), 1000)) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32, `${v}`);
});

test('uniform is in [0, 1) with mean ≈ 0.5 over 20k samples', () => {
  const xs = take(new Rng(4), 20000, (r) => r.uniform());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
});

test('int(n) stays in [0, n) and hits every value', () => {
  const seen = new Set(take(new Rng(5), 2000, (r) => r.int(7)));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6]);
});

test('normal() has mean ≈ 0 and standard deviation ≈ 1 over 20k samples', () => {
  const xs = take(new Rng(6), 20000, (r) => r.normal());
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.03, `std ${std}`);
  assert.ok(xs.every(Number.isFinite));
});

test('shuffle is a permutation and is deterministic for a seed', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const a = new Rng(7).shuffle([...items]);
  const b = new Rng(7).shuffle([...items]);
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), items);
  assert.notDeepEqual(a, items);
});

test('shuffle works in place on typed arrays', () => {
  const arr = Int32Array.from({ length: 50 }, (_, i) => i);
  const out = new Rng(8).shuffle(arr);
  assert.equal(out, arr);
  assert.deepEqual(Array.from(arr).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
});

test('shuffle moves every position with roughly equal probability (first element lands uniformly)', () => {
  const rng = new Rng(9);
  const counts = new Array(5).fill(0);
  for (let t = 0; t < 5000; t++) counts[rng.shuffle([0, 1, 2, 3, 4]).indexOf(0)]++;
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 120, `counts ${counts}`);
});

test('getState/setState resume the same sequence', () => {
  const rng = new Rng(10);
  take(rng, 5);
  const state = rng.getState();
  const next = take(rng, 20);
  const other = new Rng(999);
  other.setState(state);
  assert.deepEqual(take(other, 20), next);
  assert.ok(state.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32));
});

test('setState after a normal() discards the cached spare normal', () => {
  const rng = new Rng(11);
  const state = rng.getState();
  const first = [rng.normal(), rng.normal()];
  rng.setState(state);
  assert.deepEqual([rng.normal(), rng.normal()], first);
});

test('fork gives a deterministic independent generator and advances the parent', () => {
  const a = new Rng(12);
  const b = new Rng(12);
  assert.deepEqual(take(a.fork(), 10), take(b.fork(), 10));
  assert.deepEqual(take(a, 5), take(b, 5));
  const parent = new Rng(12);
  const child = parent.fork();
  assert.notDeepEqual(take(child, 5), take(new Rng(12), 5));
});

test('fillByThreshold makes the same values from the same draws as a uniform() loop, and leaves the same state', () => {
  for (const threshold of [0, 0.25, 0.5, 0.999, 1, 1 / 3]) {
    for (const Array32or64 of [Float32Array, Float64Array]) {
      const a = new Rng(21);
      const b = new Rng(21);
      const filled = new Array32or64(1003);
      a.fillByThreshold(filled, threshold, 2, -1);
      const looped = new Array32or64(1003);
      for (let i = 0; i < looped.length; i++) looped[i] = b.uniform() >= threshold ? 2 : -1;
      assert.deepEqual(filled, looped, `threshold ${threshold}, ${Array32or64.name}`);
      assert.deepEqual(a.getState(), b.getState(), `state after threshold ${threshold}`);
      assert.equal(a.nextUint32(), b.nextUint32());
    }
  }
  // A draw exactly at the threshold counts as at-or-above: the first draw of seed 5 as the threshold.
  const first = new Rng(5).uniform();
  const out = new Float32Array(1);
  new Rng(5).fillByThreshold(out, first, 1, 0);
  assert.equal(out[0], 1);
  new Rng(5).fillByThreshold(out, first + 2 ** -33, 1, 0);
  assert.equal(out[0], 0);
});
