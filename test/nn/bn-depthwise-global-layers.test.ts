/**
 * The BatchNormalization, DepthwiseConv2D, GlobalAveragePooling2D / GlobalMaxPooling2D layers
 * and Conv2D's `groups`: build-time errors, weights and summary, batch norm's training and
 * inference modes and its moving statistics (also through `fit` on the wasm backend, where they
 * must survive each step's memory scope), and the model.json round trip.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createJsBackend, loadBackend, withBackend } from '../../src/backend/index.js';
import { take, type ImageDataset, loadDataset } from '../../src/data/index.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/io/index.js';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  DepthwiseConv2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  type Layer,
  layerFromConfig,
  Sequential,
} from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { Rng, type Shape, Tensor } from '../../src/tensor/index.js';
import { fit } from '../../src/train/index.js';

const js = createJsBackend('float32');
const wasm = await loadBackend('wasm');

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function randomInput(shape: Shape, seed: number, lo = -1, hi = 1): Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.uniform()), shape);
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])))) assert.fail(`${what}[${i}]: ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Every new layer (and a grouped Conv2D) in one model, 12×10×4 input. */
function everyNewLayer(): Sequential {
  return new Sequential(
    [
      new Conv2D({ filters: 6, kernelSize: 3, padding: 'same', groups: 2, name: 'grouped' }),
      new BatchNormalization({ name: 'bn1' }),
      new DepthwiseConv2D({ kernelSize: [3, 2], strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu', name: 'dw' }),
      new BatchNormalization({ momentum: 0.9, epsilon: 1e-2, center: false, name: 'bn2' }),
      new DepthwiseConv2D({ kernelSize: 3, dilationRate: 2, padding: [[1, 1], [2, 0]], useBias: false, name: 'dw_dilated' }),
      new GlobalAveragePooling2D({ keepdims: true, name: 'gap' }),
      new GlobalMaxPooling2D({ name: 'gmp' }),
      new BatchNormalization({ scale: false, name: 'bn3' }),
      new Dense({ units: 3, activation: 'softmax', name: 'head' }),
    ],
    { inputShape: [12, 10, 4], name: 'every-new-layer' },
  );
}

describe('build-time checks', () => {
  const buildWith = (layer: Layer, inputShape: Shape) => new Sequential([layer], { inputShape }).build();

  test('Conv2D groups that do not divide the input channels or the filters: a ShapeError naming the layer, input and counts', () => {
    assert.throws(() => buildWith(new Conv2D({ filters: 6, kernelSize: 3, groups: 4, name: 'g' }), [8, 8, 6]), (e: unknown) => e instanceof ShapeError && /layer 'g' \(Conv2D\) with input \[8, 8, 6\]: groups = 4 must divide both the 6 input channels and the 6 filters/.test(e.message));
    assert.throws(() => buildWith(new Conv2D({ filters: 5, kernelSize: 3, groups: 2, name: 'g' }), [8, 8, 6]), (e: unknown) => e instanceof ShapeError && /groups = 2 .* 5 filters/.test(e.message));
    assert.throws(() => new Conv2D({ filters: 6, kernelSize: 3, groups: 0 }), ArgumentError);
  });

  test('DepthwiseConv2D: non-image input and a window larger than the image are ShapeErrors naming the layer', () => {
    assert.throws(() => buildWith(new DepthwiseConv2D({ kernelSize: 3, name: 'dw' }), [10, 4]), (e: unknown) => e instanceof ShapeError && /layer 'dw' \(DepthwiseConv2D\)/.test(e.message));
    assert.throws(() => buildWith(new DepthwiseConv2D({ kernelSize: 5, name: 'dw' }), [4, 4, 3]), (e: unknown) => e instanceof ShapeError && /layer 'dw' \(DepthwiseConv2D\) with input \[4, 4, 3\]/.test(e.message));
    assert.throws(() => new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 0 }), ArgumentError);
  });

  test('BatchNormalization: an axis other than the channels is a ShapeError; momentum and epsilon out of range are ArgumentErrors', () => {
    assert.throws(() => buildWith(new BatchNormalization({ axis: 1, name: 'bn' }), [8, 8, 3]), (e: unknown) => e instanceof ShapeError && /layer 'bn' \(BatchNormalization\).*only the last axis \(−1 or 3/.test(e.message));
    buildWith(new BatchNormalization({ axis: 3 }), [8, 8, 3]);
    buildWith(new BatchNormalization({ axis: 1 }), [7]);
    assert.throws(() => new BatchNormalization({ momentum: 1.5 }), ArgumentError);
    assert.throws(() => new BatchNormalization({ epsilon: 0 }), ArgumentError);
  });

  test('global pooling needs an image input', () => {
    assert.throws(() => buildWith(new GlobalAveragePooling2D({ name: 'gap' }), [16]), (e: unknown) => e instanceof ShapeError && /layer 'gap' \(GlobalAveragePooling2D\)/.test(e.message));
    assert.throws(() => buildWith(new GlobalMaxPooling2D(), [4, 4]), ShapeError);
  });
});

describe('weights, shapes and summary', () => {
  test('every new layer: output shapes, weight names and shapes, trainable flags', () => {
    const model = everyNewLayer().build({ seed: 1 });
    assert.deepEqual(
      model.layers.map((l) => l.outputShape),
      [[12, 10, 6], [12, 10, 6], [6, 5, 12], [6, 5, 12], [4, 3, 12], [1, 1, 12], [12], [12], [3]],
    );
    const params = model.parameters().map((p) => `${p.name} [${p.value.shape}]${p.trainable ? '' : ' frozen'}`);
    assert.deepEqual(params, [
      'grouped/kernel [3,3,2,6]',
      'grouped/bias [6]',
      'bn1/gamma [6]',
      'bn1/beta [6]',
      'bn1/moving_mean [6] frozen',
      'bn1/moving_variance [6] frozen',
      'dw/depthwise_kernel [3,2,6,2]',
      'dw/bias [12]',
      'bn2/gamma [12]',
      'bn2/moving_mean [12] frozen',
      'bn2/moving_variance [12] frozen',
      'dw_dilated/depthwise_kernel [3,3,12,1]',
      'bn3/beta [12]',
      'bn3/moving_mean [12] frozen',
      'bn3/moving_variance [12] frozen',
      'head/kernel [12,3]',
      'head/bias [3]',
    ]);
    const bn1 = model.layers[1] as BatchNormalization;
    assert.deepEqual([...bn1.gamma!.value.data], [1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...bn1.movingVariance!.value.data], [1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...bn1.movingMean!.value.data], [0, 0, 0, 0, 0, 0]);
  });

  test('summary() names the layers, shows the groups, the depth multiplier and the non-trainable statistics', () => {
    const summary = everyNewLayer().build({ seed: 1 }).summary();
    assert.match(summary, /grouped \(Conv2D f=3,s=1,g=2\)/);
    assert.match(summary, /dw \(DepthwiseConv2D f=3×2,s=2,×2 relu\)\s+12\s+same\s+\(6, 5, 12\)/);
    assert.match(summary, /bn2 \(BatchNormalization momentum=0\.9,ε=0\.01,no center\)/);
    assert.match(summary, /gap \(GlobalAveragePooling2D keepdims\)\s+-\s+-\s+\(1, 1, 12\)/);
    assert.match(summary, /gmp \(GlobalMaxPooling2D\)\s+-\s+-\s+\(12\)/);
    // 2·6 + 2·12 + 2·12 moving statistics.
    assert.match(summary, /Non-trainable params: 60\n?/);
  });
});

describe('BatchNormalization training and inference', () => {
  test('training normalises with the batch statistics and moves the averages by 1 − momentum; inference then uses the moving ones', () => {
    withBackend(js, () => {
      const bn = new BatchNormalization({ momentum: 0.75, epsilon: 1e-3 });
      const model = new Sequential([bn], { inputShape: [3, 2, 2] }).build();
      bn.gamma!.value.data.set([2, 0.5]);
      bn.beta!.value.data.set([1, -1]);
      const x = randomInput([4, 3, 2, 2], 3, -1, 5);
      const y = model.forward(x, { training: true });
      // Batch statistics by hand.
      const mean = [0, 0];
      const variance = [0, 0];
      const rows = x.size / 2;
      for (let i = 0; i < x.size; i++) mean[i % 2] += x.data[i] / rows;
      for (let i = 0; i < x.size; i++) variance[i % 2] += (x.data[i] - mean[i % 2]) ** 2 / rows;
      const expectedY = Array.from(x.data, (v, i) => ([2, 0.5][i % 2] * (v - mean[i % 2])) / Math.sqrt(variance[i % 2] + 1e-3) + [1, -1][i % 2]);
      close(y.data, expectedY, 1e-5, 'training output');
      const movingMean = mean.map((m) => 0.25 * m);
      const movingVariance = variance.map((v) => 0.75 + 0.25 * v);
      close(bn.movingMean!.value.data, movingMean, 1e-6, 'moving mean');
      close(bn.movingVariance!.value.data, movingVariance, 1e-6, 'moving variance');

      const x2 = randomInput([2, 3, 2, 2], 4, -3, 3);
      const y2 = model.predictBatch(x2);
      const expected2 = Array.from(x2.data, (v, i) => ([2, 0.5][i % 2] * (v - movingMean[i % 2])) / Math.sqrt(movingVariance[i % 2] + 1e-3) + [1, -1][i % 2]);
      close(y2.data, expected2, 1e-5, 'inference output with the moving statistics');
      // Inference does not touch the moving statistics.
      close(bn.movingMean!.value.data, movingMean, 1e-6, 'moving mean after inference');
    });
  });

  test('with momentum 0 the moving statistics become the batch ones, so inference on that batch reproduces training', () => {
    for (const backend of [js, wasm]) {
      withBackend(backend, () => {
        const model = new Sequential([new BatchNormalization({ momentum: 0 })], { inputShape: [5, 4, 7] }).build();
        const x = randomInput([3, 5, 4, 7], 5, 2, 6);
        const train = Float32Array.from(model.forward(x, { training: true }).data);
        close(model.predictBatch(x).data, train, 1e-4, `inference vs training on ${backend.name}`);
      });
    }
  });
});

describe('training with fit on the wasm backend', () => {
  let mnist: ImageDataset;
  before(async () => {
    mnist = (await loadDataset('mnist')).train;
  });

  test('moving statistics are updated in place in persistent memory, survive every step scope, and inference on wasm matches js', async () => {
    const model = new Sequential(
      [
        new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
        new BatchNormalization(),
        new Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', groups: 2 }),
        new DepthwiseConv2D({ kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu' }),
        new BatchNormalization({ momentum: 0.9 }),
        new GlobalAveragePooling2D(),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
      { inputShape: [28, 28, 1] },
    ).build({ seed: 2 });
    const bns = model.layers.filter((l): l is BatchNormalization => l instanceof BatchNormalization);
    const logs = await withBackend(wasm, () => fit(model, take(mnist, 256), { epochs: 1, batchSize: 32, optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), seed: 1 }));
    assert.ok(Number.isFinite(logs[0].loss));
    const arrays = bns.flatMap((bn) => [bn.movingMean!.value.data, bn.movingVariance!.value.data]);
    const values = arrays.map((a) => Float32Array.from(a));
    for (const [i, v] of values.entries()) {
      assert.ok(v.every(Number.isFinite), `moving statistic ${i} is not finite`);
      assert.ok(v.some((e) => e !== (i % 2 === 0 ? 0 : 1)), `moving statistic ${i} never moved from its initial value`);
    }
    // Eight steps with momentum 0.9 moved bn2's mean by 1 − 0.9⁸ ≈ 57% of the way; with 0.99, 8%.
    // Heavy use of the wasm heap afterwards must not touch them (they are not scope temporaries).
    wasm.scope(() => {
      for (let i = 0; i < 20; i++) (wasm.alloc(50_000) as Float32Array).fill(NaN);
    });
    for (let i = 0; i < 4; i++) wasm.scope(() => model.forward(randomInput([16, 28, 28, 1], i), { training: false }));
    arrays.forEach((a, i) => assert.deepEqual([...a], [...values[i]], `moving statistic ${i} changed after later scopes`));
    // The same weights on js predict the same (inference uses the moving statistics on both).
    const x = randomInput([8, 28, 28, 1], 9, 0, 1);
    const onWasm = Float32Array.from(withBackend(wasm, () => model.predictBatch(x)).data);
    const onJs = withBackend(js, () => model.predictBatch(x)).data;
    close(onWasm, onJs, 1e-4, 'predictions wasm vs js');
  });
});

describe('model.json round trip', () => {
  test('every new layer: save → load gives the same config, the same weights (moving statistics included) and the same predictions', async () => {
    const model = everyNewLayer().build({ seed: 5 });
    // Give the moving statistics values of their own, as after training.
    const rng = new Rng(6);
    for (const p of model.parameters()) if (!p.trainable) for (let i = 0; i < p.value.size; i++) p.value.data[i] = 0.5 + rng.uniform();
    const dir = await mkdtemp(join(tmpdir(), 'fovea-new-layers-'));
    dirs.push(dir);
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    assert.deepEqual(loaded.getConfig(), model.getConfig());
    const a = model.parameters();
    const b = loaded.parameters();
    assert.deepEqual(b.map((p) => [p.name, p.trainable]), a.map((p) => [p.name, p.trainable]));
    b.forEach((p, i) => assert.deepEqual([...p.value.data], [...a[i].value.data], p.name));
    const x = randomInput([3, 12, 10, 4], 8);
    for (const backend of [js, wasm]) {
      withBackend(backend, () => assert.deepEqual([...loaded.predictBatch(x).data], [...model.predictBatch(x).data], `predictions on ${backend.name}`));
    }
  });

  test('layer configs rebuild layers of the same type with the same options', () => {
    for (const layer of everyNewLayer().build().layers) {
      const rebuilt = layerFromConfig(layer.getConfig());
      assert.equal(rebuilt.type, layer.type);
      assert.deepEqual(rebuilt.getConfig(), layer.getConfig());
    }
    assert.equal(new Conv2D({ filters: 4, kernelSize: 3 }).getConfig().groups, undefined, 'groups = 1 is not written, so older model files read the same');
  });
});
