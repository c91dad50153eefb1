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
import { CIFAR10_CLASS_NAMES } from '../../src/data/cifar.js';
import { DatasetError } from '../../src/errors.js';
import { jpegBytes, makeCifar10Dir, planarValue, pngBytes, solid, writeTree } from './cifar-fixtures.js';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

test('the registry knows mnist, fashion-mnist, cifar10 and cifar100 with their class names', () => {
  assert.deepEqual(knownDatasets.map((d) => d.name), ['mnist', 'fashion-mnist', 'cifar10', 'cifar100']);
  assert.deepEqual(knownDatasets.find((d) => d.name === 'cifar10')?.classNames, CIFAR10_CLASS_NAMES);
  assert.equal(knownDatasets.find((d) => d.name === 'cifar100')?.classNames.length, 100);
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
    assert.equal(e.message, "unknown dataset 'cifar-11'; known: mnist, fashion-mnist, cifar10, cifar100, folder:DIR; 'cifar-11' is not a directory of IDX files either");
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

/** A cifar10-jpg copy under `root`: one 32x32 JPEG per class in train/ and in test/. */
async function makeCifarJpegCopy(root: string, classNames: readonly string[] = CIFAR10_CLASS_NAMES): Promise<string> {
  const files: Record<string, Uint8Array> = {};
  classNames.forEach((name, i) => {
    files[`cifar10-jpg/train/${name}/0000.jpg`] = jpegBytes(32, 32, solid([i * 25, 100, 200 - i * 20]));
    files[`cifar10-jpg/test/${name}/0000.jpg`] = jpegBytes(32, 32, solid([i * 25, 100, 200 - i * 20]));
  });
  await writeTree(root, files);
  return join(root, 'cifar10-jpg');
}

/** Runs `fn` with no bundled or system dataset folders, so only searchDirs count. */
async function withOnlySearchDirs<T>(fn: () => Promise<T>): Promise<T> {
  const empty = await makeTempDir();
  setPlatform({ ...nodePlatform, bundledDataDir: () => null, systemDataDirs: () => [empty] });
  try {
    return await fn();
  } finally {
    setPlatform(nodePlatform);
  }
}

test('cifar10 is found as the official cifar-10-batches-bin directory in a search directory', async () => {
  const root = await makeTempDir();
  const dir = await makeCifar10Dir({}, root);
  const loaded = await loadDataset('cifar10', { searchDirs: [root] });
  assert.equal(loaded.location, dir);
  assert.equal(loaded.format, 'cifar10-binary');
  assert.deepEqual(loaded.classNames, CIFAR10_CLASS_NAMES);
  assert.equal(loaded.train.count, 10);
  assert.equal(loaded.train.name, 'cifar10/train');
  assert.equal(loaded.train.images[1], planarValue(10, 1, 0));
});

test('cifar10 is found as the JPEG copy cifar10-jpg (train/ and test/ class folders), at 32x32x3 with the class names airplane … truck', async () => {
  const root = await makeTempDir();
  const dir = await makeCifarJpegCopy(root);
  const loaded = await loadDataset('cifar10', { searchDirs: [root] });
  assert.equal(loaded.location, dir);
  assert.equal(loaded.format, 'image-folder');
  assert.deepEqual(loaded.classNames, CIFAR10_CLASS_NAMES);
  assert.deepEqual([loaded.train.count, loaded.test.count], [10, 10]);
  assert.deepEqual([loaded.train.height, loaded.train.width, loaded.train.channels], [32, 32, 3]);
  assert.deepEqual(Array.from(loaded.test.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(loaded.warnings, []);
  const described = (await describeDatasets({ searchDirs: [root] })).find((d) => d.name === 'cifar10');
  assert.equal(described?.found, true);
  assert.equal(described?.format, 'image-folder');
  assert.equal(described?.location, dir);
});

test('the binary release is preferred to the JPEG copy in the same search directory', async () => {
  const root = await makeTempDir();
  await makeCifarJpegCopy(root);
  await makeCifar10Dir({}, root);
  const loaded = await loadDataset('cifar10', { searchDirs: [root] });
  assert.equal(loaded.format, 'cifar10-binary');
  assert.deepEqual(candidateDirs('cifar10', { searchDirs: [root] }).slice(0, 2), [join(root, 'cifar-10-batches-bin'), join(root, 'cifar10-jpg')]);
});

test('a cifar10-jpg copy whose class folders are not the ten CIFAR-10 classes is a DatasetError', async () => {
  const root = await makeTempDir();
  await makeCifarJpegCopy(root, ['cat', 'dog']);
  await assert.rejects(loadDataset('cifar10', { searchDirs: [root] }), (e: unknown) => e instanceof DatasetError && /expected the cifar10 class folders airplane, automobile, .*, found cat, dog/.test(e.message));
});

test('cifar10 found nowhere gives NotFoundError naming both forms, the searched directories and how to unpack the JPEG copy', async () => {
  const root = await makeTempDir();
  await withOnlySearchDirs(async () => {
    await assert.rejects(loadDataset('cifar10', { searchDirs: [root] }), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.match(e.message, /^dataset 'cifar10' not found; looked for data_batch_1\.\.5\.bin and test_batch\.bin or train\/ and test\/ class folders of images in: /);
      assert.ok(e.message.includes(`${join(root, 'cifar-10-batches-bin')}, ${join(root, 'cifar10-jpg')}`));
      assert.ok(e.message.includes("tar -xzf ../shared/data/cifar10-jpg.tar.gz -C <dir>"));
      return true;
    });
    const list = await describeDatasets({ searchDirs: [root] });
    const cifar100 = list.find((d) => d.name === 'cifar100');
    assert.equal(cifar100?.found, false);
    assert.equal(cifar100?.format, null);
    assert.equal(cifar100?.searched[0], join(root, 'cifar-100-binary'));
  });
});

test('folder:DIR loads an image folder, fitted to imageSize, with its skipped-file warnings', async () => {
  const root = await writeTree(await makeTempDir(), {
    'train/ant/1.png': pngBytes(4, 4, solid([10, 20, 30])),
    'train/bee/2.png': pngBytes(2, 2, solid([40, 50, 60])),
    'train/bee/oops.txt': 'x',
    'test/ant/3.png': pngBytes(4, 4, solid([70, 80, 90])),
  });
  const loaded = await loadDataset(`folder:${root}`, { imageSize: { height: 3, width: 3, channels: 1 }, cache: false });
  assert.equal(loaded.format, 'image-folder');
  assert.deepEqual(loaded.classNames, ['ant', 'bee']);
  assert.deepEqual([loaded.train.height, loaded.train.width, loaded.train.channels], [3, 3, 1]);
  assert.deepEqual(loaded.warnings, ['skipped train/bee/oops.txt: not a .png/.jpg/.jpeg file']);
  await assert.rejects(loadDataset('folder:'), NotFoundError);
});

test('folder:DIR without train/ and test/ holds out valSplit of each class with the given seed', async () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 4; i++) {
    files[`a/${i}.png`] = pngBytes(1, 1, solid([i, 0, 0]));
    files[`b/${i}.png`] = pngBytes(1, 1, solid([0, i, 0]));
  }
  const root = await writeTree(await makeTempDir(), files);
  const loaded = await loadDataset(`folder:${root}`, { valSplit: 0.25, seed: 3, cache: false });
  assert.deepEqual(labelCounts(loaded.test), [1, 1]);
  assert.deepEqual(labelCounts(loaded.train), [3, 3]);
});

test('a directory path holding a CIFAR-10 binary release loads as CIFAR; an image folder path suggests folder:DIR', async () => {
  const dir = await makeCifar10Dir();
  const loaded = await loadDataset(dir);
  assert.equal(loaded.format, 'cifar10-binary');
  assert.equal(loaded.test.count, 3);
  const images = await writeTree(await makeTempDir(), { 'cat/1.png': pngBytes(1, 1, solid([1, 2, 3])) });
  await assert.rejects(loadDataset(images), (e: unknown) => e instanceof NotFoundError && e.message.endsWith(`; if it is a folder of images, load it as 'folder:${images}'`));
});
