/**
 * evaluate's test-time augmentation: 'flip' averages the logits of each image and its mirror image
 * (checked against the average computed by hand), changes nothing on mirror-symmetric images,
 * 'flip-translate' adds the flip averages of the image moved a pixel each way (airbench's six
 * views, checked by hand), and an unknown mode is an ArgumentError.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createImageDataset, gatherImages, take } from '../../src/data/index.js';
import { padCrop } from '../../src/data/augment/crop.js';
import { flipHorizontal } from '../../src/data/augment/flip.js';
import { ArgumentError } from '../../src/errors.js';
import { Tensor } from '../../src/tensor/index.js';
import { evaluate, normalizeBatch, type TestTimeAugmentation, testLogits } from '../../src/train/index.js';
import { mnistSlice, smallModel } from './small-model.js';

test("flip TTA: loss, accuracy and confusion matrix are those of the averaged logits of each image and its mirror image, computed by hand", async () => {
  const { train } = await mnistSlice(40);
  const model = smallModel(4);
  const x = gatherImages(train, Array.from({ length: train.count }, (_, i) => i));
  const logitsOf = (images: typeof x) => model.forward(normalizeBatch(images, model.inputNormalization), { training: false, logits: true });
  const plain = logitsOf(x);
  const mirrored = logitsOf(flipHorizontal(x));
  let loss = 0;
  let correct = 0;
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  for (let i = 0; i < train.count; i++) {
    const row = Array.from({ length: 10 }, (_, k) => (plain.data[i * 10 + k] + mirrored.data[i * 10 + k]) / 2);
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    loss += logSum - row[train.labels[i]];
    const predicted = row.indexOf(max);
    if (predicted === train.labels[i]) correct++;
    confusion[train.labels[i]][predicted]++;
  }
  const result = evaluate(model, train, { tta: 'flip', batchSize: 16 });
  assert.equal(result.tta, 'flip');
  assert.ok(Math.abs(result.loss - loss / train.count) < 1e-5, `loss ${result.loss} vs ${loss / train.count}`);
  assert.equal(result.accuracy, correct / train.count);
  assert.deepEqual(result.confusionMatrix, confusion);
  assert.notEqual(result.loss, evaluate(model, train).loss, 'the mirror images change the outputs of this model');
});

test('on mirror-symmetric images flip TTA gives exactly the plain results', async () => {
  const { train } = await mnistSlice(24);
  const source = take(train, 24);
  const images = new Uint8Array(source.images.length);
  const [h, w] = [source.height, source.width];
  for (let n = 0; n < source.count; n++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (n * h + y) * w + x;
        images[i] = Math.max(source.images[i], source.images[(n * h + y) * w + (w - 1 - x)]);
      }
    }
  }
  const symmetric = createImageDataset({ name: 'symmetric', images, labels: source.labels, height: h, width: w, channels: 1, classNames: source.classNames });
  const model = smallModel(5);
  const plain = evaluate(model, symmetric);
  const flipped = evaluate(model, symmetric, { tta: 'flip' });
  assert.equal(plain.tta, 'none');
  assert.deepEqual({ ...flipped, tta: 'none' }, plain);
});

test('an unknown test-time augmentation is an ArgumentError that lists the known ones', async () => {
  const { train } = await mnistSlice(8);
  assert.throws(() => evaluate(smallModel(0), train, { tta: 'rotate' as TestTimeAugmentation }), (e: unknown) => e instanceof ArgumentError && /none, flip.*'rotate'/.test(e.message));
});

test("flip-translate TTA: half the flip average of each image, a quarter each of the flip averages of the image moved 1 px down-right and up-left with reflected edges", async () => {
  const { train } = await mnistSlice(20);
  const model = smallModel(6);
  const x = gatherImages(train, Array.from({ length: train.count }, (_, i) => i));
  const logitsOf = (images: typeof x) => model.forward(normalizeBatch(images, model.inputNormalization), { training: false, logits: true });
  const flipAverage = (images: typeof x) => {
    const a = logitsOf(images).data;
    const b = logitsOf(flipHorizontal(images)).data;
    return Array.from(a, (v, i) => (v + b[i]) / 2);
  };
  const centre = flipAverage(x);
  // Moved down-right by one pixel: row r, column c of the result is pixel (r − 1, c − 1), reflected at the edge (row −1 is row 1).
  const downRight = new Float32Array(x.size);
  const upLeft = new Float32Array(x.size);
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  for (let n = 0; n < train.count; n++) {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        downRight[(n * 28 + r) * 28 + c] = x.data[(n * 28 + reflect(r - 1, 28)) * 28 + reflect(c - 1, 28)];
        upLeft[(n * 28 + r) * 28 + c] = x.data[(n * 28 + reflect(r + 1, 28)) * 28 + reflect(c + 1, 28)];
      }
    }
  }
  assert.deepEqual(padCrop(x, 1, 0, 0, 'reflect').data, downRight);
  const moved1 = flipAverage(new Tensor(downRight, x.shape));
  const moved2 = flipAverage(new Tensor(upLeft, x.shape));
  const expected = centre.map((v, i) => 0.5 * v + 0.25 * moved1[i] + 0.25 * moved2[i]);
  const got = testLogits(model, x, 'flip-translate').data;
  expected.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-5, `logit ${i}: ${got[i]} vs ${v}`));
  const result = evaluate(model, train, { tta: 'flip-translate', batchSize: 8 });
  assert.equal(result.tta, 'flip-translate');
  assert.notEqual(result.loss, evaluate(model, train, { tta: 'flip' }).loss, 'the moved views change the outputs of this model');
});
