import { nodePlatform } from '../../src/platform/node.js';
import { setPlatform } from '../../src/platform/platform.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, UnknownNameError } from '../../src/errors.js';
import { labelCounts } from '../../src/data/dataset.js';
import { candidateDirs, describeDatasets, knownDatasets, loadDataset } from '../../src/data/registry.js';
import { makeIdxDir, makeTempDir } from './fixtures.js';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

test('the registry knows mnist and fashion-mnist with their class names', () => {
  assert.deepEqual(knownDatasets.map((d) => d.name), ['mnist', 'fashion-mnist']);
  const fashion = knownDatasets.find((d) => d.name === 'fashion-mnist');
  assert.deepEqual(fashion?.classNames, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
});

test('loadDataset("mnist") reads the bundled MNIST: 60000/10000 images of 28x28 with the official label counts', async () => {
  const mnist = await loadDataset('mnist');
  assert.match(mnist.location, /data[\\/]mnist$/);
  const { train, test: testSet } = mnist;
  assert.equal(train.count, 60000);
  assert.equal(testSet.count, 10000);
  assert.deepEqual([train.height, train.width, train.channels], [28, 28, 1]);
  assert.equal(train.images.length, 60000 * 784);
  assert.deepEqual(train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(labelCounts(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(labelCounts(testSet), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  // Ink is bright on a dark background: corners are 0, some pixel of the first digit is 255-ish.
  assert.equal(train.images[0], 0);
  assert.ok(Math.max(...train.images.subarray(0, 784)) > 250);
});

test('loadDataset("fashion-mnist") reads the Debian package with 6000 images per class', async (t) => {
  if (!existsSync(FASHION_DIR)) {
    t.skip(`${FASHION_DIR} is absent (apt-get install dataset-fashion-mnist)`);
    return;
  }
  const fashion = await loadDataset('fashion-mnist');
  assert.equal(fashion.location, FASHION_DIR);
  assert.equal(fashion.train.count, 60000);
  assert.equal(fashion.test.count, 10000);
  assert.deepEqual(labelCounts(fashion.train), new Array(10).fill(6000));
  assert.deepEqual(labelCounts(fashion.test), new Array(10).fill(1000));
  assert.equal(fashion.classNames[9], 'Ankle boot');
});

test('describeDatasets reports where each known dataset was found and what was searched', async () => {
  const list = await describeDatasets();
  const mnist = list.find((d) => d.name === 'mnist');
  assert.equal(mnist?.found, true);
  assert.match(mnist?.location ?? '', /data[\\/]mnist$/);
  const fashion = list.find((d) => d.name === 'fashion-mnist');
  assert.ok(fashion?.searched.includes(FASHION_DIR));
  assert.equal(fashion?.hint, 'apt-get install dataset-fashion-mnist');
  assert.equal(fashion?.found, existsSync(FASHION_DIR));
});

test('searchDirs are searched first for a known dataset', async () => {
  const root = await makeTempDir();
  const tiny = await makeIdxDir();
  await rename(tiny, join(root, 'fashion-mnist'));
  assert.equal(candidateDirs('fashion-mnist', { searchDirs: [root] })[0], join(root, 'fashion-mnist'));
  const loaded = await loadDataset('fashion-mnist', { searchDirs: [root] });
  assert.equal(loaded.location, join(root, 'fashion-mnist'));
  assert.equal(loaded.train.count, 6);
  assert.equal(loaded.classNames[0], 'T-shirt/top');
});

test('a searchDirs entry holding an incomplete copy is skipped', async () => {
  const root = await makeTempDir();
  await mkdir(join(root, 'mnist'));
  const list = await describeDatasets({ searchDirs: [root] });
  const mnist = list.find((d) => d.name === 'mnist');
  assert.equal(mnist?.searched[0], join(root, 'mnist'));
  assert.notEqual(mnist?.location, join(root, 'mnist'));
});

test('loadDataset with a directory path loads the IDX files there, named after the directory', async () => {
  const dir = await makeIdxDir();
  const loaded = await loadDataset(dir);
  assert.equal(loaded.train.count, 6);
  assert.equal(loaded.name, dir.split('/').pop());
});

test('an unknown dataset name that is not a directory lists the known datasets', async () => {
  await assert.rejects(loadDataset('cifar-11'), (e: unknown) => {
    assert.ok(e instanceof UnknownNameError);
    assert.equal(e.message, "unknown dataset 'cifar-11'; known: mnist, fashion-mnist; 'cifar-11' is not a directory of IDX files either");
    return true;
  });
});

test('a dataset path that does not exist gives NotFoundError', async () => {
  await assert.rejects(loadDataset('./no/such/dir'), NotFoundError);
});

test('a known dataset found nowhere gives NotFoundError with the searched directories and the hint', async () => {
  const empty = await makeTempDir();
  setPlatform({ ...nodePlatform, bundledDataDir: () => null, systemDataDirs: () => [empty] });
  try {
    await assert.rejects(loadDataset('fashion-mnist'), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(
        e.message,
        `dataset 'fashion-mnist' not found; looked for its four IDX files in: ${join(empty, 'fashion-mnist')}; to get it: apt-get install dataset-fashion-mnist`,
      );
      return true;
    });
  } finally {
    setPlatform(nodePlatform);
  }
});
