import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { createImageDataset } from '../../src/data/dataset.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { batchCount, batches, splitValidation, subset, take } from '../../src/data/batches.js';

/** n images of 2x2 pixels; image i has every pixel equal to i and label i % 10. */
function numbered(n: number): ImageDataset {
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i, i * 4, i * 4 + 4);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return createImageDataset({ name: 'numbered', images, labels, height: 2, width: 2, channels: 1, classNames: [...'0123456789'] });
}

function order(ds: ImageDataset, seed: number, batchSize = 7): number[] {
  return [...batches(ds, { batchSize, shuffle: true, rng: new Rng(seed) })].flatMap((b) => Array.from(b.indices));
}

test('batchCount rounds up to include the last partial batch', () => {
  assert.equal(batchCount(100, 32), 4);
  assert.equal(batchCount(96, 32), 3);
  assert.equal(batchCount(0, 32), 0);
});

test('with dropLast, batchCount rounds down and batches are all full: the left-over images change with the shuffle', () => {
  assert.equal(batchCount(100, 32, true), 3);
  assert.equal(batchCount(96, 32, true), 3);
  assert.equal(batchCount(31, 32, true), 0);
  const ds = numbered(50);
  const epoch = (seed: number) => [...batches(ds, { batchSize: 16, shuffle: true, rng: new Rng(seed), dropLast: true })];
  const first = epoch(1);
  assert.deepEqual(first.map((b) => b.indices.length), [16, 16, 16]);
  const used = first.flatMap((b) => Array.from(b.indices));
  assert.equal(new Set(used).size, 48);
  // The same order as without dropLast, cut before the partial batch.
  assert.deepEqual(used, order(ds, 1, 16).slice(0, 48));
  const left = (bs: typeof first) => Array.from({ length: 50 }, (_, i) => i).filter((i) => !bs.some((b) => b.indices.includes(i)));
  assert.notDeepEqual(left(first), left(epoch(2)));
  assert.deepEqual([...batches(ds, { batchSize: 64, dropLast: true })], []);
});

test('batch size that is not a positive integer gives ArgumentError', () => {
  const ds = numbered(5);
  for (const bad of [0, -1, 2.5, NaN]) {
    assert.throws(() => batches(ds, { batchSize: bad }).next(), ArgumentError);
    assert.throws(() => batchCount(5, bad), ArgumentError);
  }
});

test('shuffled batches cover every index exactly once per epoch, last batch partial', () => {
  const ds = numbered(50);
  const all = [...batches(ds, { batchSize: 16, shuffle: true, rng: new Rng(1) })];
  assert.deepEqual(all.map((b) => b.indices.length), [16, 16, 16, 2]);
  const seen = all.flatMap((b) => Array.from(b.indices)).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
});

test('each batch holds the images and labels of its indices, pixels scaled to [0, 1]', () => {
  const ds = numbered(20);
  for (const b of batches(ds, { batchSize: 6, shuffle: true, rng: new Rng(3) })) {
    assert.deepEqual(b.x.shape, [b.indices.length, 2, 2, 1]);
    b.indices.forEach((index, k) => {
      assert.equal(b.labels[k], index % 10);
      assert.deepEqual(Array.from(b.x.data.subarray(k * 4, k * 4 + 4)), new Array(4).fill(Math.fround(index / 255)));
    });
    for (const v of b.x.data) assert.ok(v >= 0 && v <= 1);
  }
});

test('same seed gives the same order; a different seed gives a different order', () => {
  const ds = numbered(40);
  assert.deepEqual(order(ds, 42), order(ds, 42));
  assert.notDeepEqual(order(ds, 42), order(ds, 43));
});

test('one rng shuffles successive epochs differently', () => {
  const ds = numbered(40);
  const rng = new Rng(9);
  const epoch = () => [...batches(ds, { batchSize: 8, shuffle: true, rng })].flatMap((b) => Array.from(b.indices));
  assert.notDeepEqual(epoch(), epoch());
});

test('without shuffle batches come in dataset order', () => {
  const ds = numbered(5);
  assert.deepEqual([...batches(ds, { batchSize: 2 })].map((b) => Array.from(b.indices)), [[0, 1], [2, 3], [4]]);
});

test('shuffle without an rng gives ArgumentError', () => {
  assert.throws(() => batches(numbered(3), { batchSize: 2, shuffle: true }).next(), /needs an rng/);
});

test('float64 batches when asked', () => {
  const b = batches(numbered(3), { batchSize: 3, dtype: 'float64' }).next();
  assert.equal(b.done, false);
  if (!b.done) assert.equal(b.value.x.dtype, 'float64');
});

test('subset and take share memory with the dataset and check their range', () => {
  const ds = numbered(10);
  const part = subset(ds, 3, 4);
  assert.equal(part.count, 4);
  assert.equal(part.images.buffer, ds.images.buffer);
  assert.deepEqual(Array.from(part.labels), [3, 4, 5, 6]);
  assert.equal(part.images[0], 3);
  assert.equal(take(ds, 3).count, 3);
  assert.equal(take(ds, 99).count, 10);
  assert.throws(() => subset(ds, 8, 3), ArgumentError);
});

test('splitValidation without rng holds out the last images', () => {
  const { train, validation } = splitValidation(numbered(10), 0.2);
  assert.equal(train.count, 8);
  assert.deepEqual(Array.from(validation.labels), [8, 9]);
});

test('splitValidation with rng holds out a seeded random sample, disjoint from train', () => {
  const ds = numbered(100);
  const a = splitValidation(ds, 0.25, new Rng(5));
  const b = splitValidation(ds, 0.25, new Rng(5));
  assert.equal(a.validation.count, 25);
  assert.equal(a.train.count, 75);
  assert.deepEqual(a.validation.images, b.validation.images);
  const pixelIds = (d: ImageDataset) => Array.from({ length: d.count }, (_, i) => d.images[i * 4]);
  const all = [...pixelIds(a.train), ...pixelIds(a.validation)].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual(pixelIds(a.validation), Array.from({ length: 25 }, (_, i) => 75 + i));
});

test('splitValidation rejects fractions outside (0, 1) and splits leaving a side empty', () => {
  assert.throws(() => splitValidation(numbered(10), 0), ArgumentError);
  assert.throws(() => splitValidation(numbered(10), 1), ArgumentError);
  assert.throws(() => splitValidation(numbered(3), 0.01), /leaves 3 for training and 0 for validation/);
});
