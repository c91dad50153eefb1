/**
 * evaluate's test-time augmentation: 'flip' averages the logits of each image and its mirror image
 * (checked against the average computed by hand), changes nothing on mirror-symmetric images,
 * and an unknown mode is an ArgumentError.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createImageDataset, gatherImages, take } from '../../src/data/index.js';
import { flipHorizontal } from '../../src/data/augment/flip.js';
import { ArgumentError } from '../../src/errors.js';
import { evaluate, normalizeBatch, type TestTimeAugmentation } from '../../src/train/index.js';
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
