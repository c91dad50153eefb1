import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alternatingFlip, flipHorizontal, parseAugmentSpec, randomFlip } from '../../../src/data/augment/index.js';
import { Rng } from '../../../src/tensor/rng.js';
import { assertBitEqual, greyImage, pixel, randomBatch, rowsOf } from './images.js';

test('flip mirrors each row left to right', () => {
  const x = greyImage([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(rowsOf(flipHorizontal(x)), [
    [3, 2, 1],
    [6, 5, 4],
  ]);
});

test('flip keeps the channels of a pixel together', () => {
  const x = randomBatch([2, 3, 5, 3]);
  const y = flipHorizontal(x);
  for (let i = 0; i < 2; i++) for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) for (let k = 0; k < 3; k++) {
    assert.equal(pixel(y, i, r, c, k), pixel(x, i, r, 4 - c, k));
  }
});

test('flipping twice gives the input back exactly', () => {
  const x = randomBatch([3, 7, 6, 3]);
  assertBitEqual(flipHorizontal(flipHorizontal(x)), x);
});

test('flip only the images asked for', () => {
  const x = randomBatch([2, 4, 4, 1]);
  const y = flipHorizontal(x, [false, true]);
  assert.deepEqual(rowsOf(y, 0), rowsOf(x, 0));
  assert.deepEqual(rowsOf(y, 1), rowsOf(x, 1).map((r) => r.reverse()));
});

test('randomFlip with p = 0 is the identity and p = 1 always flips', () => {
  const x = randomBatch([4, 5, 5, 1]);
  assertBitEqual(randomFlip(0)(x, new Rng(1)), x);
  assertBitEqual(randomFlip(1)(x, new Rng(1)), flipHorizontal(x));
});

test('randomFlip(0.5) flips about half of a large batch, each image on its own', () => {
  const x = randomBatch([400, 2, 3, 1]);
  const y = randomFlip(0.5)(x, new Rng(5));
  let flipped = 0;
  for (let i = 0; i < 400; i++) if (pixel(y, i, 0, 0) !== pixel(x, i, 0, 0)) flipped++;
  assert.ok(flipped > 160 && flipped < 240, `flipped ${flipped} of 400`);
});

test('flip does not modify its input', () => {
  const x = randomBatch([1, 3, 3, 1]);
  const before = Array.from(x.data);
  flipHorizontal(x);
  assert.deepEqual(Array.from(x.data), before);
});

test('alternating flip: an image mirrored in one epoch is not in the next, about half are mirrored in each, and the same index always starts the same way', () => {
  const x = randomBatch([400, 2, 3, 1]);
  const indices = Array.from({ length: 400 }, (_, i) => 1000 + i);
  const mirrored = (epoch: number) => {
    const y = alternatingFlip()(x, new Rng(0), { indices, epoch });
    return Array.from({ length: 400 }, (_, i) => pixel(y, i, 0, 0) !== pixel(x, i, 0, 0));
  };
  const [e0, e1, e2, e3] = [0, 1, 2, 3].map(mirrored);
  for (let i = 0; i < 400; i++) {
    assert.notEqual(e0[i], e1[i], `image ${i}: the same side in epochs 0 and 1`);
    assert.equal(e0[i], e2[i]);
    assert.equal(e1[i], e3[i]);
  }
  const count = e0.filter(Boolean).length;
  assert.ok(count > 160 && count < 240, `mirrored ${count} of 400`);
  // Shuffled batches: what decides is the image's index, not its place in the batch or the generator.
  const reversed = alternatingFlip()(x, new Rng(9), { indices: [...indices].reverse(), epoch: 0 });
  assert.equal(pixel(reversed, 0, 0, 0) !== pixel(x, 0, 0, 0), e0[399]);
  assert.throws(() => alternatingFlip()(x, new Rng(0), { indices: [1, 2], epoch: 0 }), /one index per image: the batch has 400 images, got 2/);
  assertBitEqual(parseAugmentSpec('altflip')(x, new Rng(0), { indices, epoch: 1 }), alternatingFlip()(x, new Rng(0), { indices, epoch: 1 }));
});
