/**
 * Where a layer's map lies on the image: valid-padded convolutions shift it by half their kernel,
 * strides and pools scale it, TensorFlow-style 'same' padding with stride 2 on an even size puts
 * the extra pixel after; Grad-CAM places each map value over its receptive field's centre.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignedPlacement, findLayer, gradCam, mapPlacement, resampleToImage, upsampleBilinear } from '../../src/explain/index.js';
import { createZooModel } from '../../src/models/index.js';
import { Conv2D, Flatten, Dense, MaxPool2D, Sequential, Activation } from '../../src/nn/index.js';
import { randomImage, twoConvModel } from './tiny-models.js';

const placement = (offset: number, jump: number) => ({ y: { offset, jump }, x: { offset, jump } });

test('keras-mnist-cnn: two valid 3×3 convolutions put its 24×24 map 2 pixels in, unscaled; the pool after them doubles the step', () => {
  const model = createZooModel('keras-mnist-cnn');
  const convs = model.layers.filter((l) => l instanceof Conv2D);
  assert.deepEqual(mapPlacement(model, convs[0]), placement(1, 1));
  assert.deepEqual(mapPlacement(model, convs[1]), placement(2, 1));
  const pool = model.layers.find((l) => l instanceof MaxPool2D)!;
  assert.deepEqual(mapPlacement(model, pool), placement(2.5, 2));
});

test('a same-padded stride-2 convolution on an even size pads after (as TensorFlow), so its map starts one pixel in; layers that keep the size change nothing', () => {
  const model = new Sequential(
    [new Conv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'down' }), new Activation({ activation: 'relu', name: 'act' }), new Conv2D({ filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2, name: 'dilated' }), new Flatten(), new Dense({ units: 2 })],
    { inputShape: [8, 8, 1] },
  ).build({ seed: 0 });
  assert.deepEqual(mapPlacement(model, findLayer(model, 'down')), placement(1, 2));
  assert.deepEqual(mapPlacement(model, findLayer(model, 'act')), placement(1, 2));
  // Dilation 2, 'same' (total padding 4, 2 before): centred again.
  assert.deepEqual(mapPlacement(model, findLayer(model, 'dilated')), placement(1, 2));
});

test('resnet20 (a graph): the last stage is 4 pixels apart, starting at pixel 3 (two stride-2 convolutions padded after)', () => {
  const model = createZooModel('resnet20');
  const last = model.layers.filter((l) => l.outputShape?.length === 3).at(-1)!;
  assert.deepEqual(last.outputShape, [8, 8, 64]);
  assert.deepEqual(mapPlacement(model, last), placement(3, 4));
});

test('resampleToImage reads map position (y − offset) / jump, clamped; aligned placement is the usual centre-aligned resize', () => {
  const map = [0, 10, 20, 30];
  assert.deepEqual(Array.from(resampleToImage(map, 1, 4, 1, 6, placement(1, 1))), [0, 0, 10, 20, 30, 30]);
  assert.deepEqual(Array.from(resampleToImage(map, 1, 4, 1, 8, placement(0.5, 2))), [0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 30]);
  assert.deepEqual(alignedPlacement(2, 2, 4, 4), placement(0.5, 2));
  assert.deepEqual(Array.from(upsampleBilinear([0, 1, 2, 3], 2, 2, 4, 4)), [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
});

test('Grad-CAM on a valid-padded layer puts cam[y, x] at image pixel (y + offset, x + offset) exactly, not stretched over the image', () => {
  const model = twoConvModel(); // c1: 2×2 valid (6 → 5), c2: 3×3 valid (5 → 3)
  const image = randomImage(6, 6, 1);
  for (const [layer, offset, size] of [['c1', 0.5, 5], ['c2', 1.5, 3]] as const) {
    const cam = gradCam(model, image, 1, layer);
    assert.deepEqual(cam.cam.shape, [size, size]);
    const expected = resampleToImage(cam.cam.data, size, size, 6, 6, placement(offset, 1));
    assert.deepEqual(Array.from(cam.heatmap.data), Array.from(expected), layer);
    assert.notDeepEqual(Array.from(cam.heatmap.data), Array.from(upsampleBilinear(cam.cam.data, size, size, 6, 6)), `${layer}: not the stretched resize`);
  }
  // c2's map starts at image pixel 1.5: image pixel (2, 2) lies midway between cam rows and
  // columns 0 and 1, image pixel (3, 3) midway between 1 and 2.
  const c2 = gradCam(model, image, 1, 'c2');
  const cam = (y: number, x: number) => c2.cam.data[y * 3 + x];
  const heat = (y: number, x: number) => c2.heatmap.data[y * 6 + x];
  assert.ok(Math.abs(heat(2, 2) - (cam(0, 0) + cam(0, 1) + cam(1, 0) + cam(1, 1)) / 4) < 1e-6);
  assert.ok(Math.abs(heat(3, 3) - (cam(1, 1) + cam(1, 2) + cam(2, 1) + cam(2, 2)) / 4) < 1e-6);
});
