/**
 * The CLI takes a zipped model directory wherever it takes a model directory: `eval` and
 * `predict` on the zip answer exactly as on the directory, and a missing or damaged zip is a
 * one-line typed error.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { readIdxFile } from '../../src/data/idx.js';
import { modelToZip, saveModel } from '../../src/io/index.js';
import { createZooModel } from '../../src/models/index.js';
import { MNIST_DIR, makeTempDir, removeTempDirs, runFails, runJson } from './run-cli.js';

let modelDir: string;
let modelZip: string;
let digitPng: string;

before(async () => {
  const dir = await makeTempDir();
  const model = createZooModel('seed-cnn', { seed: 4 });
  model.classNames = Array.from({ length: 10 }, (_, i) => String(i));
  modelDir = join(dir, 'model');
  modelZip = join(dir, 'model.zip');
  await saveModel(model, modelDir);
  await writeFile(modelZip, modelToZip(model, { folder: 'seed-cnn-mnist' }));

  const images = await readIdxFile(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  const png = new PNG({ width: 28, height: 28 });
  const pixels = (images.data as Uint8Array).subarray(0, 784);
  for (let i = 0; i < 784; i++) png.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
  digitPng = join(dir, 'digit.png');
  await writeFile(digitPng, PNG.sync.write(png, { colorType: 0 }));
});

after(removeTempDirs);

test('eval and predict on a model zip answer exactly as on its directory', async () => {
  const evalArgs = ['--limit', '50', '--json'];
  const { json: fromDir } = await runJson(['eval', modelDir, ...evalArgs]);
  const { json: fromZip } = await runJson(['eval', modelZip, ...evalArgs]);
  assert.equal(fromZip.model, modelZip);
  assert.deepEqual({ ...fromZip, model: null }, { ...fromDir, model: null });

  const { json: predictDir } = await runJson(['predict', modelDir, digitPng, '--json']);
  const { json: predictZip } = await runJson(['predict', modelZip, digitPng, '--json']);
  assert.equal(predictZip.predictions[0].top.length, 3);
  assert.deepEqual(predictZip.predictions, predictDir.predictions);
});

test('a missing or damaged model zip is a typed error naming it', async () => {
  const missing = await runFails(['eval', join(modelDir, '..', 'nowhere.zip'), '--limit', '5']);
  assert.match(missing, /E_NOT_FOUND.*model zip not found: .*nowhere\.zip/);

  const damaged = join(modelDir, '..', 'damaged.zip');
  await writeFile(damaged, 'not a zip at all');
  const err = await runFails(['predict', damaged, digitPng]);
  assert.match(err, /E_FORMAT.*damaged\.zip: is not a zip archive/);

  const unknown = await runFails(['eval', join(modelDir, 'weights.safetensors'), '--limit', '5']);
  assert.match(unknown, /E_ARGUMENT.*\.zip/);
});
