/**
 * `fovea invariance` end to end: two small untrained models saved here, the first MNIST test
 * images as an IDX directory, a few transforms. The sweep's numbers are tested in
 * test/explain/invariance.test.ts; here: the command's JSON, text, chart file and errors.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { saveModel } from '../../src/io/index.js';
import { Conv2D, Dense, Flatten, MaxPool2D, Sequential } from '../../src/nn/index.js';
import { makeTempDir, removeTempDirs, writeMnistSubset, runFails, runJson, runOk } from './run-cli.js';

let work: string;
let plain: string;
let other: string;
/** The same architecture, but its classes are named letters: MNIST's digit labels do not fit. */
let letters: string;
/** The first 30 MNIST test images as an IDX directory. */
let digits: string;

async function saveSmallModel(dir: string, seed: number, classNames = Array.from({ length: 10 }, (_, i) => String(i))): Promise<string> {
  const model = new Sequential(
    [
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
      new MaxPool2D({ poolSize: 2, name: 'pool1' }),
      new Flatten({ name: 'flatten' }),
      new Dense({ units: 10, activation: 'softmax', name: 'dense' }),
    ],
    { inputShape: [28, 28, 1], name: 'small-cnn' },
  ).build({ seed });
  model.classNames = classNames;
  await saveModel(model, dir);
  return dir;
}

before(async () => {
  work = await makeTempDir('fovea-invariance-');
  plain = await saveSmallModel(join(work, 'plain'), 1);
  other = await saveSmallModel(join(work, 'other'), 2);
  letters = await saveSmallModel(join(work, 'letters'), 1, 'abcdefghij'.split(''));
  digits = join(work, 'digits');
  await writeMnistSubset(digits, 30);
});

after(removeTempDirs);

test('two models: JSON with one curve per transform each, identity values at the clean accuracy, and an SVG chart naming both', async () => {
  const out = join(work, 'two.svg');
  const { json } = await runJson(['invariance', plain, other, '--dataset', digits, '--limit', '20', '--transforms', 'rotate,translate-x,scale,noise', '--out', out, '--json']);
  assert.equal(json.count, 20);
  assert.equal(json.out, out);
  assert.equal(json.format, 'svg');
  assert.deepEqual(json.models.map((m: { label: string }) => m.label), ['plain', 'other']);
  for (const m of json.models) {
    assert.deepEqual(m.curves.map((c: { transform: string }) => c.transform), ['rotate', 'translate-x', 'scale', 'noise']);
    for (const c of m.curves) {
      const k = c.values.indexOf(c.identity);
      assert.ok(k >= 0, `${c.transform} grid includes ${c.identity}`);
      assert.equal(c.accuracy[k], m.cleanAccuracy, `${m.label} ${c.transform} at ${c.identity}`);
    }
  }
  const rotate = json.models[0].curves[0];
  assert.equal(rotate.values[0], -90);
  assert.equal(rotate.values[rotate.values.length - 1], 90);
  const svg = await readFile(out, 'utf8');
  assert.match(svg, /^<svg /);
  for (const s of ['>plain<', '>other<', '>Rotation<', '>Translation in x<', '>Scale<', '>Gaussian noise<', '>test accuracy<', '>angle (degrees, counter-clockwise)<']) assert.ok(svg.includes(s), s);
  assert.equal(svg.match(/aria-roledescription="line mark"/g)?.length, 8, 'a line per model in each of the 4 panels');
});

test('text output: a table per transform with a column per model; --labels names the lines', async () => {
  const r = await runOk(['invariance', plain, other, '--dataset', digits, '--limit', '10', '--transforms', 'brightness', '--labels', 'no augment,augmented']);
  assert.match(r.stdout, /Test accuracy under transformations: .*first 10 of 30 images/);
  assert.match(r.stdout, /Brightness — added to every pixel/);
  assert.match(r.stdout, /no augment +augmented/);
  assert.match(r.stdout, /\n +-0\.8 +\d+\.\d% +\d+\.\d%\n/);
  assert.doesNotMatch(r.stdout, /wrote /, 'no chart without --out');
});

test('bad input exits non-zero with a clear message: unknown transform, missing model, classes that do not match, PNG, labels', async () => {
  const svg = join(work, 'x.svg');
  const [unknown, missing, classes, png, labels] = await Promise.all([
    runFails(['invariance', plain, '--dataset', digits, '--transforms', 'rotate,shear', '--out', svg]),
    runFails(['invariance', plain, join(work, 'nowhere'), '--dataset', digits, '--out', svg]),
    runFails(['invariance', plain, letters, '--dataset', digits, '--out', svg]),
    runFails(['invariance', plain, '--dataset', digits, '--out', join(work, 'x.png')]),
    runFails(['invariance', plain, other, '--dataset', digits, '--labels', 'one']),
  ]);
  assert.match(unknown, /E_UNKNOWN_NAME.*unknown invariance transform 'shear'; known: translate-x, translate-y, rotate, scale, brightness, contrast, noise/);
  assert.match(missing, /E_NOT_FOUND.*model directory not found: .*nowhere/);
  assert.match(classes, /E_DATASET.*has classes 0, 1, 2.*but model 'small-cnn' was trained on classes a, b, c/);
  assert.match(png, /charts are written as SVG only/);
  assert.match(labels, /--labels needs one non-empty name per model: 2 models, got 'one'/);
});

test('--help says charts are SVG and lists the transforms', async () => {
  const r = await runOk(['invariance', '--help']);
  assert.match(r.stdout, /SVG only/);
  for (const name of ['translate-x', 'translate-y', 'rotate', 'scale', 'brightness', 'contrast', 'noise']) assert.match(r.stdout, new RegExp(`  ${name} `));
});
