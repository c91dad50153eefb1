import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomScale, scaleImages } from '../../../src/data/augment/index.js';
import { ArgumentError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, assertClose, differs, randomBatch, rowsOf } from './images.js';

/** 5×5, every row 1..5. */
const columns = new Tensor(Float32Array.from({ length: 25 }, (_, i) => (i % 5) + 1), [1, 5, 5, 1]);

test('scaling by 1 is the identity', () => {
  const x = randomBatch([3, 7, 6, 3]);
  assertClose(scaleImages(x, 1), x, 1e-6);
  assertClose(randomScale(1, 1)(x, new Rng(1)), x, 1e-6);
});

test('scaling by 2 enlarges about the centre with bilinear sampling', () => {
  for (const row of rowsOf(scaleImages(columns, 2))) assert.deepEqual(row, [2, 2.5, 3, 3.5, 4]);
});

test('scaling by 0.5 shrinks about the centre and fills the border with 0', () => {
  const rows = rowsOf(scaleImages(columns, 0.5));
  assert.deepEqual(rows[2], [0, 1, 3, 5, 0]);
  assert.deepEqual(rows[0], [0, 0, 0, 0, 0]);
});

test('randomScale draws a factor per image, deterministic for a seed', () => {
  const x = randomBatch([6, 8, 8, 1]);
  const a = randomScale(0.8, 1.2)(x, new Rng(3));
  assertBitEqual(randomScale(0.8, 1.2)(x, new Rng(3)), a);
  assert.ok(differs(randomScale(0.8, 1.2)(x, new Rng(4)), a));
});

test('scale arguments are checked', () => {
  assert.throws(() => randomScale(0, 1), ArgumentError);
  assert.throws(() => randomScale(1.2, 0.8), /0 < min ≤ max, got min 1.2, max 0.8/);
  assert.throws(() => scaleImages(columns, -1), /positive number, got -1/);
});
