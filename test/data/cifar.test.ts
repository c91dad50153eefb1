import '../../src/platform/node.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError, NotFoundError } from '../../src/errors.js';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR100_COARSE_CLASS_NAMES,
  CIFAR100_FINE_CLASS_NAMES,
  loadCifar10Directory,
  loadCifar100Directory,
} from '../../src/data/cifar.js';
import { cifarRecord, concat, makeCifar10Dir, planarValue } from './cifar-fixtures.js';
import { makeTempDir } from './fixtures.js';

test('CIFAR-10 records stored as R, G, B planes come out interleaved NHWC, byte for byte, with their labels', async () => {
  const dir = await makeCifar10Dir();
  const { train, test: testSet } = await loadCifar10Directory(dir);
  assert.equal(train.name, 'cifar10/train');
  assert.equal(train.count, 10);
  assert.equal(testSet.count, 3);
  assert.deepEqual([train.height, train.width, train.channels], [32, 32, 3]);
  assert.equal(train.images.length, 10 * 3072);
  // Batches are concatenated in order 1..5, two records each.
  assert.deepEqual(Array.from(train.labels), [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
  assert.deepEqual(Array.from(testSet.labels), [9, 0, 3]);
  const seeds = [10, 11, 20, 21, 30, 31, 40, 41, 50, 51];
  for (let i = 0; i < train.count; i++) {
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) {
        const actual = train.images[i * 3072 + p * 3 + c];
        if (actual !== planarValue(seeds[i], c, p)) assert.fail(`image ${i} pixel ${p} channel ${c}: expected ${planarValue(seeds[i], c, p)}, got ${actual}`);
      }
    }
  }
  // Pixel (row 1, col 2) of the first test image: planar index 1*32+2 in each plane.
  assert.deepEqual(Array.from(testSet.images.subarray(34 * 3, 34 * 3 + 3)), [0, 1, 2].map((c) => planarValue(100, c, 34)));
});

test('CIFAR-10 class names come from batches.meta.txt, or are the official ten when it is absent', async () => {
  const withMeta = await loadCifar10Directory(await makeCifar10Dir());
  assert.deepEqual(withMeta.train.classNames, CIFAR10_CLASS_NAMES);
  assert.equal(CIFAR10_CLASS_NAMES[0], 'airplane');
  assert.equal(CIFAR10_CLASS_NAMES[9], 'truck');
  const renamed = await loadCifar10Directory(await makeCifar10Dir({ 'batches.meta.txt': 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n' }));
  assert.deepEqual(renamed.train.classNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  const noMeta = await loadCifar10Directory(await makeCifar10Dir({ 'batches.meta.txt': null }));
  assert.deepEqual(noMeta.test.classNames, CIFAR10_CLASS_NAMES);
});

test('a batches.meta.txt with the wrong number of names is a FormatError naming the file', async () => {
  const dir = await makeCifar10Dir({ 'batches.meta.txt': 'cat\ndog\n' });
  await assert.rejects(loadCifar10Directory(dir), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(e.message, `${join(dir, 'batches.meta.txt')}: expected 10 class names, one per line, found 2 lines`);
    return true;
  });
});

test('a CIFAR-10 file that is not a whole number of 3073-byte records is a truncated-record FormatError with the file and byte count', async () => {
  const truncated = concat([cifarRecord([1], 1), cifarRecord([2], 2)]).subarray(0, 3073 + 1000);
  const dir = await makeCifar10Dir({ 'data_batch_3.bin': truncated });
  await assert.rejects(loadCifar10Directory(dir), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(e.code, 'E_FORMAT');
    assert.equal(
      e.message,
      `${join(dir, 'data_batch_3.bin')}: truncated CIFAR record: expected a whole number of 3073-byte records (1 label byte + 3072 pixel bytes), found 4073 bytes (1 whole record and 1000 bytes left over)`,
    );
    return true;
  });
});

test('an empty CIFAR file is a FormatError, not an empty dataset', async () => {
  const dir = await makeCifar10Dir({ 'test_batch.bin': new Uint8Array(0) });
  await assert.rejects(loadCifar10Directory(dir), (e: unknown) => e instanceof FormatError && e.message.includes('test_batch.bin: empty file'));
});

test('a CIFAR-10 label of 10 is a FormatError naming the file, the record and the allowed range', async () => {
  const dir = await makeCifar10Dir({ 'test_batch.bin': concat([cifarRecord([3], 1), cifarRecord([10], 2)]) });
  await assert.rejects(loadCifar10Directory(dir), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(e.message, `${join(dir, 'test_batch.bin')}: record 1 (byte offset 3073): label is 10, expected 0..9`);
    return true;
  });
});

test('missing CIFAR-10 batch files are a NotFoundError listing what is missing and what the directory holds', async () => {
  const dir = await makeCifar10Dir({ 'data_batch_4.bin': null, 'test_batch.bin': null });
  await assert.rejects(loadCifar10Directory(dir), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    assert.match(e.message, /missing data_batch_4\.bin, test_batch\.bin; a CIFAR-10 binary directory holds data_batch_1\.bin, data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/);
    assert.match(e.message, /the directory holds: batches\.meta\.txt, data_batch_1\.bin, data_batch_2\.bin, data_batch_3\.bin, data_batch_5\.bin$/);
    return true;
  });
  await assert.rejects(loadCifar10Directory(join(dir, 'nope')), NotFoundError);
});

async function makeCifar100Dir(files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = await makeTempDir('fovea-cifar100-');
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

test('CIFAR-100 records (coarse, fine, pixels) load with fine labels by default and coarse labels on request', async () => {
  const dir = await makeCifar100Dir({
    'train.bin': concat([cifarRecord([4, 99], 7), cifarRecord([19, 0], 8)]),
    'test.bin': cifarRecord([0, 42], 9),
  });
  const fine = await loadCifar100Directory(dir);
  assert.equal(fine.train.count, 2);
  assert.deepEqual(Array.from(fine.train.labels), [99, 0]);
  assert.deepEqual(Array.from(fine.test.labels), [42]);
  assert.equal(fine.train.numClasses, 100);
  assert.equal(fine.train.classNames[99], 'worm');
  assert.equal(fine.train.images[3 * 5 + 2], planarValue(7, 2, 5));
  assert.equal(fine.test.images[0], planarValue(9, 0, 0));
  const coarse = await loadCifar100Directory(dir, { labels: 'coarse' });
  assert.deepEqual(Array.from(coarse.train.labels), [4, 19]);
  assert.equal(coarse.train.numClasses, 20);
  assert.equal(coarse.train.classNames[19], 'vehicles_2');
});

test('CIFAR-100 class names: 100 fine and 20 coarse, alphabetical, or read from fine_label_names.txt', async () => {
  assert.equal(CIFAR100_FINE_CLASS_NAMES.length, 100);
  assert.equal(CIFAR100_COARSE_CLASS_NAMES.length, 20);
  assert.deepEqual([...CIFAR100_FINE_CLASS_NAMES].sort(), CIFAR100_FINE_CLASS_NAMES);
  const names = Array.from({ length: 100 }, (_, i) => `class${i}`);
  const dir = await makeCifar100Dir({ 'train.bin': cifarRecord([0, 1], 1), 'test.bin': cifarRecord([0, 2], 2), 'fine_label_names.txt': names.join('\n') });
  assert.deepEqual((await loadCifar100Directory(dir)).train.classNames, names);
});

test('a CIFAR-100 file cut mid-record names the 3074-byte record size; a coarse label of 20 is out of range', async () => {
  const cut = await makeCifar100Dir({ 'train.bin': cifarRecord([0, 1], 1).subarray(0, 3073), 'test.bin': cifarRecord([0, 2], 2) });
  await assert.rejects(loadCifar100Directory(cut), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /train\.bin: truncated CIFAR record: expected a whole number of 3074-byte records \(2 label bytes \+ 3072 pixel bytes\), found 3073 bytes/);
    return true;
  });
  const badCoarse = await makeCifar100Dir({ 'train.bin': cifarRecord([20, 1], 1), 'test.bin': cifarRecord([0, 2], 2) });
  await assert.rejects(loadCifar100Directory(badCoarse), (e: unknown) => e instanceof FormatError && /record 0 \(byte offset 0\): coarse label is 20, expected 0\.\.19/.test(e.message));
  const missing = await makeCifar100Dir({ 'train.bin': cifarRecord([0, 1], 1) });
  await assert.rejects(loadCifar100Directory(missing), (e: unknown) => e instanceof NotFoundError && /missing test\.bin/.test(e.message));
});
