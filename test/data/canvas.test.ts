import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canvasOffset, placeOnCanvas } from '../../src/data/canvas.js';
import { createImageDataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/registry.js';
import { take } from '../../src/data/batches.js';
import { ArgumentError } from '../../src/errors.js';

/** Two 2×3 grey images with pixels 1..6 and 11..16. */
const tiny = createImageDataset({
  name: 'tiny',
  images: Uint8Array.from([1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]),
  labels: Uint8Array.from([0, 1]),
  height: 2,
  width: 3,
  channels: 1,
  classNames: ['a', 'b'],
});

test('placeOnCanvas centres each image on a black canvas (an odd margin puts the extra pixel right and below)', () => {
  const placed = placeOnCanvas(tiny, 5);
  assert.equal(placed.height, 5);
  assert.equal(placed.width, 5);
  assert.equal(placed.count, 2);
  assert.deepEqual([...placed.labels], [0, 1]);
  assert.deepEqual(canvasOffset(tiny, 5), { top: 1, left: 1 });
  const rows = (i: number) => Array.from({ length: 5 }, (_, y) => [...placed.images.subarray(i * 25 + y * 5, i * 25 + y * 5 + 5)]);
  assert.deepEqual(rows(0), [
    [0, 0, 0, 0, 0],
    [0, 1, 2, 3, 0],
    [0, 4, 5, 6, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(rows(1)[2], [0, 14, 15, 16, 0]);
});

test('a canvas the size of the images copies them', () => {
  const placed = placeOnCanvas(tiny, 3);
  assert.deepEqual(
    [...placed.images.subarray(0, 9)],
    [1, 2, 3, 4, 5, 6, 0, 0, 0],
  );
});

test('MNIST digits on a 40×40 canvas get 6 background pixels on every side, as affNIST', async () => {
  const mnist = take((await loadDataset('mnist')).test, 3);
  const placed = placeOnCanvas(mnist, 40);
  for (let i = 0; i < 3; i++) {
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const inside = y >= 6 && y < 34 && x >= 6 && x < 34;
        const expected = inside ? mnist.images[i * 784 + (y - 6) * 28 + (x - 6)] : 0;
        assert.equal(placed.images[i * 1600 + y * 40 + x], expected, `image ${i} (${x}, ${y})`);
      }
    }
  }
});

test('a canvas smaller than the images, or not a positive integer, is refused', () => {
  assert.throws(() => placeOnCanvas(tiny, 2), (e: unknown) => e instanceof ArgumentError && /canvas size 2 is smaller than the 2×3 images of 'tiny'; expected at least 3/.test(e.message));
  assert.throws(() => placeOnCanvas(tiny, 4.5), ArgumentError);
  assert.throws(() => placeOnCanvas(tiny, 0), ArgumentError);
});
