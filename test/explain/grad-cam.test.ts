import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueAndGrads, watch } from '../../src/autograd/index.js';
import { ArgumentError } from '../../src/errors.js';
import { defaultGradCamLayer, gradCam, upsampleBilinear } from '../../src/explain/index.js';
import { mul, sum } from '../../src/ops/index.js';
import { type Tensor, tensor } from '../../src/tensor/index.js';
import { quadrantImage, quadrantModel, randomImage, twoConvModel } from './tiny-models.js';

/** Mean of map [8, 8] over one quadrant (rows and columns 0..3 or 4..7). */
function quadrantMean(map: Tensor, top: boolean, left: boolean): number {
  let s = 0;
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) s += map.data[(y + (top ? 0 : 4)) * 8 + x + (left ? 0 : 4)];
  return s / 16;
}

test('Grad-CAM of a class that depends on one quadrant lights that quadrant and nothing else', () => {
  const model = quadrantModel();
  const image = quadrantImage();
  assert.equal(defaultGradCamLayer(model).name, 'conv', 'the last convolution larger than 1×1');
  const red = gradCam(model, image, 0);
  assert.equal(red.layer, 'conv');
  assert.equal(red.score, 4, 'four pooled red cells');
  // d score / d conv output: 1 at one pixel of each of the 4 top-left pool windows, for channel 0.
  assert.deepEqual(Array.from(red.weights), [4 / 64, 0]);
  assert.deepEqual(red.cam.shape, [8, 8]);
  assert.deepEqual(red.heatmap.shape, [8, 8]);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) assert.equal(red.heatmap.data[y * 8 + x], y < 4 && x < 4 ? 1 / 16 : 0, `(${y}, ${x})`);

  const green = gradCam(model, image, 1);
  assert.deepEqual(Array.from(green.weights), [0, 4 / 64]);
  assert.ok(quadrantMean(green.heatmap, false, false) > 0);
  assert.equal(quadrantMean(green.heatmap, true, true), 0);
});

test('at a coarser layer the map is upsampled bilinearly and still lights the quadrant', () => {
  const model = quadrantModel();
  const cam = gradCam(model, quadrantImage(), 0, 'pool');
  assert.deepEqual(cam.cam.shape, [4, 4]);
  assert.deepEqual(Array.from(cam.weights), [4 / 16, 0]);
  assert.deepEqual(Array.from(cam.cam.data), [0.25, 0.25, 0, 0, 0.25, 0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(cam.heatmap.shape, [8, 8]);
  const inside = quadrantMean(cam.heatmap, true, true);
  assert.ok(inside > 0.15, `top-left mean ${inside}`);
  assert.ok(quadrantMean(cam.heatmap, false, false) < 0.01 * inside);
  assert.equal(Math.max(...cam.heatmap.data), cam.heatmap.data[0]);
});

test('the channel weights are the spatial means of the gradient at the layer (checked with watch directly)', () => {
  const model = twoConvModel();
  const image = randomImage(6, 6, 1);
  const cam = gradCam(model, image, 2, 'c1');
  let features: Tensor | null = null;
  const { watched } = valueAndGrads(() => {
    const y = model.forward(image, {
      logits: true,
      onLayerOutput: (layer, output) => {
        if (layer.name === 'c1') features = watch(output);
      },
    });
    return sum(mul(y, tensor([0, 0, 1, 0], [1, 4])));
  }, []);
  const g = watched.get(features!)!;
  const [, h, w, c] = g.shape;
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let p = 0; p < h * w; p++) s += g.data[p * c + k];
    assert.ok(Math.abs(cam.weights[k] - s / (h * w)) < 1e-6);
  }
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += cam.weights[k] * features!.data[p * c + k];
    assert.ok(Math.abs(cam.cam.data[p] - Math.max(0, s)) < 1e-6);
  }
});

test('upsampleBilinear aligns pixel centres and clamps at the edges', () => {
  assert.deepEqual(Array.from(upsampleBilinear([0, 1, 2, 3], 2, 2, 4, 4)), [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  assert.deepEqual(Array.from(upsampleBilinear([5], 1, 1, 2, 3)), [5, 5, 5, 5, 5, 5]);
  assert.deepEqual(Array.from(upsampleBilinear([1, 2, 3, 4], 2, 2, 2, 2)), [1, 2, 3, 4], 'same size: unchanged');
});

test('bad layers and classes are refused with what there is', () => {
  const model = quadrantModel();
  const image = quadrantImage();
  assert.throws(() => gradCam(model, image, 0, 'dense'), (e: unknown) => e instanceof ArgumentError && /layer 'dense' \(Dense\) outputs \[2\]; layers with maps: conv \(Conv2D → \[8, 8, 2\]\), pool \(MaxPool2D → \[4, 4, 2\]\)/.test(e.message));
  assert.throws(() => gradCam(model, image, 0, 'nope'), /no layer named 'nope'; its layers are: conv/);
  assert.throws(() => gradCam(model, image, 2), /class 2 is not one of model 'quadrants''s 2 classes: expected 0\.\.1/);
  assert.throws(() => gradCam(model, randomImage(8, 8, 1), 0), /needs one image \[8, 8, 3\]/);
});
