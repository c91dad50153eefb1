/**
 * End to end: `fovea augment-preview` writes a PNG grid (decoded back here) of MNIST digits and
 * augmented variants, reproducibly for a seed, and refuses a bad --augment with a clear message.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { loadDataset } from '../../src/data/registry.js';
import { makeTempDir, MNIST_DIR, removeTempDirs, runFails, runJson, runOk } from './run-cli.js';

let work: string;

before(async () => {
  work = await makeTempDir('fovea-augment-preview-');
});

after(removeTempDirs);

/** Width or height of a grid of `tiles` tiles of `tile` px: 2 px gaps, 6 px more after the first column. */
const span = (tiles: number, tile: number, firstGap: number): number => tiles * tile + (tiles + 1) * 2 + firstGap;

test('writes a PNG grid of the expected size whose first column is the original images', async () => {
  const out = join(work, 'grid.png');
  const { json } = await runJson(['augment-preview', '--dataset', 'mnist', '--augment', 'crop:4,flip,rotate:15', '--out', out, '--count', '3', '--variants', '2', '--json']);
  const png = PNG.sync.read(await readFile(out));
  assert.equal(png.width, span(3, 84, 6));
  assert.equal(png.height, span(3, 84, 0));
  assert.deepEqual(
    { rows: json.rows, columns: json.columns, magnify: json.magnify, width: json.width, height: json.height, dataset: json.dataset, seed: json.seed },
    { rows: 3, columns: 3, magnify: 3, width: png.width, height: png.height, dataset: 'mnist', seed: 0 },
  );
  const { train } = await loadDataset(MNIST_DIR);
  for (let r = 0; r < 3; r++) {
    for (let y = 0; y < 84; y++) {
      for (let x = 0; x < 84; x++) {
        const expected = train.images[r * 784 + Math.floor(y / 3) * 28 + Math.floor(x / 3)];
        const i = ((2 + r * 86 + y) * png.width + 2 + x) * 4;
        assert.deepEqual([...png.data.subarray(i, i + 4)], [expected, expected, expected, 255], `row ${r} original at (${x}, ${y})`);
      }
    }
  }
  assert.deepEqual(await readdir(work), ['grid.png'], 'no temporary file left behind');
});

test('the same seed gives the same PNG, another seed a different one; --magnify sets the tile size', async () => {
  const args = (file: string, seed: string) => ['augment-preview', '--dataset', 'mnist', '--augment', 'rotate:20,noise:0.05', '--out', join(work, file), '--count', '2', '--variants', '3', '--seed', seed, '--magnify', '1'];
  const r = await runOk(args('a.png', '7'));
  assert.match(r.stdout, /wrote .*a\.png \(\d+×\d+ px\): 2 mnist train images, each followed by 3 variants of 'rotate:20,noise:0\.05' \(seed 7\)/);
  await runOk(args('b.png', '7'));
  await runOk(args('c.png', '8'));
  const [a, b, c] = await Promise.all(['a.png', 'b.png', 'c.png'].map((f) => readFile(join(work, f))));
  assert.ok(a.equals(b), 'same seed, same bytes');
  assert.ok(!a.equals(c), 'another seed, other variants');
  const png = PNG.sync.read(a);
  assert.equal(png.width, span(4, 28, 6));
  assert.equal(png.height, span(2, 28, 0));
});

test('an unknown augmentation fails with the valid names and forms, and writes nothing', async () => {
  const out = join(work, 'bad.png');
  const stderr = await runFails(['augment-preview', '--dataset', 'mnist', '--augment', 'crop:4,wobble', '--out', out]);
  assert.match(stderr, /E_UNKNOWN_NAME.*unknown augmentation 'wobble'; known: crop, flip, altflip, rotate, translate, scale, brightness, contrast, noise, cutout/);
  assert.match(stderr, /crop:PAD\[:zero\|reflect\]/);
  await assert.rejects(readFile(out), { code: 'ENOENT' });
});

test('a bad augmentation argument fails with the expected form', async () => {
  const stderr = await runFails(['augment-preview', '--dataset', 'mnist', '--augment', 'rotate:lots', '--out', join(work, 'bad.png')]);
  assert.match(stderr, /E_ARGUMENT.*augmentation 'rotate:lots': bad DEGREES 'lots' \(not a number\); expected rotate:DEGREES/);
});

test('bad counts are refused by the flag parser', async () => {
  const stderr = await runFails(['augment-preview', '--dataset', 'mnist', '--augment', 'flip', '--out', join(work, 'bad.png'), '--variants', '0']);
  assert.match(stderr, /--variants.*expected a positive integer, got '0'/);
});

test('--help lists the augmentations and their forms', async () => {
  const r = await runOk(['augment-preview', '--help']);
  for (const form of ['crop:PAD[:zero|reflect]', 'flip[:P]', 'rotate:DEGREES', 'translate:PIXELS|FRACTION', 'scale:MIN-MAX', 'brightness:DELTA', 'contrast:DELTA', 'noise:STD', 'cutout:SIZE']) {
    assert.ok(r.stdout.includes(form), `help mentions ${form}`);
  }
});
