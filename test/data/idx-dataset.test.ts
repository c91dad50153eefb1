import '../../src/platform/node.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatasetError, FormatError, NotFoundError } from '../../src/errors.js';
import { loadIdxDirectory, scanIdxDirectory } from '../../src/data/idx-dataset.js';
import { imagesIdx, labelsIdx, makeIdxDir } from './fixtures.js';

test('loadIdxDirectory reads a mix of gzip and raw files into train and test datasets', async () => {
  const dir = await makeIdxDir();
  const { train, test: testSet } = await loadIdxDirectory(dir, { name: 'tiny' });
  assert.equal(train.name, 'tiny/train');
  assert.equal(train.count, 6);
  assert.equal(testSet.count, 4);
  assert.deepEqual([train.height, train.width, train.channels], [2, 3, 1]);
  assert.deepEqual(Array.from(testSet.labels), [2, 1, 0, 1]);
  assert.equal(train.images[5 * 6], 5);
  assert.equal(train.numClasses, 10);
  assert.deepEqual(train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
});

test('loadIdxDirectory accepts the dotted names train-images.idx3-ubyte and friends', async () => {
  const dir = await makeIdxDir({
    'train-images-idx3-ubyte.gz': null,
    't10k-labels-idx1-ubyte': null,
    'train-images.idx3-ubyte': imagesIdx(6),
    't10k-labels.idx1-ubyte.gz': labelsIdx([0, 0, 0, 0]),
  });
  const { train, test: testSet } = await loadIdxDirectory(dir, { name: 'dotted' });
  assert.equal(train.count, 6);
  assert.deepEqual(Array.from(testSet.labels), [0, 0, 0, 0]);
});

test('class names come from classes.txt when present, and labels beyond them are errors', async () => {
  const dir = await makeIdxDir({ 'classes.txt': 'cat\ndog\r\nbird\n\n' });
  const { train } = await loadIdxDirectory(dir, { name: 'pets' });
  assert.deepEqual(train.classNames, ['cat', 'dog', 'bird']);
  assert.equal(train.numClasses, 3);
  const tooFew = await makeIdxDir({ 'labels.txt': 'cat\ndog\n' });
  await assert.rejects(loadIdxDirectory(tooFew, { name: 'pets' }), (e: unknown) => e instanceof DatasetError && /train-labels-idx1-ubyte\.gz: label at index 2 is 2, outside 0\.\.1/.test(e.message));
});

test('class names passed as an option win over classes.txt', async () => {
  const dir = await makeIdxDir({ 'classes.txt': 'a\nb\nc\n' });
  const { test: testSet } = await loadIdxDirectory(dir, { name: 'x', classNames: ['p', 'q', 'r', 's'] });
  assert.deepEqual(testSet.classNames, ['p', 'q', 'r', 's']);
});

test('labels above 9 give numClasses of max label + 1', async () => {
  const dir = await makeIdxDir({ 't10k-labels-idx1-ubyte': labelsIdx([0, 1, 14, 2]) });
  const { train } = await loadIdxDirectory(dir, { name: 'letters' });
  assert.equal(train.numClasses, 15);
});

test('a directory missing a file gives NotFoundError naming the file, the names tried and the directory contents', async () => {
  const dir = await makeIdxDir({ 't10k-labels-idx1-ubyte': null });
  await assert.rejects(loadIdxDirectory(dir, { name: 'x' }), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    assert.match(e.message, /no test labels file \(tried t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte\.gz, t10k-labels\.idx1-ubyte, t10k-labels\.idx1-ubyte\.gz\)/);
    assert.match(e.message, /the directory holds: t10k-images-idx3-ubyte, train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz/);
    assert.ok(!e.message.includes('training images'));
    return true;
  });
  const scan = await scanIdxDirectory(dir);
  assert.equal(scan.files, null);
  assert.deepEqual(scan.missing.map((r) => r.key), ['testLabels']);
});

test('a directory that does not exist gives NotFoundError', async () => {
  const dir = await makeIdxDir();
  await assert.rejects(loadIdxDirectory(join(dir, 'nope'), { name: 'x' }), /dataset directory not found: .*nope/);
});

test('train images and labels whose counts differ give DatasetError naming both files', async () => {
  const dir = await makeIdxDir({ 'train-labels-idx1-ubyte.gz': labelsIdx([0, 1, 2, 0, 1]) });
  await assert.rejects(loadIdxDirectory(dir, { name: 'x' }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.match(e.message, /train-images-idx3-ubyte\.gz holds 6 images but .*train-labels-idx1-ubyte\.gz holds 5 labels/);
    return true;
  });
});

test('a labels file in place of the images file gives FormatError with both magic numbers', async () => {
  const dir = await makeIdxDir({ 't10k-images-idx3-ubyte': labelsIdx([1, 2, 3, 4]) });
  await assert.rejects(loadIdxDirectory(dir, { name: 'x' }), (e: unknown) => e instanceof FormatError && /t10k-images-idx3-ubyte: expected magic 2051 \(0x00000803\).* found 2049/.test(e.message));
});

test('train and test images of different sizes give DatasetError', async () => {
  const dir = await makeIdxDir({ 't10k-images-idx3-ubyte': imagesIdx(4, 3, 3) });
  await assert.rejects(loadIdxDirectory(dir, { name: 'x' }), /holds 2x3 images but .* holds 3x3/);
});
