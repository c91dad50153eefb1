/**
 * `fovea train` on colour image folders with the data flags: --dataset folder:DIR, --image-size,
 * --test-split, --augment, --normalize per-channel (stored in model.json, so predict applies it).
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { makeTempDir, removeTempDirs, runFails, runJson } from './run-cli.js';

after(removeTempDirs);

let root: string;

/** Two classes of 10×12 PNGs: reddish squares and bluish squares, plus a text file to skip. */
before(async () => {
  root = join(await makeTempDir('fovea-folder-'), 'shapes');
  for (const [name, rgb] of [['blue', [20, 40, 220]], ['red', [220, 30, 20]]] as const) {
    await mkdir(join(root, name), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const png = new PNG({ width: 12, height: 10 });
      for (let p = 0; p < 120; p++) {
        png.data.set([rgb[0] + i, rgb[1] + ((p * 7) % 30), rgb[2] - i, 255], 4 * p);
      }
      await writeFile(join(root, name, `${i}.png`), PNG.sync.write(png));
    }
  }
  await writeFile(join(root, 'red', 'notes.txt'), 'not an image');
});

test('train on folder:DIR with --image-size, --test-split, --augment and --normalize per-channel: saved model records them; a non-image file is skipped with a warning', async () => {
  const out = join(await makeTempDir(), 'model');
  const { json, result } = await runJson([
    '--backend', 'js', 'train', '--model', 'mlp', '--dataset', `folder:${root}`, '--image-size', '8,8,3', '--test-split', '0.25',
    '--augment', 'flip,crop:1', '--normalize', 'per-channel', '--epochs', '2', '--batch-size', '6', '--out', out, '--json',
  ]);
  assert.match(result.stderr, /warning: .*notes\.txt/);
  assert.equal(json.trainImages, 18);
  assert.equal(json.test.count ?? json.test.images ?? 6, 6);
  const saved = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
  assert.deepEqual(saved.architecture.inputShape, [8, 8, 3]);
  assert.deepEqual(saved.classNames, ['blue', 'red']);
  assert.equal(saved.training.augment, 'flip,crop:1');
  const norm = saved.inputNormalization;
  assert.equal(norm.mean.length, 3);
  assert.ok(norm.mean[0] > 0.3 && norm.mean[0] < 0.6, `red mean ${norm.mean[0]}`);
  assert.ok(norm.std.every((s: number) => s > 0.01) && norm.std[0] > 0.3, `stds ${norm.std}`);
});

test('a bad --augment or --normalize exits with code 2 before loading data, naming the valid forms', async () => {
  assert.match(await runFails(['train', '--augment', 'wobble:3']), /unknown augmentation 'wobble'|wobble.*crop/);
  assert.match(await runFails(['train', '--augment', 'rotate:abc']), /rotate/);
  assert.match(await runFails(['train', '--normalize', 'zscore']), /expected none or per-channel, got 'zscore'/);
  assert.match(await runFails(['train', '--image-size', '8,8,2']), /channels 1 or 3/);
});
