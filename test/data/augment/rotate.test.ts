import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomRotation, rotateImages } from '../../../src/data/augment/index.js';
import { ArgumentError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, assertClose, differs, greyImage, pixel, randomBatch, rowsOf } from './images.js';

const grid = greyImage([
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
]);

test('rotating by 0 degrees is the identity', () => {
  const x = randomBatch([3, 9, 8, 3]);
  assertClose(rotateImages(x, 0), x, 1e-6);
  assertClose(randomRotation(0)(x, new Rng(1)), x, 1e-6);
});

test('a 90° turn is counter-clockwise on screen and moves pixels exactly', () => {
  assert.deepEqual(rowsOf(rotateImages(grid, 90)), [
    [3, 6, 9],
    [2, 5, 8],
    [1, 4, 7],
  ]);
  assert.deepEqual(rowsOf(rotateImages(grid, -90)), [
    [7, 4, 1],
    [8, 5, 2],
    [9, 6, 3],
  ]);
  assert.deepEqual(rowsOf(rotateImages(grid, 180)), [
    [9, 8, 7],
    [6, 5, 4],
    [3, 2, 1],
  ]);
});

test('a quarter turn of an even-sized multi-channel image is np.rot90', () => {
  const x = randomBatch([2, 4, 4, 3]);
  const y = rotateImages(x, 90);
  for (let i = 0; i < 2; i++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) for (let k = 0; k < 3; k++) {
    assert.equal(pixel(y, i, r, c, k), pixel(x, i, c, 3 - r, k));
  }
});

test('a turn keeps a flat interior flat and fills the uncovered corners with 0', () => {
  const x = new Tensor(new Float32Array(9 * 9).fill(1), [1, 9, 9, 1]);
  const y = rotateImages(x, 45);
  assert.ok(Math.abs(pixel(y, 0, 4, 4) - 1) < 1e-6, 'centre');
  assert.ok(Math.abs(pixel(y, 0, 4, 1) - 1) < 1e-6, 'inside the turned square');
  assert.equal(pixel(y, 0, 0, 0), 0, 'corner');
  assert.equal(pixel(y, 0, 8, 8), 0, 'corner');
});

test('bilinear sampling interpolates between neighbours', () => {
  // A horizontal ramp turned by 180° about its centre is the reversed ramp; a small angle keeps
  // the centre's value, which is the ramp's mean along the centre row.
  const ramp = new Tensor(Float32Array.from({ length: 25 }, (_, i) => (i % 5) / 4), [1, 5, 5, 1]);
  const y = rotateImages(ramp, 7);
  assert.ok(Math.abs(pixel(y, 0, 2, 2) - 0.5) < 1e-6);
  assert.ok(pixel(y, 0, 2, 3) > 0.5 && pixel(y, 0, 2, 3) < 1);
});

test('randomRotation: each image its own angle, deterministic for a seed', () => {
  const x = randomBatch([8, 10, 10, 1]);
  const a = randomRotation(15)(x, new Rng(4));
  assertBitEqual(randomRotation(15)(x, new Rng(4)), a);
  assert.ok(differs(randomRotation(15)(x, new Rng(5)), a));
});

test('rotation arguments are checked', () => {
  assert.throws(() => randomRotation(-1), ArgumentError);
  assert.throws(() => randomRotation(181), /0\.\.180, got 181/);
  assert.throws(() => rotateImages(grid, [1, 2]), /one value per image: the batch has 1 images, got 2/);
  assert.throws(() => rotateImages(grid, NaN), /must be finite/);
  assert.throws(() => rotateImages(new Tensor(new Float32Array(9), [3, 3]), 10), /\[n, height, width, channels\], got shape \[3, 3\]/);
});
