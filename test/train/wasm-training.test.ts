/**
 * Training on the wasm backend against the js reference on real MNIST: the same loss curve step
 * by step, WebAssembly memory that stays flat across epochs of `fit`, and a saved model that
 * predicts the same on both backends after loading.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { valueAndGrads } from '../../src/autograd/index.js';
import { type Backend, createJsBackend, loadBackend, withBackend } from '../../src/backend/index.js';
import { batches, gatherImages, type ImageDataset, loadDataset, take } from '../../src/data/index.js';
import { loadModel, saveModel } from '../../src/io/index.js';
import { createZooModel } from '../../src/models/index.js';
import { softmaxCrossEntropy } from '../../src/ops/index.js';
import { Adam } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { fit, normalizeBatch, predict } from '../../src/train/index.js';

const js = createJsBackend('float32');
const wasm = await loadBackend('wasm');

let train: ImageDataset;
let testSet: ImageDataset;

before(async () => {
  const mnist = await loadDataset('mnist');
  train = mnist.train;
  testSet = mnist.test;
});

/** Bytes of WebAssembly memory behind the backend. */
function reservedBytes(b: Backend): number {
  return memoryStats(b).reserved;
}

/** The backend's own memory: bytes in use (live arrays) and reserved (WebAssembly memory size). */
function memoryStats(b: Backend): { inUse: number; reserved: number } {
  assert.ok(b.memoryStats, `backend '${b.name}' has no memoryStats()`);
  return b.memoryStats();
}

/**
 * `steps` Adam steps of seed-cnn (seed 3) on the first steps×32 MNIST training images in order,
 * one backend scope per step as in fit; returns each step's loss.
 */
function lossCurve(backend: Backend, steps: number): number[] {
  return withBackend(backend, () => {
    const model = createZooModel('seed-cnn', { seed: 3 });
    for (const p of model.parameters()) p.value = new Tensor(backend.adopt(p.value.data), p.value.shape);
    const params = model.trainableParameters();
    const sources = params.map((p) => p.value);
    const optimizer = new Adam({ learningRate: 1e-3 });
    const losses: number[] = [];
    for (const batch of batches(take(train, steps * 32), { batchSize: 32, shuffle: false })) {
      losses.push(
        backend.scope(() => {
          const x = normalizeBatch(batch.x, model.inputNormalization);
          const { value, grads } = valueAndGrads(() => softmaxCrossEntropy(model.forward(x, { training: true, logits: true }), batch.labels), sources);
          const loss = value.item();
          optimizer.step(params, grads);
          return loss;
        }),
      );
    }
    return losses;
  });
}

test('20 Adam steps of seed-cnn on the first 640 MNIST images give the same loss curve on wasm as on js, within 1e-4 per step', (t) => {
  const onJs = lossCurve(js, 20);
  const onWasm = lossCurve(wasm, 20);
  assert.equal(onJs.length, 20);
  assert.equal(onWasm.length, 20);
  let worst = 0;
  onJs.forEach((expected, step) => {
    const diff = Math.abs(onWasm[step] - expected);
    worst = Math.max(worst, diff);
    assert.ok(diff <= 1e-4, `step ${step + 1}: wasm loss ${onWasm[step]}, js loss ${expected} (differ by ${diff.toExponential(2)})`);
  });
  t.diagnostic(`losses (js) ${onJs.map((l) => l.toFixed(4)).join(' ')}; largest difference ${worst.toExponential(2)}; wasm on ${wasm.threads ?? 1} thread(s)`);
  // The curve is a real training curve, not a constant: the loss falls.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(onJs.slice(-5)) < mean(onJs.slice(0, 5)), 'the loss did not fall over 20 steps');
});

test('fit on wasm for 3 epochs of 512 images keeps WebAssembly memory flat after the first epoch; the saved and reloaded model predicts the same on wasm as on js within 1e-5', async (t) => {
  const model = createZooModel('seed-cnn', { seed: 4 });
  const reserved: number[] = [];
  const inUse: number[] = [];
  const logs = await withBackend(wasm, () =>
    fit(model, take(train, 512), {
      epochs: 3,
      batchSize: 32,
      optimizer: new Adam({ learningRate: 1e-3 }),
      seed: 4,
      onEpochEnd: () => {
        reserved.push(reservedBytes(wasm));
        inUse.push(memoryStats(wasm).inUse);
      },
    }),
  );
  const mib = (bytes: number[]) => bytes.map((r) => `${(r / 2 ** 20).toFixed(3)} MiB`).join(', ');
  t.diagnostic(`after each epoch: WebAssembly memory ${mib(reserved)}, heap bytes in use ${mib(inUse)}; losses ${logs.map((l) => l.loss.toFixed(4)).join(', ')}`);
  assert.equal(logs.length, 3);
  assert.ok(logs[2].loss < logs[0].loss, `loss did not fall: ${logs.map((l) => l.loss)}`);
  assert.equal(reserved[2], reserved[1], 'WebAssembly memory grew between epoch 2 and 3');
  assert.equal(reserved[1], reserved[0], 'WebAssembly memory grew between epoch 1 and 2');
  assert.equal(inUse[2], inUse[1], 'heap bytes in use grew between epoch 2 and 3');
  assert.equal(inUse[1], inUse[0], 'heap bytes in use grew between epoch 1 and 2');

  const images = gatherImages(testSet, Array.from({ length: 64 }, (_, i) => i));
  const trainedOnWasm = withBackend(wasm, () => predict(model, images));
  const dir = mkdtempSync(join(tmpdir(), 'fovea-wasm-'));
  try {
    await saveModel(model, join(dir, 'model'));
    const loaded = await loadModel(join(dir, 'model'));
    const onWasm = withBackend(wasm, () => predict(loaded, images));
    const onJs = withBackend(js, () => predict(loaded, images));
    assert.deepEqual(onWasm.shape, [64, 10]);
    let worst = 0;
    for (let i = 0; i < onJs.size; i++) {
      const diff = Math.abs(onWasm.data[i] - onJs.data[i]);
      worst = Math.max(worst, diff);
      assert.ok(diff <= 1e-5, `probability ${i}: wasm ${onWasm.data[i]}, js ${onJs.data[i]}`);
      assert.ok(Object.is(onWasm.data[i], trainedOnWasm.data[i]), `probability ${i}: the reloaded model gives ${onWasm.data[i]}, the trained one ${trainedOnWasm.data[i]}`);
    }
    t.diagnostic(`largest wasm–js difference in predicted probabilities: ${worst.toExponential(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
