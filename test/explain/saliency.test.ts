import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ArgumentError } from '../../src/errors.js';
import { classify, heatmapFigure, inputGradient, saliencyMap } from '../../src/explain/index.js';
import { Conv2D, Dense, Flatten, type Network, Sequential } from '../../src/nn/index.js';
import { type Tensor, tensor } from '../../src/tensor/index.js';
import { randomImage, twoConvModel } from './tiny-models.js';

const f64 = createJsBackend('float64');

/** [5, 5, 2] → conv 3×3 tanh (3 filters) → flatten → dense 4 softmax; float64 weights. */
function smoothModel(): Network {
  const model = new Sequential([new Conv2D({ filters: 3, kernelSize: 3, activation: 'tanh', name: 'conv' }), new Flatten(), new Dense({ units: 4, activation: 'softmax', name: 'out' })], {
    inputShape: [5, 5, 2],
  }).build({ seed: 5 });
  for (const p of model.parameters()) p.value = tensor(p.value.data, p.value.shape, 'float64');
  return model;
}

/** The class logit, straight from the forward pass (no softmax). */
function logit(model: Network, x: Tensor, classIndex: number): number {
  return model.forward(x, { logits: true }).data[classIndex];
}

function finiteDifferences(model: Network, image: Tensor, classIndex: number, eps: number): Float64Array {
  const out = new Float64Array(image.size);
  for (let i = 0; i < image.size; i++) {
    const plus = tensor(image.data, image.shape, image.dtype);
    const minus = tensor(image.data, image.shape, image.dtype);
    plus.data[i] += eps;
    minus.data[i] -= eps;
    out[i] = (logit(model, plus, classIndex) - logit(model, minus, classIndex)) / (2 * eps);
  }
  return out;
}

test('the input gradient equals central finite differences of the class logit (float64)', () => {
  withBackend(f64, () => {
    const model = smoothModel();
    const image = tensor(randomImage(5, 5, 2, 11).data, [1, 5, 5, 2], 'float64');
    for (const classIndex of [0, 2]) {
      const g = inputGradient(model, image, classIndex);
      assert.deepEqual(g.gradient.shape, [5, 5, 2]);
      assert.ok(Math.abs(g.score - logit(model, image, classIndex)) < 1e-9, 'the score is the logit, not the probability');
      const numeric = finiteDifferences(model, image, classIndex, 1e-5);
      let scale = 0;
      for (const v of numeric) scale = Math.max(scale, Math.abs(v));
      assert.ok(scale > 1e-3, 'the gradient is not trivially zero');
      for (let i = 0; i < numeric.length; i++) assert.ok(Math.abs(g.gradient.data[i] - numeric[i]) < 1e-6 * Math.max(1, scale), `pixel ${i}: ${g.gradient.data[i]} vs ${numeric[i]}`);
      // The saliency map is |gradient|, the larger of the two channels.
      const map = saliencyMap(model, image, classIndex);
      assert.deepEqual(map.shape, [5, 5]);
      for (let p = 0; p < 25; p++) assert.ok(Math.abs(map.data[p] - Math.max(Math.abs(numeric[2 * p]), Math.abs(numeric[2 * p + 1]))) < 1e-6 * Math.max(1, scale));
    }
  });
});

test('the gradient is with respect to pixels in [0, 1], through the input normalisation', () => {
  // A linear model, so finite differences are exact up to float32 rounding.
  const model = new Sequential([new Conv2D({ filters: 2, kernelSize: 2, name: 'conv' }), new Flatten(), new Dense({ units: 3, name: 'out' })], { inputShape: [3, 3, 2] }).build({ seed: 2 });
  model.inputNormalization = { scale: 1 / 255, mean: [0.1, 0.2], std: [0.5, 0.25] };
  const image = randomImage(3, 3, 2, 4);
  const score = (x: Tensor) => classify(model, x).scores[1];
  const g = inputGradient(model, image, 1);
  for (let i = 0; i < image.size; i++) {
    const plus = tensor(image.data, image.shape);
    const minus = tensor(image.data, image.shape);
    plus.data[i] += 0.25;
    minus.data[i] -= 0.25;
    const numeric = (score(plus) - score(minus)) / 0.5;
    assert.ok(Math.abs(g.gradient.data[i] - numeric) < 2e-4 * Math.max(1, Math.abs(numeric)), `pixel ${i}: ${g.gradient.data[i]} vs ${numeric}`);
  }
});

test('a class outside the model is refused with the valid range and names', () => {
  const model = twoConvModel();
  model.classNames = ['a', 'b', 'c', 'd'];
  const image = randomImage(6, 6, 1);
  assert.throws(() => inputGradient(model, image, 4), (e: unknown) => e instanceof ArgumentError && /class 4 is not one of model 'two-conv''s 4 classes: expected 0\.\.3 \(0 a, 1 b, 2 c, 3 d\)/.test(e.message));
  assert.throws(() => saliencyMap(model, image, -1), ArgumentError);
  assert.throws(() => saliencyMap(model, image, 1.5), ArgumentError);
  assert.throws(() => saliencyMap(model, randomImage(5, 6, 1), 0), /needs one image \[6, 6, 1\]/);
});

test('the heat map figure: input, map and overlay panels, the notes, and a legend up to the largest value', () => {
  const model = twoConvModel();
  const image = randomImage(6, 6, 1);
  const map = saliencyMap(model, image, 0);
  const max = Math.max(...map.data);
  const figure = heatmapFigure(image, map, { title: 'Saliency of class 0', notes: ['predicted 2 (50.0%)'], mapTitle: 'saliency', legendCaption: '|∂ logit / ∂ pixel|' });
  const texts = figure.texts.map((t) => t.text);
  for (const t of ['Saliency of class 0', 'predicted 2 (50.0%)', 'input', 'saliency', 'overlay', '|∂ logit / ∂ pixel|', '0', Number(max.toPrecision(3)).toString()]) assert.ok(texts.includes(t), `${t} in ${texts.join(' | ')}`);
  assert.equal(figure.rasters.length, 4, 'three panels and the colour bar');
  assert.deepEqual([figure.rasters[0].width, figure.rasters[0].image.width], [222, 6], 'panels magnified by whole pixels to about 224 px');
  const plain = heatmapFigure(image, map, { title: 'x', mapTitle: 'm', legendCaption: 'l', labels: false });
  assert.equal(plain.texts.length, 0);
  assert.equal(plain.rasters.length, 3);
});
