/** predict with flip test-time augmentation: the softmax of each image's logits averaged with its mirror image's. */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatherImages } from '../../src/data/index.js';
import { flipHorizontal } from '../../src/data/augment/flip.js';
import { normalizeBatch, predict, predictTopK } from '../../src/train/index.js';
import { mnistSlice, smallModel } from './small-model.js';

test("predict with tta 'flip' gives the softmax of the averaged logits of each image and its mirror image; top-k follows them", async () => {
  const { train } = await mnistSlice(6);
  const model = smallModel(8);
  const x = gatherImages(train, [0, 1, 2, 3, 4, 5]);
  const logitsOf = (images: typeof x) => model.forward(normalizeBatch(images, model.inputNormalization), { training: false, logits: true });
  const a = logitsOf(x);
  const b = logitsOf(flipHorizontal(x));
  const probs = predict(model, x, { tta: 'flip' });
  for (let i = 0; i < 6; i++) {
    const row = Array.from({ length: 10 }, (_, k) => (a.data[i * 10 + k] + b.data[i * 10 + k]) / 2);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    row.forEach((v, k) => assert.ok(Math.abs(probs.data[i * 10 + k] - Math.exp(v - max) / sum) < 1e-6, `image ${i}, class ${k}`));
  }
  const plain = predict(model, x);
  assert.ok(plain.data.some((v, i) => Math.abs(v - probs.data[i]) > 1e-4), 'mirroring changes this model’s outputs');
  const top = predictTopK(model, x, 1, { tta: 'flip' });
  top.forEach(([best], i) => assert.equal(best.probability, Math.max(...probs.data.subarray(i * 10, i * 10 + 10))));
});
