import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { gatherImages, type ImageDataset, loadDataset, take, subset } from '../../src/data/index.js';
import { NumericalError, ShapeError, ArgumentError } from '../../src/errors.js';
import { createZooModel } from '../../src/models/index.js';
import { Adam, SGD } from '../../src/optim/index.js';
import { evaluate, fit, formatProgressLine, predict, ProgressBar } from '../../src/train/index.js';
import { assertSameWeights, weightsOf } from './small-model.js';

let train: ImageDataset;
let test_: ImageDataset;

before(async () => {
  const mnist = await loadDataset('mnist');
  train = mnist.train;
  test_ = mnist.test;
});

test('seed-cnn trained on 4,000 real MNIST images for one epoch reaches at least 85% on 1,000 test images', async () => {
  const model = createZooModel('seed-cnn', { seed: 1 });
  const logs = await fit(model, take(train, 4000), { epochs: 1, batchSize: 32, optimizer: new Adam({ learningRate: 2e-3 }), seed: 1 });
  assert.equal(logs.length, 1);
  assert.ok(logs[0].loss < 1.0, `training loss ${logs[0].loss}`);
  const result = evaluate(model, take(test_, 1000));
  assert.ok(result.accuracy >= 0.85, `test accuracy ${result.accuracy}`);
  assert.equal(result.count, 1000);
  const total = result.confusionMatrix.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 1000);
  const diagonal = result.confusionMatrix.reduce((n, row, i) => n + row[i], 0);
  assert.equal(diagonal / total, result.accuracy);
  assert.deepEqual(model.history.epoch, [1]);
});

test('the same seed gives bit-identical weights after a short run (with dropout), a different seed does not', async () => {
  const run = async (seed: number) => {
    const model = createZooModel('mlp', { seed });
    await fit(model, take(train, 256), { epochs: 2, batchSize: 32, optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), seed });
    return weightsOf(model);
  };
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  assertSameWeights(a, b, 'differs between identical runs');
  assert.ok(a.some((w, i) => w.some((v, j) => v !== c[i][j])));
});

test('a loss that becomes NaN or infinite stops training with a NumericalError before the bad step touches the weights', async () => {
  const model = createZooModel('seed-cnn', { seed: 2 });
  // A learning rate of 1e30 throws the weights far out on the first step; the second batch's loss is then not finite.
  const optimizer = new SGD({ learningRate: 1e30 });
  await assert.rejects(
    fit(model, subset(train, 0, 64), { epochs: 1, batchSize: 32, optimizer, seed: 0, shuffle: false }),
    (e: unknown) => e instanceof NumericalError && /loss became (NaN|Infinity|-Infinity) at epoch 1, batch 2\/2/.test(e.message) && /lower learning rate/.test(e.message),
  );
  for (const p of model.parameters()) assert.ok(p.value.data.every(Number.isFinite), `${p.name} holds NaN: the failing step was applied`);
});

test('fit rejects a dataset whose images do not match the model input, and bad epoch or batch counts', async () => {
  const model = createZooModel('seed-cnn', { inputShape: [32, 32, 1] });
  await assert.rejects(fit(model, take(train, 10)), (e: unknown) => e instanceof ShapeError && /expects images \[32, 32, 1\]/.test(e.message));
  const ok = createZooModel('seed-cnn');
  await assert.rejects(fit(ok, take(train, 10), { epochs: 0 }), ArgumentError);
  await assert.rejects(fit(ok, take(train, 10), { batchSize: 0 }), ArgumentError);
  const fewOutputs = createZooModel('seed-cnn', { numClasses: 5 });
  assert.throws(() => evaluate(fewOutputs, take(test_, 10)), (e: unknown) => e instanceof ShapeError && /10 classes but model/.test(e.message));
});

test('dropLast trains on full batches only: 100 images at batch 32 are 3 steps of 96 images per epoch; none left is an ArgumentError', async () => {
  const model = createZooModel('mlp', { seed: 4 });
  const steps: number[] = [];
  const logs = await fit(model, take(train, 100), { epochs: 2, batchSize: 32, optimizer: new SGD({ learningRate: 0.01 }), dropLast: true, onBatchEnd: (p) => void steps.push(p.batches) });
  assert.equal(steps.length, 6);
  assert.ok(steps.every((n) => n === 3));
  assert.ok(logs.every((l) => Math.abs(l.imagesPerSecond * l.seconds - 96) < 1e-6), 'each epoch sees 96 images');
  await assert.rejects(fit(createZooModel('mlp'), take(train, 20), { batchSize: 32, dropLast: true }), (e: unknown) => e instanceof ArgumentError && /leaves no batch of the 20 training images/.test(e.message));
});

test('predict returns probabilities that sum to one per image', () => {
  const model = createZooModel('lenet5', { seed: 3 });
  const x = take(test_, 5);
  const probs = predict(model, gatherImages(x, [0, 1, 2, 3, 4]));
  assert.deepEqual(probs.shape, [5, 10]);
  for (let r = 0; r < 5; r++) {
    let s = 0;
    for (let c = 0; c < 10; c++) s += probs.data[r * 10 + c];
    assert.ok(Math.abs(s - 1) < 1e-5);
  }
});

test('the progress bar shows batches done/total, elapsed, ETA, images/s, loss and accuracy; logs print quarter lines only', () => {
  const line = formatProgressLine({ epoch: 1, epochs: 3, batch: 469, batches: 938, images: 30016, elapsedSeconds: 20, loss: 0.25, accuracy: 0.925 });
  assert.match(line, /^469\/938 \[=+>\.+\] 20s ETA 20s - 1,501 img\/s - loss: 0\.2500 - accuracy: 0\.9250$/);
  const lines: string[] = [];
  const bar = new ProgressBar({ write: (t) => lines.push(t), isTTY: false });
  bar.epochStart(1, 1);
  for (let b = 1; b <= 100; b++) bar.update({ epoch: 1, epochs: 1, batch: b, batches: 100, images: b * 10, elapsedSeconds: b / 10, loss: 1, accuracy: 0.5 });
  bar.epochEnd({ epoch: 1, epochs: 1, batch: 100, batches: 100, images: 1000, elapsedSeconds: 10, loss: 1, accuracy: 0.5 });
  assert.equal(lines[0], 'Epoch 1/1\n');
  assert.equal(lines.length, 1 + 3 + 1);
  assert.match(lines.at(-1)!, /^100\/100 \[=+\] 10s - 100 img\/s/);
});

test('fit reports per epoch how long preparing batches took (dataSeconds): the time an augmentation spends is counted there, and it never exceeds the epoch', async () => {
  const model = createZooModel('mlp', { seed: 3 });
  let clock = 0;
  let augmentCalls = 0;
  const logs = await fit(model, take(train, 64), {
    epochs: 2,
    batchSize: 16,
    now: () => clock,
    // Each augmentation "takes" 5 s on the fake clock; nothing else advances it.
    augment: (x) => {
      augmentCalls++;
      clock += 5;
      return x;
    },
  });
  assert.equal(augmentCalls, 8);
  for (const epoch of logs) {
    assert.equal(epoch.dataSeconds, 20, `epoch ${epoch.epoch}`);
    assert.ok(epoch.dataSeconds! <= epoch.seconds);
  }
});
