import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetError } from '../../src/errors.js';
import { createImageDataset, gatherImages, gatherLabels, labelCounts, selectIndices } from '../../src/data/dataset.js';

const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

test('createImageDataset derives count from the image bytes and keeps the raw bytes', () => {
  const images = new Uint8Array(3 * 2 * 2);
  const ds = createImageDataset({ name: 'd', images, labels: new Uint8Array([1, 2, 3]), height: 2, width: 2, channels: 1, classNames: digits });
  assert.equal(ds.count, 3);
  assert.equal(ds.numClasses, 10);
  assert.equal(ds.images, images);
});

test('image and label counts that differ give DatasetError naming both files and both counts', () => {
  assert.throws(
    () =>
      createImageDataset({
        name: 'd',
        images: new Uint8Array(3 * 4),
        labels: new Uint8Array([1, 2]),
        height: 2,
        width: 2,
        channels: 1,
        classNames: digits,
        imagesSource: 'train-images-idx3-ubyte.gz',
        labelsSource: 'train-labels-idx1-ubyte.gz',
      }),
    (e: unknown) => {
      assert.ok(e instanceof DatasetError);
      assert.equal(e.message, 'train-images-idx3-ubyte.gz holds 3 images but train-labels-idx1-ubyte.gz holds 2 labels');
      return true;
    },
  );
});

test('a label outside 0..numClasses-1 gives DatasetError naming its index and value', () => {
  const init = { name: 'd', images: new Uint8Array(4), height: 1, width: 1, channels: 1, classNames: ['a', 'b', 'c'], labelsSource: 'labels.idx' };
  assert.throws(() => createImageDataset({ ...init, labels: new Uint8Array([0, 2, 3, 1]) }), /labels\.idx: label at index 2 is 3, outside 0\.\.2/);
  assert.throws(() => createImageDataset({ ...init, labels: new Int32Array([0, -1, 1, 1]) }), /label at index 1 is -1/);
});

test('image bytes that are not a whole number of images give DatasetError', () => {
  assert.throws(
    () => createImageDataset({ name: 'd', images: new Uint8Array(5), labels: new Uint8Array(1), height: 2, width: 2, channels: 1, classNames: digits }),
    /5 bytes is not a whole number of 2x2x1 images/,
  );
});

test('gatherImages scales bytes to [0, 1] in NHWC order: 0 → 0, 51 → 0.2, 255 → 1', () => {
  const images = new Uint8Array([0, 51, 255, 102, 10, 20, 30, 40]);
  const ds = createImageDataset({ name: 'd', images, labels: new Uint8Array([4, 7]), height: 1, width: 2, channels: 2, classNames: digits });
  const x = gatherImages(ds, [1, 0]);
  assert.deepEqual(x.shape, [2, 1, 2, 2]);
  assert.equal(x.dtype, 'float32');
  assert.deepEqual(Array.from(x.data), [10, 20, 30, 40, 0, 51, 255, 102].map((b) => Math.fround(b / 255)));
  assert.equal(gatherImages(ds, [0], 'float64').data[1], 0.2);
  assert.deepEqual(Array.from(gatherLabels(ds, [1, 0])), [7, 4]);
});

test('labelCounts and selectIndices copy the chosen images in order', () => {
  const ds = createImageDataset({ name: 'd', images: new Uint8Array([5, 6, 7]), labels: new Uint8Array([1, 1, 3]), height: 1, width: 1, channels: 1, classNames: digits });
  assert.deepEqual(labelCounts(ds), [0, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
  const picked = selectIndices(ds, [2, 0]);
  assert.deepEqual(Array.from(picked.images), [7, 5]);
  assert.deepEqual(Array.from(picked.labels), [3, 1]);
  assert.equal(picked.count, 2);
});
