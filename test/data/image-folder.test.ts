import { nodePlatform } from '../../src/platform/node.js';
import { setPlatform } from '../../src/platform/platform.js';
import type { Platform } from '../../src/platform/platform.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError, NotFoundError } from '../../src/errors.js';
import { take } from '../../src/data/batches.js';
import { labelCounts } from '../../src/data/dataset.js';
import { CACHE_FOLDER, loadImageFolder } from '../../src/data/image-folder.js';
import { jpegBytes, pngBytes, solid, writeTree } from './cifar-fixtures.js';
import { makeTempDir } from './fixtures.js';

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];

/** Runs `fn` with a platform whose decodeImage counts its calls (and `extra` overrides). */
async function withCountingPlatform<T>(fn: (calls: () => number) => Promise<T>, extra: Partial<Platform> = {}): Promise<T> {
  let calls = 0;
  setPlatform({
    ...nodePlatform,
    decodeImage: (bytes, name) => {
      calls++;
      return nodePlatform.decodeImage(bytes, name);
    },
    ...extra,
  });
  try {
    return await fn(() => calls);
  } finally {
    setPlatform(nodePlatform);
  }
}

/** A train/test folder of 2x2 PNGs: classes 'cat' (red) and 'dog' (green), plus a 'bird' (blue) in train only. */
async function makeSplitFolder(): Promise<string> {
  const root = await makeTempDir('fovea-folder-');
  return writeTree(root, {
    'train/dog/a.png': pngBytes(2, 2, solid(GREEN)),
    'train/dog/b.png': pngBytes(2, 2, solid(GREEN)),
    'train/cat/x.png': pngBytes(2, 2, solid(RED)),
    'train/bird/1.png': pngBytes(2, 2, solid(BLUE)),
    'test/cat/y.png': pngBytes(2, 2, solid(RED)),
    'test/dog/c.PNG': pngBytes(2, 2, solid(GREEN)),
    'README.md': 'ignored: plain files beside the class folders',
  });
}

function pixel(images: Uint8Array, index: number, size: number, channels: number): number[] {
  return Array.from(images.subarray(index * size, index * size + channels));
}

test('an image folder with train/ and test/ gives sorted class names, labels in folder order and exact PNG pixels', async () => {
  const root = await makeSplitFolder();
  const ds = await loadImageFolder(root, { name: 'pets' });
  assert.deepEqual(ds.classNames, ['bird', 'cat', 'dog']);
  assert.equal(ds.split, 'folders');
  assert.equal(ds.train.name, 'pets/train');
  assert.equal(ds.test.name, 'pets/test');
  assert.deepEqual([ds.train.height, ds.train.width, ds.train.channels], [2, 2, 3]);
  assert.deepEqual(Array.from(ds.train.labels), [0, 1, 2, 2]);
  assert.deepEqual(Array.from(ds.test.labels), [1, 2]);
  assert.deepEqual(labelCounts(ds.test), [0, 1, 1]);
  assert.deepEqual(pixel(ds.train.images, 0, 12, 12), [...BLUE, ...BLUE, ...BLUE, ...BLUE]);
  assert.deepEqual(pixel(ds.train.images, 1, 12, 3), RED);
  assert.deepEqual(pixel(ds.test.images, 1, 12, 3), GREEN);
  assert.deepEqual(ds.warnings, []);
});

test('train and test come in class-interleaved order (each class in file order), so the first images cover every class', async () => {
  const root = await makeTempDir('fovea-folder-');
  // Class k's i-th file is grey level 10·k + i, so each image says where it came from.
  const files: Record<string, Uint8Array> = {};
  for (const [k, cls] of ['ant', 'bee', 'cow'].entries()) {
    for (let i = 0; i < (cls === 'bee' ? 2 : 4); i++) files[`train/${cls}/${i}.png`] = pngBytes(2, 2, solid([10 * k + i, 10 * k + i, 10 * k + i]));
    files[`test/${cls}/0.png`] = pngBytes(2, 2, solid([10 * k, 10 * k, 10 * k]));
  }
  const ds = await loadImageFolder(await writeTree(root, files), { channels: 1 });
  assert.deepEqual(Array.from(ds.train.labels), [0, 1, 2, 0, 1, 2, 0, 2, 0, 2], 'bee runs out after two rounds');
  assert.deepEqual(Array.from({ length: ds.train.count }, (_, i) => ds.train.images[i * 4]), [0, 10, 20, 1, 11, 21, 2, 22, 3, 23]);
  assert.deepEqual(Array.from(take(ds.train, 3).labels), [0, 1, 2]);
  assert.deepEqual(Array.from(ds.test.labels), [0, 1, 2]);

  // A held-out test set (no train/ and test/) is interleaved as well.
  const flat: Record<string, Uint8Array> = {};
  for (const cls of ['ant', 'bee']) for (let i = 0; i < 10; i++) flat[`${cls}/${i}.png`] = pngBytes(2, 2, solid(cls === 'ant' ? RED : GREEN));
  const held = await loadImageFolder(await writeTree(await makeTempDir('fovea-folder-'), flat), { valSplit: 0.4 });
  assert.deepEqual(Array.from(held.test.labels), [0, 1, 0, 1, 0, 1, 0, 1]);
  assert.deepEqual(Array.from(held.train.labels), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
});

test('a non-image file and an undecodable .png are skipped with a warning each, and the rest loads', async () => {
  const root = await makeTempDir('fovea-folder-');
  await writeTree(root, {
    'cat/a.png': pngBytes(2, 2, solid(RED)),
    'cat/notes.txt': 'not an image',
    'cat/broken.png': 'this is not a PNG',
    'dog/b.png': pngBytes(2, 2, solid(GREEN)),
    'dog/c.png': pngBytes(2, 2, solid(GREEN)),
    'dog/nested/d.png': pngBytes(2, 2, solid(GREEN)),
    'dog/.DS_Store': 'hidden files are ignored silently',
  });
  const ds = await loadImageFolder(root, { valSplit: 0.5, cache: false });
  assert.equal(ds.train.count + ds.test.count, 3);
  assert.equal(ds.warnings.length, 3);
  assert.match(ds.warnings[0], /^skipped cat\/broken\.png: expected a PNG or JPEG image, found bytes starting 74 68 69 73$/);
  assert.equal(ds.warnings[1], 'skipped cat/notes.txt: not a .png/.jpg/.jpeg file');
  assert.match(ds.warnings[2], /^skipped dog\/nested: a folder inside a class folder/);
});

test('a class folder with no images is a DatasetError naming the folder', async () => {
  const root = await makeTempDir('fovea-folder-');
  await writeTree(root, { 'cat/a.png': pngBytes(2, 2, solid(RED)), 'dog': null });
  await assert.rejects(loadImageFolder(root, { cache: false }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.message, `${join(root, 'dog')}: class folder holds no readable image; expected at least one .png, .jpg or .jpeg`);
    return true;
  });
  const onlyBroken = await makeTempDir('fovea-folder-');
  await writeTree(onlyBroken, { 'cat/a.png': pngBytes(2, 2, solid(RED)), 'dog/b.jpg': 'garbage' });
  await assert.rejects(loadImageFolder(onlyBroken, { cache: false }), (e: unknown) => e instanceof DatasetError && e.message.includes(`${join(onlyBroken, 'dog')}: class folder holds no readable image (1 files skipped)`));
});

test('a folder with no readable image at all is a DatasetError; a missing folder is NotFoundError', async () => {
  const root = await makeTempDir('fovea-folder-');
  await writeTree(root, { 'cat/a.txt': 'x', 'dog/b.png': 'not a png' });
  await assert.rejects(loadImageFolder(root, { cache: false }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.match(e.message, /: no readable images in the class folders \(2 files skipped; first: skipped cat\/a\.txt: not a \.png\/\.jpg\/\.jpeg file\)$/);
    return true;
  });
  const flat = await makeTempDir('fovea-folder-');
  await writeTree(flat, { 'a.png': pngBytes(2, 2, solid(RED)) });
  await assert.rejects(loadImageFolder(flat), (e: unknown) => e instanceof DatasetError && /expected one sub-folder per class .* found only files \(a\.png\)/.test(e.message));
  await assert.rejects(loadImageFolder(join(root, 'nope')), NotFoundError);
});

test('test/ without train/, or a test class that train/ lacks, is a DatasetError', async () => {
  const onlyTest = await writeTree(await makeTempDir('fovea-folder-'), { 'test/cat/a.png': pngBytes(2, 2, solid(RED)) });
  await assert.rejects(loadImageFolder(onlyTest), (e: unknown) => e instanceof DatasetError && /has a test\/ folder but no train\/ folder/.test(e.message));
  const extraClass = await writeTree(await makeTempDir('fovea-folder-'), {
    'train/cat/a.png': pngBytes(2, 2, solid(RED)),
    'test/cow/b.png': pngBytes(2, 2, solid(RED)),
  });
  await assert.rejects(loadImageFolder(extraClass), (e: unknown) => e instanceof DatasetError && /class 'cow' is not among the classes of .*train \(cat\)/.test(e.message));
});

test('images of other sizes are resized to the target: uniform stays uniform, a wide image is centre-cropped, upscaling is bilinear', async () => {
  const ramp = (x: number) => [x * 255, 0, 0];
  const root = await writeTree(await makeTempDir('fovea-folder-'), {
    'a/big.png': pngBytes(8, 8, solid([10, 20, 30])),
    // Columns 0-1 red, 2-5 green, 6-7 blue: the centre 4x4 is all green.
    'a/wide.png': pngBytes(8, 4, (x) => (x < 2 ? RED : x < 6 ? GREEN : BLUE)),
    'b/small.png': pngBytes(2, 2, ramp),
  });
  const ds = await loadImageFolder(root, { height: 4, width: 4, channels: 3, valSplit: 0.5, cache: false });
  const all = [...Array.from({ length: ds.train.count }, (_, i) => ({ ds: ds.train, i })), ...Array.from({ length: ds.test.count }, (_, i) => ({ ds: ds.test, i }))];
  assert.equal(all.length, 3);
  assert.deepEqual([ds.train.height, ds.train.width], [4, 4]);
  const images = all.map(({ ds: part, i }) => Array.from(part.images.subarray(i * 48, (i + 1) * 48)));
  const find = (first: number[]) => images.find((img) => img.slice(0, 3).join() === first.join());
  assert.deepEqual(find([10, 20, 30]), new Array(16).fill([10, 20, 30]).flat());
  assert.deepEqual(find(GREEN), new Array(16).fill(GREEN).flat());
  // 2 → 4 pixels: output centres at source 0.25, 0.75, 1.25, 1.75 (pixel centres 0.5, 1.5).
  const up = find([0, 0, 0]);
  assert.ok(up);
  assert.deepEqual([0, 1, 2, 3].map((x) => up[x * 3]), [0, 64, 191, 255]);
  assert.deepEqual([0, 1, 2, 3].map((y) => up[(y * 4 + 2) * 3]), [191, 191, 191, 191]);
});

test('without a target the first image sets the size; a grey PNG in a colour dataset becomes R = G = B', async () => {
  const root = await writeTree(await makeTempDir('fovea-folder-'), {
    'train/a/1.png': pngBytes(3, 2, solid([200, 100, 50])),
    'train/b/2.png': pngBytes(6, 4, solid([77, 0, 0]), { grey: true }),
    'test/a/3.png': pngBytes(3, 2, solid([1, 2, 3])),
  });
  const ds = await loadImageFolder(root, { cache: false });
  assert.deepEqual([ds.train.height, ds.train.width, ds.train.channels], [2, 3, 3]);
  assert.deepEqual(pixel(ds.train.images, 1, 18, 18), new Array(6).fill([77, 77, 77]).flat());
});

test('to one channel: colour images become their BT.601 luma; an all-grey folder defaults to one channel', async () => {
  const root = await writeTree(await makeTempDir('fovea-folder-'), {
    'train/a/1.png': pngBytes(2, 2, solid([255, 0, 0])),
    'train/b/2.png': pngBytes(2, 2, solid([90, 90, 90]), { grey: true }),
    'test/a/3.png': pngBytes(2, 2, solid([0, 0, 255])),
  });
  const grey = await loadImageFolder(root, { channels: 1, cache: false });
  assert.equal(grey.train.channels, 1);
  assert.deepEqual(Array.from(grey.train.images), [76, 76, 76, 76, 90, 90, 90, 90]);
  assert.deepEqual(Array.from(grey.test.images), [29, 29, 29, 29]);
  const allGrey = await writeTree(await makeTempDir('fovea-folder-'), {
    'x/1.png': pngBytes(2, 2, (x, y) => [x * 100 + y, 0, 0], { grey: true }),
    'x/2.png': pngBytes(2, 2, solid([5, 5, 5])),
    'y/3.png': pngBytes(2, 2, solid([7, 7, 7])),
    'y/4.png': pngBytes(2, 2, solid([9, 9, 9]), { grey: true }),
  });
  const auto = await loadImageFolder(allGrey, { valSplit: 0.5, cache: false });
  assert.equal(auto.train.channels, 1);
  const pixels = [...auto.train.images, ...auto.test.images].sort((p, q) => p - q);
  assert.deepEqual(pixels, [0, 1, 5, 5, 5, 5, 7, 7, 7, 7, 9, 9, 9, 9, 100, 101]);
  // One colour image anywhere keeps three channels.
  await writeFile(join(allGrey, 'y', '5.png'), pngBytes(2, 2, solid([9, 8, 9])));
  assert.equal((await loadImageFolder(allGrey, { valSplit: 0.5, cache: false })).train.channels, 3);
});

test('JPEG files decode through the platform and keep their colour within JPEG error', async () => {
  const root = await writeTree(await makeTempDir('fovea-folder-'), {
    'train/red/a.jpg': jpegBytes(8, 8, solid([220, 30, 40])),
    'train/blue/b.jpeg': jpegBytes(8, 8, solid([20, 40, 200])),
    'test/red/c.JPG': jpegBytes(8, 8, solid([220, 30, 40])),
  });
  const ds = await loadImageFolder(root, { cache: false });
  assert.deepEqual(ds.classNames, ['blue', 'red']);
  const [r, g, b] = pixel(ds.test.images, 0, 192, 3);
  assert.ok(Math.abs(r - 220) <= 3 && Math.abs(g - 30) <= 3 && Math.abs(b - 40) <= 3, `got ${r}, ${g}, ${b}`);
});

test('the decode cache is written on the first load and reused on the second without decoding any image', async () => {
  const root = await makeSplitFolder();
  const first = await withCountingPlatform(async (calls) => {
    const ds = await loadImageFolder(root);
    assert.equal(calls(), 6);
    return ds;
  });
  assert.equal(first.cache.hit, false);
  assert.equal(first.cache.decoded, 6);
  assert.equal(first.cache.path, join(root, CACHE_FOLDER, 'image-folder-autoxautoxauto.bin'));
  assert.ok(existsSync(first.cache.path));
  const second = await withCountingPlatform(async (calls) => {
    const ds = await loadImageFolder(root);
    assert.equal(calls(), 0);
    return ds;
  });
  assert.equal(second.cache.hit, true);
  assert.equal(second.cache.decoded, 0);
  assert.deepEqual(second.classNames, first.classNames);
  assert.deepEqual(Array.from(second.train.images), Array.from(first.train.images));
  assert.deepEqual(Array.from(second.test.labels), Array.from(first.test.labels));
  // Another target size is another cache file.
  const resized = await loadImageFolder(root, { height: 3, width: 3, channels: 3 });
  assert.equal(resized.cache.hit, false);
  assert.deepEqual((await readdir(join(root, CACHE_FOLDER))).sort(), ['image-folder-3x3x3.bin', 'image-folder-autoxautoxauto.bin']);
});

test('the cache is rebuilt when an image changes, is added or is removed', async () => {
  const root = await makeSplitFolder();
  await loadImageFolder(root);
  // Same size, new content and a new modification time.
  const changed = join(root, 'train', 'cat', 'x.png');
  await writeFile(changed, pngBytes(2, 2, solid([1, 2, 3])));
  await utimes(changed, new Date(2001, 1, 1), new Date(2001, 1, 1));
  const afterChange = await withCountingPlatform(async (calls) => {
    const ds = await loadImageFolder(root);
    assert.equal(calls(), 6);
    return ds;
  });
  assert.equal(afterChange.cache.hit, false);
  assert.deepEqual(pixel(afterChange.train.images, 1, 12, 3), [1, 2, 3]);
  assert.equal((await loadImageFolder(root)).cache.hit, true);
  await writeFile(join(root, 'test', 'cat', 'z.png'), pngBytes(2, 2, solid(RED)));
  const afterAdd = await loadImageFolder(root);
  assert.equal(afterAdd.cache.hit, false);
  assert.equal(afterAdd.test.count, 3);
});

test('skipped-file warnings are kept in the cache and repeated on a cached load', async () => {
  const root = await writeTree(await makeTempDir('fovea-folder-'), {
    'train/a/1.png': pngBytes(2, 2, solid(RED)),
    'train/a/bad.jpg': 'not a jpeg',
    'test/a/2.png': pngBytes(2, 2, solid(RED)),
  });
  const first = await loadImageFolder(root);
  const second = await loadImageFolder(root);
  assert.equal(second.cache.hit, true);
  assert.equal(first.warnings.length, 1);
  assert.deepEqual(second.warnings, first.warnings);
});

test('a corrupt cache file is ignored with a warning and rebuilt', async () => {
  const root = await makeSplitFolder();
  const first = await loadImageFolder(root);
  const path = first.cache.path ?? assert.fail('no cache path');
  await writeFile(path, 'FOVEAIMG\u0010\u0000\u0000\u0000{"version":1');
  const again = await loadImageFolder(root);
  assert.equal(again.cache.hit, false);
  assert.match(again.warnings[0], /ignored the unreadable decode cache .*header of 16 bytes runs past the end/);
  assert.equal((await loadImageFolder(root)).cache.hit, true);
});

test('when the folder is not writable the cache goes to the platform cache folder', async () => {
  const root = await makeSplitFolder();
  const userCache = await makeTempDir('fovea-user-cache-');
  const readOnlyRoot: Partial<Platform> = {
    cacheDir: () => userCache,
    writeFileAtomic: async (path, data) => {
      if (path.startsWith(root)) throw new Error(`EROFS: read-only file system, open '${path}'`);
      return nodePlatform.writeFileAtomic(path, data);
    },
  };
  const first = await withCountingPlatform(() => loadImageFolder(root), readOnlyRoot);
  assert.ok(first.cache.path?.startsWith(join(userCache, 'image-folders')), String(first.cache.path));
  assert.deepEqual(first.warnings, []);
  const second = await withCountingPlatform(async (calls) => {
    const ds = await loadImageFolder(root);
    assert.equal(calls(), 0);
    return ds;
  }, readOnlyRoot);
  assert.equal(second.cache.hit, true);
  const nowhere = await withCountingPlatform(() => loadImageFolder(root, { height: 1, width: 1 }), { ...readOnlyRoot, cacheDir: () => null });
  assert.equal(nowhere.cache.path, null);
  assert.match(nowhere.warnings[0], /^could not write the decode cache, so the next load decodes again: .*EROFS/);
});

test('without train/ and test/, valSplit holds out that fraction of each class, seeded; changing it reuses the cache', async () => {
  const files: Record<string, Uint8Array> = {};
  for (const [cls, colour] of [['a', RED], ['b', GREEN]] as const) {
    for (let i = 0; i < 5; i++) files[`${cls}/${i}.png`] = pngBytes(1, 1, solid(colour.map((v) => Math.max(0, v - i))));
  }
  const root = await writeTree(await makeTempDir('fovea-folder-'), files);
  const ds = await loadImageFolder(root, { valSplit: 0.4, seed: 1 });
  assert.equal(ds.split, 'held-out');
  assert.deepEqual(labelCounts(ds.test), [2, 2]);
  assert.deepEqual(labelCounts(ds.train), [3, 3]);
  const same = await loadImageFolder(root, { valSplit: 0.4, seed: 1 });
  assert.deepEqual(Array.from(same.test.images), Array.from(ds.test.images));
  const defaults = await loadImageFolder(root);
  assert.equal(defaults.cache.hit, true);
  assert.deepEqual(labelCounts(defaults.test), [1, 1]);
});
