/**
 * End to end: `fovea predict` on PNG and JPEG files made here from MNIST test digits, with a small
 * model trained by the CLI in `before`. The model only needs to exist: the tests check the output's
 * structure and that equivalent images give equivalent predictions, not that they are right.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { readIdxFile } from '../../src/data/idx.js';
import { saveModel } from '../../src/io/index.js';
import { createZooModel } from '../../src/models/index.js';
import { MNIST_DIR, makeTempDir, removeTempDirs, runJson, runOk } from './run-cli.js';

interface TopEntry {
  classIndex: number;
  className: string;
  probability: number;
}
interface Prediction {
  file: string;
  width: number;
  height: number;
  top: TopEntry[];
}

let modelDir: string;
/** 28×28 grey PNG of MNIST test image 0 (white digit on black). */
let digitPng: string;
/** The same digit as a 28×28 black-on-white PNG. */
let invertedPng: string;
/** The same digit scaled ×3 (nearest neighbour) to 84×84, as an RGB JPEG. */
let digitJpeg: string;
/** A second digit (MNIST test image 1) as a grey PNG. */
let otherPng: string;

function greyPng(pixels: Uint8Array, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
  return PNG.sync.write(png, { colorType: 0 });
}

function upscaledRgbJpeg(pixels: Uint8Array, size: number, factor: number): Buffer {
  const out = size * factor;
  const data = Buffer.alloc(out * out * 4);
  for (let y = 0; y < out; y++) {
    for (let x = 0; x < out; x++) {
      const v = pixels[Math.floor(y / factor) * size + Math.floor(x / factor)];
      data.set([v, v, v, 255], (y * out + x) * 4);
    }
  }
  return jpeg.encode({ data, width: out, height: out }, 95).data;
}

before(async () => {
  const dir = await makeTempDir();
  modelDir = join(dir, 'model');
  await runOk(['train', '--limit-train', '300', '--limit-test', '20', '--epochs', '1', '--batch-size', '32', '--lr', '0.003', '--quiet', '--out', modelDir]);

  const images = await readIdxFile(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  const size = 28;
  const image = (i: number) => (images.data as Uint8Array).subarray(i * size * size, (i + 1) * size * size);
  const digit = image(0);
  digitPng = join(dir, 'digit.png');
  invertedPng = join(dir, 'inverted.png');
  digitJpeg = join(dir, 'digit.jpg');
  otherPng = join(dir, 'other.png');
  await writeFile(digitPng, greyPng(digit, size));
  await writeFile(invertedPng, greyPng(digit.map((v) => 255 - v), size));
  await writeFile(digitJpeg, upscaledRgbJpeg(digit, size, 3));
  await writeFile(otherPng, greyPng(image(1), size));
});

after(removeTempDirs);

async function predictJson(args: string[]): Promise<Prediction[]> {
  const { json, result } = await runJson(['predict', modelDir, ...args, '--json']);
  assert.equal(result.stderr, '');
  assert.equal(json.model, modelDir);
  return json.predictions as Prediction[];
}

function assertTopK(p: Prediction, k: number): void {
  assert.equal(p.top.length, k);
  const classes = p.top.map((t) => t.classIndex);
  assert.equal(new Set(classes).size, k, 'distinct classes');
  for (const t of p.top) {
    assert.ok(Number.isInteger(t.classIndex) && t.classIndex >= 0 && t.classIndex < 10);
    assert.equal(t.className, String(t.classIndex));
    assert.ok(t.probability >= 0 && t.probability <= 1, `probability ${t.probability}`);
  }
  for (let i = 1; i < k; i++) assert.ok(p.top[i - 1].probability >= p.top[i].probability, 'sorted by probability, descending');
  const sum = p.top.reduce((s, t) => s + t.probability, 0);
  assert.ok(sum <= 1 + 1e-6, `top-${k} probabilities sum to ${sum}`);
}

test('predict --top-k 3 --json on a 28×28 grey PNG gives 3 distinct classes with probabilities sorted descending, summing to at most 1', async () => {
  const [p, ...rest] = await predictJson([digitPng, '--top-k', '3']);
  assert.equal(rest.length, 0);
  assert.equal(p.file, digitPng);
  assert.equal(p.width, 28);
  assert.equal(p.height, 28);
  assertTopK(p, 3);
});

test('predict reads an 84×84 RGB JPEG (converted to grey and resized to 28×28) and reports its original size', async () => {
  const [p] = await predictJson([digitJpeg, '--top-k', '3']);
  assert.equal(p.width, 84);
  assert.equal(p.height, 84);
  assertTopK(p, 3);
});

test('predict --invert on the black-on-white digit gives the same top class and probabilities as the original', async () => {
  const [original] = await predictJson([digitPng, '--top-k', '3']);
  const [inverted] = await predictJson([invertedPng, '--top-k', '3', '--invert']);
  assert.equal(inverted.top[0].classIndex, original.top[0].classIndex);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(inverted.top[i].probability - original.top[i].probability) < 1e-4);
});

test('predict --top-k 10 on a 10-class model lists every class once, with probabilities summing to 1', async () => {
  const [p] = await predictJson([digitPng, '--top-k', '10']);
  assertTopK(p, 10);
  assert.deepEqual(p.top.map((t) => t.classIndex).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const sum = p.top.reduce((s, t) => s + t.probability, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
});

test('predict --top-k larger than the number of classes lists all 10 classes', async () => {
  const [p] = await predictJson([digitPng, '--top-k', '50']);
  assertTopK(p, 10);
});

test('predict on several images answers for each, in the order given; the default top-k is 3', async () => {
  const predictions = await predictJson([digitPng, otherPng, digitJpeg]);
  assert.deepEqual(predictions.map((p) => p.file), [digitPng, otherPng, digitJpeg]);
  for (const p of predictions) assertTopK(p, 3);
});

test('predict accepts the path of model.json as well as its directory', async () => {
  const { json } = await runJson(['predict', join(modelDir, 'model.json'), digitPng, '--json']);
  const [byDir] = await predictJson([digitPng]);
  assert.deepEqual(json.predictions[0].top, byDir.top);
});

test('predict without --json prints each file, its size and its top classes with percentages', async () => {
  const r = await runOk(['predict', modelDir, digitPng, digitJpeg, '--top-k', '2']);
  assert.equal(r.stderr, '');
  assert.ok(r.stdout.includes(`${digitPng} (28×28):`), r.stdout);
  assert.ok(r.stdout.includes(`${digitJpeg} (84×84):`), r.stdout);
  const rows = r.stdout.split('\n').filter((line) => /^\s+\d\s+\d+\.\d\d%/.test(line));
  assert.equal(rows.length, 4, r.stdout);
});

test('predict on a capsule network reports capsule lengths (each in [0, 1], not a distribution) and says so', async () => {
  const capsDir = join(await makeTempDir('fovea-predict-caps-'), 'capsnet');
  await saveModel(createZooModel('capsnet-small', { seed: 1 }), capsDir);
  const { json } = await runJson(['predict', capsDir, digitPng, '--top-k', '10', '--json']);
  assert.equal(json.scores, 'capsule lengths');
  const [p] = json.predictions as Prediction[];
  for (const t of p.top) assert.ok(t.probability >= 0 && t.probability < 1, `length ${t.probability}`);
  const text = await runOk(['predict', capsDir, digitPng]);
  assert.match(text.stdout, /class scores are digit-capsule lengths/);
  assert.match(text.stdout, /^ {2}\d +0\.\d{4} /m);
});
