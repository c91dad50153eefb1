/**
 * The PatchWhitening layer and what it rests on: the Jacobi eigen-solver, the patch covariance,
 * adapt (the responses to real patches come out decorrelated with unit variance), fit adapting it
 * before the first step (and not again on resume), its config round trip, and its errors.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createImageDataset, type ImageDataset } from '../../src/data/index.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/io/index.js';
import { Activation, Dense, Flatten, GlobalMaxPooling2D, layerFromConfig, PatchWhitening, Sequential } from '../../src/nn/index.js';
import { patchCovariance } from '../../src/nn/patch-whitening.js';
import { symmetricEigen } from '../../src/nn/symmetric-eigen.js';
import { SGD } from '../../src/optim/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';
import { ADAPT_IMAGES, fit } from '../../src/train/index.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Images whose neighbouring pixels and channels are strongly correlated, as in photographs. */
function correlatedImages(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * size * size * 3);
  for (let i = 0; i < n; i++) {
    const base = rng.normal();
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const shade = base + 0.3 * Math.sin((x + y) * 0.7 + i) + 0.2 * rng.normal();
        for (let c = 0; c < 3; c++) out[((i * size + y) * size + x) * 3 + c] = shade * (1 + 0.2 * c) + 0.1 * rng.normal();
      }
    }
  }
  return out;
}

function colourDataset(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * 8 * 8 * 3);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const level = labels[i] === 1 ? 180 : 70;
    for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) images[(i * 64 + p) * 3 + c] = Math.max(0, Math.min(255, level + (c - 1) * 20 + Math.round(rng.normal() * 30)));
  }
  return createImageDataset({ name: 'colour-blobs', images, labels, height: 8, width: 8, channels: 3, classNames: ['dark', 'light'] });
}

function whiteningModel(name = 'whiten-net'): Sequential {
  return new Sequential([new PatchWhitening({ kernelSize: 2 }), new Activation({ activation: 'relu' }), new GlobalMaxPooling2D(), new Dense({ units: 2, activation: 'softmax' })], {
    inputShape: [8, 8, 3],
    name,
  }).build({ seed: 1 });
}

describe('symmetricEigen', () => {
  test('a random symmetric 12×12 matrix is V·Λ·Vᵀ with orthonormal V, eigenvalues largest first', () => {
    const n = 12;
    const rng = new Rng(3);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 1; i < n; i++) assert.ok(values[i] <= values[i - 1], `values[${i}] = ${values[i]} > values[${i - 1}] = ${values[i - 1]}`);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        let rebuilt = 0;
        for (let k = 0; k < n; k++) {
          dot += vectors[i * n + k] * vectors[j * n + k];
          rebuilt += vectors[k * n + i] * values[k] * vectors[k * n + j];
        }
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-10, `v${i}·v${j} = ${dot}`);
        assert.ok(Math.abs(rebuilt - a[i * n + j]) < 1e-10, `(VᵀΛV)[${i}][${j}] = ${rebuilt}, A has ${a[i * n + j]}`);
      }
    }
  });

  test('a diagonal matrix keeps its entries as eigenvalues, sorted; the unit vectors are its eigenvectors', () => {
    const { values, vectors } = symmetricEigen([2, 0, 0, 0, 5, 0, 0, 0, -1], 3);
    assert.deepEqual([...values], [5, 2, -1]);
    assert.deepEqual([...vectors].map(Math.abs), [0, 1, 0, 1, 0, 0, 0, 0, 1]);
  });

  test('a matrix that is not square, not symmetric or not finite is refused', () => {
    assert.throws(() => symmetricEigen([1, 2, 3], 2), ArgumentError);
    assert.throws(() => symmetricEigen([1, 2, 3, 4], 2), /symmetric/);
    assert.throws(() => symmetricEigen([1, NaN, NaN, 1], 2), /finite/);
  });
});

describe('patchCovariance', () => {
  test('one 2×2 grey image has one patch p, and Σ = p·pᵀ', () => {
    const sigma = patchCovariance([1, 2, 3, 4], 1, 2, 2, 1, 2);
    assert.deepEqual([...sigma], [1, 2, 3, 4, 2, 4, 6, 8, 3, 6, 9, 12, 4, 8, 12, 16]);
  });

  test('patches are flattened as (row, column, channel), the kernel layout [kH, kW, C, filters]', () => {
    // Two channels, 2×1 image (1 row, 2 columns), 1×1 patches → two patches: (1, 10) and (2, 20).
    const sigma = patchCovariance([1, 10, 2, 20], 1, 1, 2, 2, 1);
    assert.deepEqual([...sigma], [(1 + 4) / 2, (10 + 40) / 2, (10 + 40) / 2, (100 + 400) / 2]);
  });
});

describe('PatchWhitening', () => {
  test('after adapt, the responses to the patches it adapted to have (near) identity covariance over the first k²C filters, and the rest are their negations', () => {
    const layer = new PatchWhitening({ kernelSize: 2, epsilon: 1e-9 });
    layer.build([10, 10, 3], new Rng(0));
    const images = new Tensor(correlatedImages(40, 10, 5), [40, 10, 10, 3]);
    layer.adapt(images);
    const y = layer.call(images, { training: false, rng: new Rng(0) });
    assert.deepEqual(y.shape, [40, 9, 9, 24]);
    const count = 40 * 81;
    for (let f = 0; f < 12; f++) {
      for (let g = f; g < 12; g++) {
        let sum = 0;
        for (let i = 0; i < count; i++) sum += y.data[i * 24 + f] * y.data[i * 24 + g];
        const expected = f === g ? 1 : 0;
        assert.ok(Math.abs(sum / count - expected) < 2e-3, `E[y${f}·y${g}] = ${sum / count}, expected ${expected}`);
      }
    }
    for (let i = 0; i < 200; i++) for (let f = 0; f < 12; f++) assert.equal(y.data[i * 24 + 12 + f], -y.data[i * 24 + f]);
  });

  test('its filters are not trainable and its bias is; the summary names it', () => {
    const model = whiteningModel();
    const [kernel, bias] = model.layers[0].parameters();
    assert.equal(kernel.trainable, false);
    assert.deepEqual(kernel.value.shape, [2, 2, 3, 24]);
    assert.equal(bias.trainable, true);
    assert.match(model.summary(), /whitening f=2 \(not adapted\)/);
  });

  test('fit adapts it on the first training images before the first step, and the frozen filters do not move', async () => {
    const model = whiteningModel();
    const data = colourDataset(64, 2);
    const before = Float32Array.from(model.layers[0].parameters()[0].value.data);
    assert.ok(before.every((v) => v === 0));
    await fit(model, data, { epochs: 1, batchSize: 16, optimizer: new SGD({ learningRate: 0.05 }) });
    const layer = model.layers[0] as PatchWhitening;
    assert.equal(layer.adapted, true);
    const adapted = Float32Array.from(layer.parameters()[0].value.data);
    assert.ok(adapted.some((v) => v !== 0));
    // The same filters as adapting by hand to those images (all 64 < ADAPT_IMAGES), after the input normalisation (none here: pixels / 255).
    assert.ok(data.count < ADAPT_IMAGES);
    const byHand = new PatchWhitening({ kernelSize: 2 });
    byHand.build([8, 8, 3], new Rng(0));
    byHand.adapt(new Tensor(Float32Array.from(data.images, (b) => b / 255), [64, 8, 8, 3]));
    assert.deepEqual(adapted, Float32Array.from(byHand.parameters()[0].value.data));
    // A second run does not adapt again.
    await fit(model, data, { epochs: 1, batchSize: 16, optimizer: new SGD({ learningRate: 0.05 }) });
    assert.deepEqual(Float32Array.from(layer.parameters()[0].value.data), adapted);
  });

  test('with biasEpochs 1 the bias trains in the first epoch only, while the rest trains on; a run interrupted after the freeze resumes bit for bit', async () => {
    const data = colourDataset(64, 6);
    const make = () =>
      new Sequential([new PatchWhitening({ kernelSize: 2, biasEpochs: 1 }), new Activation({ activation: 'relu' }), new GlobalMaxPooling2D(), new Dense({ units: 2, activation: 'softmax' })], {
        inputShape: [8, 8, 3],
        name: 'whiten-freeze',
      }).build({ seed: 1 });
    const options = (extra: object = {}) => ({ epochs: 3, batchSize: 16, optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), seed: 2, ...extra });
    const model = make();
    const biases: Float32Array[] = [];
    const dense: Float32Array[] = [];
    await fit(model, data, options({ onEpochEnd: () => { biases.push(Float32Array.from(model.layers[0].parameters()[1].value.data)); dense.push(Float32Array.from(model.layers[3].parameters()[0].value.data)); } }));
    assert.ok(biases[0].some((v) => v !== 0), 'the bias trained in epoch 1');
    assert.deepEqual(biases[1], biases[0]);
    assert.deepEqual(biases[2], biases[0]);
    assert.notDeepEqual(dense[2], dense[1], 'the dense layer still trains');
    assert.match(model.summary(), /whitening f=2,bias 1 epochs/);

    const dir = await mkdtemp(join(tmpdir(), 'fovea-whiten-freeze-'));
    dirs.push(dir);
    await assert.rejects(fit(make(), data, options({ checkpointDir: dir, onEpochEnd: (l: { epoch: number }) => { if (l.epoch === 3) throw new Error('power cut'); } })), /power cut/);
    const resumed = make();
    await fit(resumed, data, options({ resumeFrom: dir }));
    resumed.parameters().forEach((p, i) => assert.deepEqual(Float32Array.from(p.value.data), Float32Array.from(model.parameters()[i].value.data), p.name));
    assert.throws(() => new PatchWhitening({ biasEpochs: -1 }), /biasEpochs must be a whole number ≥ 0, got -1/);
  });

  test('a saved model keeps the adapted filters and says it is adapted, so training it again does not re-adapt', async () => {
    const model = whiteningModel();
    await fit(model, colourDataset(32, 3), { epochs: 1, batchSize: 16, optimizer: new SGD({ learningRate: 0.05 }) });
    const dir = await mkdtemp(join(tmpdir(), 'fovea-whiten-'));
    dirs.push(dir);
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const layer = loaded.layers[0] as PatchWhitening;
    assert.equal(layer.adapted, true);
    assert.deepEqual(Float32Array.from(layer.parameters()[0].value.data), Float32Array.from(model.layers[0].parameters()[0].value.data));
    assert.deepEqual(layerFromConfig(layer.getConfig()).getConfig(), layer.getConfig());
  });

  test('fit refuses a PatchWhitening layer that is not the model\'s first layer, naming where it is', async () => {
    const model = new Sequential([new Activation({ activation: 'relu' }), new PatchWhitening(), new Flatten(), new Dense({ units: 2, activation: 'softmax' })], {
      inputShape: [8, 8, 3],
      name: 'late-whitening',
    }).build({ seed: 0 });
    await assert.rejects(fit(model, colourDataset(16, 4), { epochs: 1 }), /must be the model's first layer; it is layer 2 of 4/);
  });

  test('impossible shapes and options are refused with what was expected', () => {
    assert.throws(() => new PatchWhitening({ kernelSize: 0 }), ArgumentError);
    assert.throws(() => new PatchWhitening({ epsilon: 0 }), /epsilon must be a positive number/);
    assert.throws(() => new PatchWhitening({ kernelSize: 3 }).build([2, 8, 3], new Rng(0)), ShapeError);
    const layer = new PatchWhitening();
    assert.throws(() => layer.adapt(new Tensor(new Float32Array(12), [1, 2, 2, 3])), /must be built/);
    layer.build([4, 4, 3], new Rng(0));
    assert.throws(() => layer.adapt(new Tensor(new Float32Array(16), [1, 4, 4, 1])), /adapts to images \[N ≥ 1, 4, 4, 3\], got \[1, 4, 4, 1\]/);
  });
});
