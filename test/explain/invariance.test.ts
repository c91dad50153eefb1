import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createImageDataset, type ImageDataset } from '../../src/data/index.js';
import { ArgumentError, DatasetError, ShapeError, UnknownNameError } from '../../src/errors.js';
import {
  accuracyAt,
  chartToSvg,
  invarianceChartSpec,
  invarianceSweep,
  invarianceTransformNames,
  invarianceTransforms,
  resolveSweeps,
} from '../../src/explain/index.js';
import { Conv2D, Dense, Flatten, GlobalAveragePooling2D, type Network, Sequential } from '../../src/nn/index.js';
import { setWeight } from './tiny-models.js';

const SIZE = 16;

/** A 16×16 grey dataset from a function of (image, y, x) → 0..1, with the given labels. */
function dataset(name: string, labels: number[], pixel: (i: number, y: number, x: number) => number, classNames = ['0', '1']): ImageDataset {
  const images = new Uint8Array(labels.length * SIZE * SIZE);
  labels.forEach((_, i) => {
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) images[(i * SIZE + y) * SIZE + x] = Math.round(255 * pixel(i, y, x));
  });
  return createImageDataset({ name, images, labels: Uint8Array.from(labels), height: SIZE, width: SIZE, channels: 1, classNames });
}

const LABELS = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0];
const CENTRE = (SIZE - 1) / 2;

/** Discs centred on the image (the rotation centre): class 0 small (radius 1.6..2.6), class 1 large (4.6..5.6). */
const discs = dataset('discs', LABELS, (i, y, x) => {
  const r = (LABELS[i] === 0 ? 1.6 : 4.6) + (i % 5) * 0.25;
  return Math.hypot(y - CENTRE, x - CENTRE) <= r ? 1 : 0;
});

/** A 3×3 blob in the top half (class 0) or the bottom half (class 1), at a column that varies. */
const blobs = dataset('blobs', LABELS, (i, y, x) => {
  const top = LABELS[i] === 0 ? 2 : 11;
  const left = 3 + (i % 8);
  return y >= top && y < top + 3 && x >= left && x < left + 3 ? 1 : 0;
});

/**
 * Mean brightness against a threshold: class 1 when the image's mean pixel (after the model's
 * 0..1 scaling) is above 0.15. Blind to where things are and how they are turned.
 */
function brightnessModel(): Network {
  const model = new Sequential([new GlobalAveragePooling2D({ name: 'gap' }), new Dense({ units: 2, activation: 'softmax', name: 'out' })], { inputShape: [SIZE, SIZE, 1], name: 'mean-brightness' }).build({ seed: 0 });
  setWeight(model, 'out', 'kernel', [0, 1]);
  setWeight(model, 'out', 'bias', [0.15, 0]);
  model.classNames = ['0', '1'];
  return model;
}

/** Top half against bottom half: class 0 scores the sum of rows 0..7, class 1 of rows 8..15. */
function halvesModel(): Network {
  const model = new Sequential([new Flatten({ name: 'flat' }), new Dense({ units: 2, activation: 'softmax', name: 'out' })], { inputShape: [SIZE, SIZE, 1], name: 'halves' }).build({ seed: 0 });
  // kernel [256, 2]: index pixel·2 + class.
  setWeight(model, 'out', 'kernel', (k) => {
    const row = Math.floor(Math.floor(k / 2) / SIZE);
    return (k % 2 === 0) === row < SIZE / 2 ? 1 : 0;
  });
  setWeight(model, 'out', 'bias', [0, 0]);
  model.classNames = ['0', '1'];
  return model;
}

/** Seeded random weights: an accuracy somewhere between 0 and 1 that any change of the input can move. */
function randomConvModel(seed = 3): Network {
  const model = new Sequential(
    [new Conv2D({ filters: 3, kernelSize: 3, activation: 'relu', name: 'conv' }), new Flatten({ name: 'flat' }), new Dense({ units: 2, name: 'out' })],
    { inputShape: [SIZE, SIZE, 1], name: 'random-conv' },
  ).build({ seed });
  model.classNames = ['0', '1'];
  return model;
}

test('the default grids include each transform\'s identity value, and the names are the course\'s invariances', () => {
  assert.deepEqual(invarianceTransformNames, ['translate-x', 'translate-y', 'rotate', 'scale', 'brightness', 'contrast', 'noise']);
  for (const t of invarianceTransforms) {
    assert.ok(t.defaultValues.includes(t.identity), `${t.name}: ${t.defaultValues.join(', ')} lacks ${t.identity}`);
    assert.ok(t.defaultValues.length >= 5, t.name);
    assert.deepEqual([...t.defaultValues], [...t.defaultValues].sort((a, b) => a - b), `${t.name} values ascend`);
  }
  const rotate = invarianceTransforms.find((t) => t.name === 'rotate')!;
  assert.equal(rotate.defaultValues[0], -90);
  assert.equal(rotate.defaultValues[rotate.defaultValues.length - 1], 90);
});

test('every curve at its identity value (shift 0, angle 0, scale 1, brightness 0, contrast 1, noise 0) equals the clean accuracy', () => {
  for (const [model, ds] of [
    [randomConvModel(), discs],
    [randomConvModel(5), blobs],
    [halvesModel(), blobs],
  ] as const) {
    const result = invarianceSweep(model, ds);
    assert.equal(result.count, ds.count);
    assert.equal(result.curves.length, 7);
    for (const curve of result.curves) {
      assert.equal(accuracyAt(curve, curve.identity), result.cleanAccuracy, `${model.name} on ${ds.name}: ${curve.transform} at ${curve.identity}`);
      assert.equal(curve.values.length, curve.accuracy.length);
      for (const a of curve.accuracy) assert.ok(a >= 0 && a <= 1);
    }
  }
});

test('a rotation-invariant model on centred discs gives a flat rotation curve; scaling the discs still moves it', () => {
  const result = invarianceSweep(brightnessModel(), discs, { transforms: [{ name: 'rotate', values: [-180, -135, -90, -60, -45, -30, -10, 0, 10, 30, 45, 60, 90, 135, 180] }, 'scale'] });
  assert.equal(result.cleanAccuracy, 1);
  const [rotate, scale] = result.curves;
  assert.deepEqual(rotate.accuracy, rotate.values.map(() => 1), `rotation curve ${rotate.accuracy.join(', ')}`);
  // Halving the size quarters the large discs' brightness: they fall below the threshold.
  assert.equal(accuracyAt(scale, 0.5), 0.5);
  assert.equal(accuracyAt(scale, 1), 1);
});

test('a model that looks at the top or bottom half loses everything under a half turn or a large vertical shift, and nothing under horizontal shifts', () => {
  const result = invarianceSweep(halvesModel(), blobs, {
    transforms: [
      { name: 'rotate', values: [-180, 0, 180] },
      { name: 'translate-y', values: [-6, 0, 6] },
      { name: 'translate-x', values: [-2, 0, 2] },
    ],
  });
  assert.equal(result.cleanAccuracy, 1);
  const [rotate, shiftY, shiftX] = result.curves;
  assert.deepEqual(rotate.accuracy, [0, 1, 0]);
  // Shifting the top blobs 6 px down puts them in the bottom half (and the bottom ones off the image).
  assert.ok(accuracyAt(shiftY, 6)! <= 0.5, `shift down 6: ${accuracyAt(shiftY, 6)}`);
  assert.ok(accuracyAt(shiftY, -6)! <= 0.5, `shift up 6: ${accuracyAt(shiftY, -6)}`);
  assert.deepEqual(shiftX.accuracy, [1, 1, 1]);
});

test('brightness, contrast and noise move a brightness-threshold model the way they should', () => {
  const result = invarianceSweep(brightnessModel(), discs, {
    transforms: [
      { name: 'brightness', values: [-0.8, 0, 0.5] },
      { name: 'contrast', values: [0, 1] },
    ],
  });
  const [brightness, contrast] = result.curves;
  // +0.5 everywhere: every image is brighter than the threshold, so only class 1 is right; −0.8
  // (discs at 0.2, the black background clipped at 0): every image is darker, so only class 0 is.
  assert.equal(accuracyAt(brightness, 0.5), 0.5);
  assert.equal(accuracyAt(brightness, -0.8), 0.5);
  // Contrast 0 makes each image its mean grey: the mean, and so this model's verdict, stay the same.
  assert.equal(accuracyAt(contrast, 0), 1);
});

test('noise is seeded per image: the same curve whatever the batch size, and the same on every run', () => {
  const model = randomConvModel(11);
  const values = [0, 0.1, 0.3, 0.6, 1];
  const a = invarianceSweep(model, discs, { transforms: [{ name: 'noise', values }], batchSize: 5 });
  const b = invarianceSweep(model, discs, { transforms: [{ name: 'noise', values }], batchSize: 250 });
  const c = invarianceSweep(model, discs, { transforms: [{ name: 'noise', values }], batchSize: 3 });
  assert.deepEqual(a.curves[0].accuracy, b.curves[0].accuracy);
  assert.deepEqual(a.curves[0].accuracy, c.curves[0].accuracy);
  assert.equal(a.seed, 0);
});

test('--limit uses the first images only', () => {
  const result = invarianceSweep(halvesModel(), blobs, { transforms: ['rotate'], limit: 5 });
  assert.equal(result.count, 5);
});

test('bad sweeps are refused before any work: unknown names, repeated names, values out of range, mismatched datasets', () => {
  assert.throws(() => resolveSweeps(['rotate', 'shear']), (e: unknown) => e instanceof UnknownNameError && /shear/.test(e.message) && /translate-x/.test(e.message));
  assert.throws(() => resolveSweeps(['rotate', 'rotate']), ArgumentError);
  assert.throws(() => resolveSweeps([{ name: 'scale', values: [0, 1] }]), (e: unknown) => e instanceof ArgumentError && /scale value 0/.test(e.message));
  assert.throws(() => resolveSweeps([{ name: 'noise', values: [-0.1] }]), ArgumentError);
  assert.throws(() => resolveSweeps([]), ArgumentError);
  const renamed = dataset('letters', LABELS, () => 0, ['a', 'b']);
  assert.throws(() => invarianceSweep(halvesModel(), renamed), (e: unknown) => e instanceof DatasetError && /classes a, b/.test(e.message) && /0, 1/.test(e.message));
  const small = createImageDataset({ name: 'tiny', images: new Uint8Array(2 * 8 * 8), labels: Uint8Array.from([0, 1]), height: 8, width: 8, channels: 1, classNames: ['0', '1'] });
  assert.throws(() => invarianceSweep(halvesModel(), small), ShapeError);
});

test('the chart: one panel per transform with titled axes, one line per model named in the legend', async () => {
  const transforms = ['rotate', 'translate-x'];
  const results = [
    { label: 'halves model', result: invarianceSweep(halvesModel(), blobs, { transforms }) },
    { label: 'random conv', result: invarianceSweep(randomConvModel(), blobs, { transforms }) },
  ];
  const svg = await chartToSvg(invarianceChartSpec(results, { title: 'Two models' }));
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const expected of ['Two models', 'Rotation', 'Translation in x', 'angle (degrees, counter-clockwise)', 'shift right (pixels)', 'test accuracy', 'model', 'halves model', 'random conv', '100%', '0%']) {
    assert.ok(texts.includes(expected), `'${expected}' missing from the chart's text: ${texts.join(' | ')}`);
  }
  // One line (an SVG path) per model in each of the two panels.
  const lines = [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="line mark"/g)].map((m) => m[1]);
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.equal(lines.filter((l) => l.includes('model: halves model')).length, 2);
  assert.equal(lines.filter((l) => l.includes('model: random conv')).length, 2);
  assert.equal(svg.match(/aria-roledescription="axis"/g)?.length, 4, 'an x and a y axis per panel');
  assert.throws(() => invarianceChartSpec([results[0], { ...results[1], label: 'halves model' }]), ArgumentError);
});
