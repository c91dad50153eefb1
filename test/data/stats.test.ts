import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, DatasetError } from '../../src/errors.js';
import { createImageDataset, labelCounts, selectIndices } from '../../src/data/dataset.js';
import { interleaveClasses, interleavedOrder, splitDataset, splitIndices } from '../../src/data/split.js';
import { channelStats } from '../../src/data/stats.js';

test('channelStats gives each channel its mean and population std in [0, 1] units', () => {
  // Two 1x2 RGB images: R is 0, 255, 0, 255; G is always 51; B is 0, 0, 0, 255.
  const ds = createImageDataset({
    name: 'tiny',
    images: Uint8Array.from([0, 51, 0, 255, 51, 0, 0, 51, 0, 255, 51, 255]),
    labels: Uint8Array.from([0, 1]),
    height: 1,
    width: 2,
    channels: 3,
    classNames: ['a', 'b'],
  });
  const { mean, std } = channelStats(ds);
  assert.deepEqual(mean, [0.5, 0.2, 0.25]);
  assert.deepEqual(std.slice(0, 2), [0.5, 0]);
  assert.ok(Math.abs(std[2] - Math.sqrt(0.25 * 0.75)) < 1e-12);
});

test('channelStats of an empty dataset is a DatasetError', () => {
  const empty = createImageDataset({ name: 'none', images: new Uint8Array(0), labels: new Uint8Array(0), height: 1, width: 1, channels: 1, classNames: ['a'] });
  assert.throws(() => channelStats(empty), DatasetError);
});

function labelled(labels: number[]) {
  return createImageDataset({
    name: 'set',
    images: Uint8Array.from(labels.map((_, i) => i)),
    labels: Uint8Array.from(labels),
    height: 1,
    width: 1,
    channels: 1,
    classNames: ['a', 'b', 'c'],
  });
}

test('splitDataset holds out the fraction of each class (stratified), seeded, keeping the original order', () => {
  const ds = labelled([...new Array(10).fill(0), ...new Array(20).fill(1), 2]);
  const { train, validation } = splitDataset(ds, 0.2, 7);
  assert.deepEqual(labelCounts(validation), [2, 4, 0]);
  assert.deepEqual(labelCounts(train), [8, 16, 1]);
  const trainIds = Array.from(train.images);
  const validationIds = Array.from(validation.images);
  assert.deepEqual([...trainIds, ...validationIds].sort((a, b) => a - b), Array.from({ length: 31 }, (_, i) => i));
  assert.deepEqual(trainIds, [...trainIds].sort((a, b) => a - b));
  const again = splitDataset(ds, 0.2, 7);
  assert.deepEqual(Array.from(again.validation.images), validationIds);
  const other = splitDataset(ds, 0.2, 8);
  assert.notDeepEqual(Array.from(other.validation.images), validationIds);
});

test('splitDataset rejects fractions outside (0, 1) and splits that leave a part empty', () => {
  const ds = labelled([0, 1, 2]);
  assert.throws(() => splitDataset(ds, 0, 1), ArgumentError);
  assert.throws(() => splitDataset(ds, 1, 1), ArgumentError);
  assert.throws(() => splitDataset(ds, 0.5, 1), (e: unknown) => e instanceof ArgumentError && /leaves 3 for training and 0 for validation/.test(e.message));
});

test('interleavedOrder reorders a subset of indices by their labels, as interleaveClasses would after copying it', () => {
  // Labels of images 0…8: three of class 0, then four of class 1, then two of class 2.
  const ds = labelled([0, 0, 0, 1, 1, 1, 1, 2, 2]);
  const subset = [0, 2, 3, 5, 6, 8];
  assert.deepEqual(Array.from(interleavedOrder(ds.labels, 3, subset)), [0, 3, 8, 2, 5, 6]);
  const copiedThenInterleaved = interleaveClasses(selectIndices(ds, subset));
  assert.deepEqual(Array.from(selectIndices(ds, interleavedOrder(ds.labels, 3, subset)).images), Array.from(copiedThenInterleaved.images));
  assert.deepEqual(Array.from(interleavedOrder(ds.labels, 3)), [0, 3, 7, 1, 4, 8, 2, 5, 6], 'no indices: every image');
});

test('splitIndices gives the images of splitDataset\'s parts without copying them', () => {
  const ds = labelled([...new Array(10).fill(0), ...new Array(20).fill(1), 2]);
  const indices = splitIndices(ds, 0.2, 7);
  const parts = splitDataset(ds, 0.2, 7);
  assert.deepEqual(Array.from(indices.train), Array.from(parts.train.images));
  assert.deepEqual(Array.from(indices.validation), Array.from(parts.validation.images));
});
