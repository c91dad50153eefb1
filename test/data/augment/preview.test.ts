import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentPreview, flipHorizontal, randomFlip } from '../../../src/data/augment/index.js';
import { ShapeError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { randomBatch } from './images.js';

function rgbaAt(grid: { width: number; rgba: Uint8Array }, x: number, y: number): number[] {
  const i = (y * grid.width + x) * 4;
  return Array.from(grid.rgba.subarray(i, i + 4));
}

test('the preview grid: one row per image, the original first, magnified, with gaps', () => {
  const images = randomBatch([3, 4, 5, 1]);
  const grid = augmentPreview(images, randomFlip(1), new Rng(1), { variants: 2, magnify: 2 });
  assert.equal(grid.rows, 3);
  assert.equal(grid.columns, 3);
  // 3 tiles of 10 px, 4 gaps of 2 px, 6 px more after the original.
  assert.equal(grid.width, 3 * 10 + 4 * 2 + 6);
  assert.equal(grid.height, 3 * 8 + 4 * 2);
  assert.equal(grid.rgba.length, grid.width * grid.height * 4);
  const flipped = flipHorizontal(images);
  const byte = (v: number): number => Math.round(v * 255);
  for (let r = 0; r < 3; r++) {
    const top = 2 + r * 10;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 10; x++) {
        const src = ((r * 4 + (y >> 1)) * 5 + (x >> 1));
        const v = byte(images.data[src]);
        assert.deepEqual(rgbaAt(grid, 2 + x, top + y), [v, v, v, 255], 'original, grey, nearest neighbour');
        const f = byte(flipped.data[src]);
        assert.deepEqual(rgbaAt(grid, 2 + 10 + 2 + 6 + x, top + y), [f, f, f, 255], 'first variant');
      }
    }
  }
  assert.deepEqual(rgbaAt(grid, 0, 0), [255, 255, 255, 255], 'the gaps are white');
  assert.deepEqual(rgbaAt(grid, 13, 5), [255, 255, 255, 255], 'the wider gap after the original');
});

test('the default magnification makes tiles at least 84 px; RGB stays RGB', () => {
  const images = new Tensor(Float32Array.from({ length: 28 * 28 * 3 }, (_, i) => (i % 3) / 2), [1, 28, 28, 3]);
  const grid = augmentPreview(images, (x) => x, new Rng(1), { variants: 1 });
  assert.equal(grid.magnify, 3);
  assert.deepEqual(rgbaAt(grid, 2, 2), [0, 128, 255, 255]);
});

test('a transform that changes the shape is refused', () => {
  const images = randomBatch([1, 4, 4, 1]);
  assert.throws(() => augmentPreview(images, () => randomBatch([1, 2, 2, 1]), new Rng(1), { variants: 1 }), ShapeError);
  assert.throws(() => augmentPreview(images, (x) => x, new Rng(1), { variants: 0 }), /positive whole number of variants, got 0/);
});
