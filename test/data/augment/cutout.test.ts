import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutoutImages, randomCutout } from '../../../src/data/augment/index.js';
import { ArgumentError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, differs, randomBatch } from './images.js';

function ones(n: number, h: number, w: number, c: number): Tensor {
  return new Tensor(new Float32Array(n * h * w * c).fill(1), [n, h, w, c]);
}

/** The zeroed pixels of image i (all channels zero) as a bounding box and a count. */
function zeroRegion(x: Tensor, i: number): { count: number; top: number; left: number; bottom: number; right: number } {
  const [, h, w, c] = x.shape;
  let count = 0;
  let top = h;
  let left = w;
  let bottom = -1;
  let right = -1;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const base = ((i * h + y) * w + xx) * c;
      let zero = true;
      for (let k = 0; k < c; k++) if (x.data[base + k] !== 0) zero = false;
      if (!zero) continue;
      count++;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      left = Math.min(left, xx);
      right = Math.max(right, xx);
    }
  }
  return { count, top, left, bottom, right };
}

test('cutout zeroes exactly the size×size square at the given corner, in every channel', () => {
  const y = cutoutImages(ones(1, 8, 8, 3), 3, 2, 4);
  assert.deepEqual(zeroRegion(y, 0), { count: 9, top: 2, left: 4, bottom: 4, right: 6 });
  let zeros = 0;
  for (const v of y.data) if (v === 0) zeros++;
  assert.equal(zeros, 9 * 3);
});

test('cutout squares are clipped at the borders', () => {
  const y = cutoutImages(ones(2, 8, 8, 1), 3, [-1, 6], [6, -2]);
  assert.deepEqual(zeroRegion(y, 0), { count: 4, top: 0, left: 6, bottom: 1, right: 7 });
  assert.deepEqual(zeroRegion(y, 1), { count: 2, top: 6, left: 0, bottom: 7, right: 0 });
});

test('randomCutout blanks one square per image: size×size inside, clipped at an edge', () => {
  const size = 4;
  const y = randomCutout(size)(ones(200, 16, 16, 1), new Rng(2));
  let interior = 0;
  for (let i = 0; i < 200; i++) {
    const r = zeroRegion(y, i);
    const height = r.bottom - r.top + 1;
    const width = r.right - r.left + 1;
    assert.equal(r.count, height * width, `image ${i}: the zeros form a rectangle`);
    assert.ok(height <= size && width <= size, `image ${i}: ${height}×${width}`);
    const touchesEdge = r.top === 0 || r.left === 0 || r.bottom === 15 || r.right === 15;
    if (!touchesEdge) {
      assert.equal(r.count, size * size, `image ${i}: an interior square is whole`);
      interior++;
    }
  }
  // A square misses every edge when its centre is in 3..13 on both axes: (11/16)² ≈ 47% of the time.
  assert.ok(interior > 60 && interior < 130, `${interior} of 200 squares inside`);
});

test('cutout 0 is the identity; random cutout is deterministic for a seed', () => {
  const x = randomBatch([6, 8, 8, 3]);
  assertBitEqual(randomCutout(0)(x, new Rng(1)), x);
  const a = randomCutout(3)(x, new Rng(5));
  assertBitEqual(randomCutout(3)(x, new Rng(5)), a);
  assert.ok(differs(randomCutout(3)(x, new Rng(6)), a));
});

test('cutout arguments are checked', () => {
  assert.throws(() => randomCutout(-1), ArgumentError);
  assert.throws(() => randomCutout(2.5), /whole pixels ≥ 0, got 2.5/);
  assert.throws(() => cutoutImages(ones(1, 4, 4, 1), 2, 0.5, 0), /whole pixels/);
});
