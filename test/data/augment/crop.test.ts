import { test } from 'node:test';
import assert from 'node:assert/strict';
import { padCrop, randomCrop } from '../../../src/data/augment/index.js';
import { ArgumentError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, differs, greyImage, randomBatch, rowsOf } from './images.js';

const grid = greyImage([
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
]);

test('randomCrop with padding 0 is the identity', () => {
  const x = randomBatch([5, 6, 7, 3]);
  assertBitEqual(randomCrop(0)(x, new Rng(3)), x);
  assertBitEqual(randomCrop(0, 'reflect')(x, new Rng(3)), x);
});

test('the centred window (offset = pad) gives the image back', () => {
  const x = randomBatch([2, 8, 8, 3]);
  assertBitEqual(padCrop(x, 4, 4, 4), x);
  assertBitEqual(padCrop(x, 2, 2, 2, 'reflect'), x);
});

test('zero padding: the window at the top-left corner shifts the image down-right and fills with 0', () => {
  assert.deepEqual(rowsOf(padCrop(grid, 1, 0, 0)), [
    [0, 0, 0],
    [0, 1, 2],
    [0, 4, 5],
  ]);
  assert.deepEqual(rowsOf(padCrop(grid, 2, 4, 3)), [
    [8, 9, 0],
    [0, 0, 0],
    [0, 0, 0],
  ]);
});

test('reflect padding mirrors about the edge pixel without repeating it', () => {
  assert.deepEqual(rowsOf(padCrop(grid, 1, 0, 0, 'reflect')), [
    [5, 4, 5],
    [2, 1, 2],
    [5, 4, 5],
  ]);
  assert.deepEqual(rowsOf(padCrop(grid, 2, 4, 4, 'reflect')), [
    [9, 8, 7],
    [6, 5, 4],
    [3, 2, 1],
  ]);
});

test('randomCrop draws a window per image, the same for the same seed', () => {
  const x = randomBatch([16, 8, 8, 3]);
  const crop = randomCrop(2);
  const a = crop(x, new Rng(11));
  assertBitEqual(crop(x, new Rng(11)), a);
  assert.ok(differs(crop(x, new Rng(12)), a));
  // With 25 possible windows, 16 copies of one image cannot all land on the same one.
  const same = randomBatch([1, 8, 8, 1]);
  const copies = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) copies.set(same.data, i * 64);
  const out = randomCrop(2)(new Tensor(copies, [16, 8, 8, 1]), new Rng(1));
  const distinct = new Set(Array.from({ length: 16 }, (_, i) => out.data.subarray(i * 64, (i + 1) * 64).join(',')));
  assert.ok(distinct.size > 4, `only ${distinct.size} distinct crops`);
});

test('bad padding and offsets are ArgumentErrors that say what is allowed', () => {
  assert.throws(() => randomCrop(-1), /whole number of pixels ≥ 0, got -1/);
  assert.throws(() => randomCrop(1.5), ArgumentError);
  assert.throws(() => padCrop(grid, 1, 3, 0), /0\.\.2 \(2 × pad\), got 3/);
  assert.throws(() => randomCrop(3, 'reflect')(grid, new Rng(1)), /reflect padding of 3 px needs images larger than 3 px/);
  assert.throws(() => randomCrop(1, 'mirror' as any), /one of zero, reflect, got 'mirror'/);
});
