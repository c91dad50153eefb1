import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { classify, featureMapFigure, featureMaps, featureMapScale, fitImageToModel } from '../../src/explain/index.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { randomImage, twoConvModel } from './tiny-models.js';

function closeArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

/** Runs the layers one by one on the (normalised) image: what featureMaps must return. */
function layerByLayer(model: ReturnType<typeof twoConvModel>, x: Tensor): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let y = x;
  for (const layer of model.layers) {
    y = layer.call(y, { training: false, rng: new Rng(0) });
    out.set(layer.name, y);
  }
  return out;
}

test('feature maps are the layer outputs, for every layer with a spatial output by default', () => {
  const model = twoConvModel();
  const image = randomImage(6, 6, 1);
  const maps = featureMaps(model, image);
  assert.deepEqual(
    maps.map((m) => [m.layer, m.type, m.values.shape]),
    [
      ['c1', 'Conv2D', [5, 5, 2]],
      ['c2', 'Conv2D', [3, 3, 3]],
    ],
  );
  const expected = layerByLayer(model, image);
  for (const m of maps) closeArrays(m.values.data, expected.get(m.layer)!.data);
  // Only the named ones, and an image without the batch axis works too.
  const one = featureMaps(model, tensor(image.data, [6, 6, 1]), ['c2']);
  assert.deepEqual(one.map((m) => m.layer), ['c2']);
  closeArrays(one[0].values.data, expected.get('c2')!.data);
});

test("the model's input normalisation is applied before the first layer", () => {
  const model = twoConvModel();
  model.inputNormalization = { scale: 1 / 255, mean: [0.5], std: [0.25] };
  const image = randomImage(6, 6, 1);
  const normalised = tensor(Array.from(image.data, (v) => (v - 0.5) / 0.25), image.shape);
  closeArrays(featureMaps(model, image, ['c1'])[0].values.data, layerByLayer(model, normalised).get('c1')!.data, 1e-5);
});

test('layers without a spatial output, unknown layers and images of the wrong shape are refused', () => {
  const model = twoConvModel();
  const image = randomImage(6, 6, 1);
  assert.throws(() => featureMaps(model, image, ['out']), (e: unknown) => e instanceof ArgumentError && /layer 'out' \(Dense\) outputs \[4\], not a feature map.*c1 \(Conv2D → \[5, 5, 2\]\), c2 \(Conv2D → \[3, 3, 3\]\)/.test(e.message));
  assert.throws(() => featureMaps(model, image, ['c3']), (e: unknown) => e instanceof ArgumentError && /no layer named 'c3'; its layers are: c1.*flat \(Flatten → \[27\]\), out/.test(e.message));
  assert.throws(() => featureMaps(model, randomImage(7, 6, 1)), (e: unknown) => e instanceof ShapeError && /needs one image \[6, 6, 1\].*got \[1, 7, 6, 1\]; fitImageToModel/.test(e.message));
  assert.throws(() => featureMaps(model, randomImage(6, 6, 3)), ShapeError);
  assert.throws(() => featureMaps(model, tensor(new Float32Array(72), [2, 6, 6, 1])), ShapeError, 'one image, not a batch');
});

test('fitImageToModel: RGB → grey by luma, grey → RGB by repetition, other sizes resized, and says so', () => {
  const grey = twoConvModel();
  const rgb = tensor(Array.from({ length: 36 }, () => [1, 0.5, 0]).flat(), [6, 6, 3]);
  const toGrey = fitImageToModel(grey, rgb);
  assert.deepEqual(toGrey.changes, ['RGB → grey']);
  assert.deepEqual(toGrey.image.shape, [1, 6, 6, 1]);
  assert.ok(Math.abs(toGrey.image.data[0] - (0.299 + 0.587 * 0.5)) < 1e-6);

  const big = fitImageToModel(grey, tensor(new Float32Array(12 * 12).fill(0.4), [1, 12, 12, 1]));
  assert.deepEqual(big.changes, ['resized 12×12 → 6×6']);
  assert.deepEqual(big.image.shape, [1, 6, 6, 1]);
  for (const v of big.image.data) assert.ok(Math.abs(v - 102 / 255) < 1e-6, 'a flat image stays flat (0.4 → byte 102)');

  const same = fitImageToModel(grey, randomImage(6, 6, 1));
  assert.deepEqual(same.changes, []);
  assert.throws(() => fitImageToModel(grey, tensor(new Float32Array(36 * 2), [6, 6, 2])), /2 channels cannot be converted/);
});

test('classify: probabilities from the logits, the predicted class and its confidence', () => {
  const model = twoConvModel();
  const result = classify(model, randomImage(6, 6, 1));
  const sum = result.probabilities.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-5);
  const best = result.probabilities.indexOf(Math.max(...result.probabilities));
  assert.equal(result.predictedClass, best);
  assert.equal(result.confidence, result.probabilities[best]);
  // scores are the logits: their softmax is the probabilities.
  const exps = Array.from(result.scores, Math.exp);
  const z = exps.reduce((a, b) => a + b, 0);
  closeArrays(exps.map((e) => e / z), result.probabilities, 1e-5);
});

test('the colour scale: grey from 0 for non-negative maps, symmetric blue-white-red for signed ones', () => {
  assert.deepEqual(featureMapScale([0, 1, 3]), { colormap: 'grey', lo: 0, hi: 3 });
  assert.deepEqual(featureMapScale([0, 0]), { colormap: 'grey', lo: 0, hi: 1 });
  assert.deepEqual(featureMapScale([-2, 1]), { colormap: 'diverging', lo: -2, hi: 2 });
});

test('the figure has a block per layer labelled with its name and shape, and a tile per channel', () => {
  const model = twoConvModel();
  const image = randomImage(6, 6, 1);
  const maps = featureMaps(model, image);
  const figure = featureMapFigure(image, maps, { title: 'T', notes: ['label 3'] });
  const texts = figure.texts.map((t) => t.text);
  for (const label of ['T', 'label 3', 'input  6×6×1', 'c1 (Conv2D)  5×5×2', 'c2 (Conv2D)  3×3×3']) assert.ok(texts.includes(label), `${label} in ${texts.join(' | ')}`);
  // input + 2 + 3 channel tiles + one legend bar per layer.
  assert.equal(figure.rasters.length, 1 + 2 + 3 + 2);
  const limited = featureMapFigure(image, maps, { maxChannels: 2 });
  assert.ok(limited.texts.some((t) => t.text === 'c2 (Conv2D)  3×3×3  (first 2 of 3 channels)'));
  const plain = featureMapFigure(image, maps, { labels: false });
  assert.equal(plain.texts.length, 0);
  assert.equal(plain.rasters.length, 1 + 2 + 3);
});
