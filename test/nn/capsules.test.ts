/**
 * The capsule layers (PrimaryCapsules, RoutingCapsules, Squash, CapsuleLength, CapsuleDecoder):
 * shapes, build-time errors, config round trip, summary text, a tiny capsule network's forward
 * pass (js against wasm, equal to the same computation written out with ops), gradients reaching
 * every parameter, and the decoder's reconstruction loss, added only while training.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { valueAndGrads } from '../../src/autograd/index.js';
import { createJsBackend, loadBackend, withBackend } from '../../src/backend/index.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/io/index.js';
import { CapsuleDecoder, CapsuleLength, Conv2D, GraphModel, input, type Layer, layerFromConfig, PrimaryCapsules, RoutingCapsules, Sequential, Squash } from '../../src/nn/index.js';
import { add, batchMatmul, capsuleLength, conv2d, dynamicRouting, marginLoss, relu, reshape, scale, squash, sumSquaredError, transpose } from '../../src/ops/index.js';
import { Rng, type Shape, Tensor } from '../../src/tensor/index.js';

const js = createJsBackend('float32');
const f64 = createJsBackend('float64');
const wasm = await loadBackend('wasm');

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function randomInput(shape: Shape, seed: number, lo = 0, hi = 1): Tensor {
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

const IMAGE: Shape = [12, 12, 1];

/** Conv 8 3×3 → 4×4×2 primary capsules of 4D → 3 capsules of 5D (2 routings) → decoder → lengths. */
function tinyCapsNet(seed = 3): Sequential {
  return new Sequential(
    [
      new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', name: 'conv' }),
      new PrimaryCapsules({ capsules: 2, capsuleDim: 4, kernelSize: 3, strides: 2, name: 'primary' }),
      new RoutingCapsules({ capsules: 3, capsuleDim: 5, routings: 2, name: 'digits' }),
      new CapsuleDecoder({ units: [6, 7], imageShape: [...IMAGE], name: 'decoder' }),
      new CapsuleLength({ name: 'lengths' }),
    ],
    { inputShape: IMAGE, name: 'tiny-capsnet' },
  ).build({ seed });
}

const parameter = (model: Sequential, name: string) => model.parameters().find((p) => p.name === name)!.value;

describe('capsule layers: shapes and weights', () => {
  test('PrimaryCapsules [20, 20, 16], 4 × 8D, 9×9 stride 2 → 6×6×4 = 144 capsules of 8D; kernel [9, 9, 16, 32] and bias', () => {
    const layer = new PrimaryCapsules({ capsules: 4, capsuleDim: 8, kernelSize: 9, strides: 2, name: 'p' });
    assert.deepEqual(layer.build([20, 20, 16], new Rng(0)), [144, 8]);
    assert.deepEqual(layer.parameters().map((p) => [p.name, p.value.shape]), [
      ['p/kernel', [9, 9, 16, 32]],
      ['p/bias', [32]],
    ]);
  });

  test("RoutingCapsules [144, 8] → [10, 16]; kernel [144, 8, 10, 16], truncated normal of σ 0.01 (Sabour et al.'s init)", () => {
    const layer = new RoutingCapsules({ capsules: 10, capsuleDim: 16, name: 'r' });
    assert.deepEqual(layer.build([144, 8], new Rng(0)), [10, 16]);
    const w = layer.parameters()[0].value;
    assert.deepEqual(w.shape, [144, 8, 10, 16]);
    const values = Array.from(w.data);
    const std = Math.sqrt(values.reduce((s, x) => s + x * x, 0) / values.length);
    assert.ok(values.every((x) => Math.abs(x) <= 0.02) && std > 0.0075 && std < 0.0095, `std ${std}`);
    assert.equal(layer.routings, 3);
    const glorot = new RoutingCapsules({ capsules: 2, capsuleDim: 3, kernelInitializer: 'glorotUniform' });
    glorot.build([5, 4], new Rng(0));
    assert.deepEqual(glorot.parameters()[0].value.shape, [5, 4, 2, 3]);
  });

  test('Squash keeps its input shape, or regroups [6, 6, 32] into 288 capsules of 4D; CapsuleLength drops the last axis', () => {
    assert.deepEqual(new Squash().build([10, 16], new Rng(0)), [10, 16]);
    assert.deepEqual(new Squash({ capsuleDim: 4 }).build([6, 6, 32], new Rng(0)), [288, 4]);
    assert.deepEqual(new CapsuleLength().build([10, 16], new Rng(0)), [10]);
  });

  test('CapsuleDecoder passes its input shape through; dense weights [J·D → units → image size]', () => {
    const layer = new CapsuleDecoder({ units: [32, 64], imageShape: [28, 28, 1], name: 'd' });
    assert.deepEqual(layer.build([10, 16], new Rng(0)), [10, 16]);
    assert.deepEqual(layer.parameters().map((p) => [p.name, p.value.shape]), [
      ['d/hidden_0/kernel', [160, 32]],
      ['d/hidden_0/bias', [32]],
      ['d/hidden_1/kernel', [32, 64]],
      ['d/hidden_1/bias', [64]],
      ['d/output/kernel', [64, 784]],
      ['d/output/bias', [784]],
    ]);
    const defaults = new CapsuleDecoder({ imageShape: [28, 28, 1] });
    assert.deepEqual([defaults.units, defaults.weight], [[512, 1024], 0.0005]);
  });
});

describe('capsule layers: build-time errors', () => {
  const builds = (layer: Layer, shape: Shape) => () => new Sequential([layer], { inputShape: shape, name: 'm' }).build();

  test('routings below 1 or fractional, and non-positive sizes, are ArgumentErrors naming the layer type and option', () => {
    for (const routings of [0, -1, 1.5]) {
      assert.throws(() => new RoutingCapsules({ capsules: 10, capsuleDim: 16, routings }), (e: unknown) => e instanceof ArgumentError && /RoutingCapsules routings/.test(e.message));
    }
    assert.throws(() => new RoutingCapsules({ capsules: 0, capsuleDim: 16 }), /RoutingCapsules capsules must be a positive integer/);
    assert.throws(() => new RoutingCapsules({ capsules: 10, capsuleDim: 16, kernelStddev: 0 }), ArgumentError);
    assert.throws(() => new PrimaryCapsules({ capsules: 8, capsuleDim: 0, kernelSize: 9, name: 'p' }), (e: unknown) => e instanceof ArgumentError && /PrimaryCapsules 'p' capsuleDim/.test(e.message));
    assert.throws(() => new PrimaryCapsules({ capsules: 8, capsuleDim: 4, kernelSize: 0 }), ArgumentError);
    assert.throws(() => new Squash({ capsuleDim: 2.5 }), ArgumentError);
    assert.throws(() => new CapsuleDecoder({ units: [512, 0] }), /units\[1\]/);
    assert.throws(() => new CapsuleDecoder({ weight: -1 }), ArgumentError);
  });

  test('inputs of the wrong rank are ShapeErrors naming the layer and the shape', () => {
    assert.throws(builds(new RoutingCapsules({ capsules: 10, capsuleDim: 16, name: 'digits' }), [6, 6, 32]), (e: unknown) => e instanceof ShapeError && /'digits' \(RoutingCapsules\).*\[6, 6, 32\]/.test(e.message));
    assert.throws(builds(new PrimaryCapsules({ capsules: 8, capsuleDim: 4, kernelSize: 3, name: 'primary' }), [100, 8]), (e: unknown) => e instanceof ShapeError && /'primary' \(PrimaryCapsules\).*\[100, 8\]/.test(e.message));
    assert.throws(builds(new CapsuleLength({ name: 'len' }), [10]), (e: unknown) => e instanceof ShapeError && /'len' \(CapsuleLength\)/.test(e.message));
    assert.throws(builds(new CapsuleDecoder({ imageShape: [4, 4, 1], name: 'dec' }), [4, 4, 1]), (e: unknown) => e instanceof ShapeError && /'dec' \(CapsuleDecoder\)/.test(e.message));
  });

  test('a primary-capsule kernel larger than its input is a ShapeError with the formula', () => {
    assert.throws(builds(new PrimaryCapsules({ capsules: 8, capsuleDim: 4, kernelSize: 9, strides: 2, name: 'primary' }), [6, 6, 16]), (e: unknown) => e instanceof ShapeError && /'primary' \(PrimaryCapsules\)/.test(e.message));
  });

  test('a capsule dimension that does not divide the channels is a ShapeError', () => {
    assert.throws(builds(new Squash({ capsuleDim: 5, name: 'sq' }), [6, 6, 32]), (e: unknown) => e instanceof ShapeError && /'sq' \(Squash\).*capsuleDim 5 must divide the 32 channels/.test(e.message));
  });

  test('a decoder without imageShape cannot build; one whose imageShape is not the model input fails checkImageShape and the training call', () => {
    assert.throws(builds(new CapsuleDecoder({ name: 'dec' }), [10, 16]), (e: unknown) => e instanceof ArgumentError && /'dec' \(CapsuleDecoder\) needs imageShape/.test(e.message));
    const decoder = new CapsuleDecoder({ units: [4], imageShape: [8, 8, 1], name: 'dec' });
    decoder.build([3, 2], new Rng(0));
    assert.throws(() => decoder.checkImageShape([28, 28, 1]), (e: unknown) => e instanceof ShapeError && /reconstructs images \[8, 8, 1\].*\[28, 28, 1\]/.test(e.message));
    decoder.checkImageShape([8, 8, 1]);
    const v = randomInput([2, 3, 2], 1);
    const context = { training: true, rng: new Rng(0), labels: new Int32Array([0, 1]), modelInput: randomInput([2, 28, 28, 1], 2), addLoss: () => {} };
    assert.throws(() => decoder.call(v, context), ShapeError);
    assert.throws(() => decoder.call(v, { ...context, labels: undefined }), /needs the batch's labels/);
  });

  test('a model whose decoder reconstructs another image shape than the model input fails when the model is built', () => {
    const model = new Sequential(
      [
        new PrimaryCapsules({ capsules: 2, capsuleDim: 4, kernelSize: 3, strides: 2 }),
        new RoutingCapsules({ capsules: 3, capsuleDim: 4, routings: 1 }),
        new CapsuleDecoder({ units: [8], imageShape: [28, 28, 1], name: 'dec' }),
        new CapsuleLength(),
      ],
      { inputShape: [8, 8, 1] },
    );
    assert.throws(() => model.build({ seed: 0 }), (e: unknown) => e instanceof ShapeError && /'dec' \(CapsuleDecoder\) reconstructs images \[28, 28, 1\].*model's input is \[8, 8, 1\]/.test(e.message));
  });
});

describe('capsule layers: configs and summary', () => {
  test('every layer rebuilds from its config (layerFromConfig) with the same config and, seeded alike, the same weights', () => {
    const model = tinyCapsNet();
    const configs = model.layers.map((l) => l.getConfig());
    const rebuilt = new Sequential(configs.map(layerFromConfig), { inputShape: IMAGE, name: 'tiny-capsnet' }).build({ seed: 3 });
    assert.deepEqual(rebuilt.layers.map((l) => l.getConfig()), configs);
    rebuilt.parameters().forEach((p, i) => assert.deepEqual(Array.from(p.value.data), Array.from(model.parameters()[i].value.data), p.name));
    for (const layer of [new Squash({ capsuleDim: 4, name: 's' }), new Squash()]) assert.deepEqual(layerFromConfig(layer.getConfig()).getConfig(), layer.getConfig());
  });

  test('model.json round trip (saveModel / loadModel) keeps the capsule weights and outputs', async () => {
    const model = tinyCapsNet();
    const dir = await mkdtemp(join(tmpdir(), 'fovea-capsules-'));
    dirs.push(dir);
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const x = randomInput([2, ...IMAGE], 4);
    withBackend(js, () => close(loaded.predictBatch(x).data, model.predictBatch(x).data, 0, 'lengths'));
  });

  test('summary shows capsule shapes in the detail column', () => {
    const summary = tinyCapsNet().summary();
    assert.match(summary, /primary \(PrimaryCapsules 4×4×2 capsules of 4D, f=3,s=2\)\s+8\s+valid\s+\(32, 4\)\s+128\s+584/);
    assert.match(summary, /digits \(RoutingCapsules 32×4D → 3 capsules of 5D, 2 routings\)\s+-\s+-\s+\(3, 5\)\s+15\s+1,920/);
    assert.match(summary, /decoder \(CapsuleDecoder masked 3 capsules of 5D → 6 → 7 → 144 sigmoid \(12×12×1\), loss ×0\.0005\)\s+-\s+-\s+\(3, 5\)/);
    assert.match(summary, /lengths \(CapsuleLength ‖v‖ of 3 capsules of 5D\)\s+-\s+-\s+\(3\)\s+3\s+0/);
    assert.match(new Sequential([new Squash({ capsuleDim: 4 })], { inputShape: [6, 6, 32] }).build().summary(), /Squash 6×6×8 capsules of 4D/);
  });
});

describe('a tiny capsule network', () => {
  test('forward equals the computation written out with ops (js, float64)', () => {
    withBackend(f64, () => {
      const model = tinyCapsNet();
      const x = randomInput([3, ...IMAGE], 5);
      const w = (name: string) => parameter(model, name);
      const features = relu(conv2d(x, w('conv/kernel'), {}, w('conv/bias')));
      const primary = squash(reshape(conv2d(features, w('primary/kernel'), { strides: 2 }, w('primary/bias')), [3, 32, 4]));
      // û[b, j, i] = u[b, i]·W[i, :, j, :], written as one matrix product per (b, i).
      const predictions = batchMatmul(reshape(transpose(primary, [1, 0, 2]), [32, 3, 4]), reshape(w('digits/kernel'), [32, 4, 15]));
      const uHat = transpose(reshape(predictions, [32, 3, 3, 5]), [1, 2, 0, 3]);
      const expected = capsuleLength(dynamicRouting(uHat, 2));
      const got = model.predictBatch(x);
      assert.deepEqual(got.shape, [3, 3]);
      close(got.data, expected.data, 1e-12, 'lengths');
      assert.ok(Array.from(got.data).every((l) => l >= 0 && l < 1));
    });
  });

  test('wasm (threads) gives the js outputs within float32 sums', () => {
    const model = tinyCapsNet();
    const x = randomInput([4, ...IMAGE], 6);
    const expected = withBackend(js, () => model.predictBatch(x).data);
    const got = withBackend(wasm, () => wasm.scope(() => Float32Array.from(model.predictBatch(x).data)));
    close(got, expected, 1e-5, 'lengths');
  });

  test('a margin-loss training step reaches every parameter, the decoder through its reconstruction loss', () => {
    for (const backend of [js, wasm]) {
      withBackend(backend, () =>
        backend.scope(() => {
          const model = tinyCapsNet();
          const x = randomInput([4, ...IMAGE], 7);
          const labels = new Int32Array([0, 2, 1, 2]);
          const params = model.parameters();
          const { value, grads } = valueAndGrads(() => {
            const extra: Tensor[] = [];
            const lengths = model.forward(x, { training: true, labels, addLoss: (loss) => extra.push(loss) });
            assert.equal(extra.length, 1);
            return add(marginLoss(lengths, labels), extra[0]);
          }, params.map((p) => p.value));
          assert.ok(Number.isFinite(value.item()));
          params.forEach((p, i) => {
            const g = Array.from(grads[i].data);
            assert.ok(g.every(Number.isFinite) && g.some((v) => v !== 0), `${backend.name}: gradient of ${p.name} is ${g.some((v) => v !== 0) ? 'not finite' : 'zero'}`);
          });
        }),
      );
    }
  });
});

describe('CapsuleDecoder', () => {
  test('adds weight·sumSquaredError(reconstruction of the masked capsules, model input) only when the context has addLoss', () => {
    withBackend(f64, () => {
      const model = tinyCapsNet();
      const decoder = model.getLayer('decoder') as CapsuleDecoder;
      const x = randomInput([2, ...IMAGE], 8);
      const labels = new Int32Array([1, 0]);
      const added: Tensor[] = [];
      const training = model.forward(x, { training: true, labels, addLoss: (loss) => added.push(loss) });
      assert.equal(added.length, 1);
      assert.deepEqual(added[0].shape, []);
      const inference = model.forward(x, { training: true, labels });
      model.forward(x);
      assert.equal(added.length, 1, 'no loss without addLoss');
      close(training.data, inference.data, 0, 'the decoder passes its input through');

      const capsules = model.layers.slice(0, 3).reduce((y, layer) => layer.call(y, { training: false, rng: new Rng(0) }), x);
      const reconstruction = decoder.reconstruct(capsules, labels);
      assert.deepEqual(reconstruction.shape, [2, ...IMAGE]);
      assert.ok(Array.from(reconstruction.data).every((p) => p > 0 && p < 1), 'sigmoid pixels');
      close(added[0].data, scale(sumSquaredError(reconstruction, x), 0.0005).data, 1e-12, 'reconstruction loss');
    });
  });

  test('reconstruct uses only the chosen capsule: changing another capsule leaves the image unchanged', () => {
    withBackend(f64, () => {
      const decoder = new CapsuleDecoder({ units: [5], imageShape: [2, 2, 1] });
      decoder.build([3, 2], new Rng(1));
      const v = randomInput([1, 3, 2], 9, -1, 1);
      const changed = new Tensor(Float32Array.from(v.data), v.shape);
      changed.data[0] += 0.5;
      changed.data[5] -= 0.5;
      const classes = new Int32Array([1]);
      close(decoder.reconstruct(changed, classes).data, decoder.reconstruct(v, classes).data, 0, 'image');
      const other = decoder.reconstruct(v, new Int32Array([0])).data;
      assert.ok(Array.from(other).some((p, i) => p !== decoder.reconstruct(v, classes).data[i]));
    });
  });

  test('works in a graph model too: conv → Squash(capsuleDim) → RoutingCapsules → CapsuleDecoder → CapsuleLength', () => {
    const x = input([6, 6, 1]);
    const conv = new Conv2D({ filters: 8, kernelSize: 3, strides: 2, name: 'conv' }).apply(x);
    const caps = new Squash({ capsuleDim: 4, name: 'squash' }).apply(conv);
    const digits = new RoutingCapsules({ capsules: 2, capsuleDim: 3, routings: 1, name: 'digits' }).apply(caps);
    const decoded = new CapsuleDecoder({ units: [4], imageShape: [6, 6, 1], name: 'decoder' }).apply(digits);
    const lengths = new CapsuleLength({ name: 'len' }).apply(decoded);
    const model = new GraphModel({ inputs: x, outputs: lengths, name: 'g' }).build({ seed: 1 });
    let added = 0;
    const out = withBackend(js, () => model.forward(randomInput([2, 6, 6, 1], 10), { training: true, labels: new Int32Array([0, 1]), addLoss: () => added++ }));
    assert.deepEqual(out.shape, [2, 2]);
    assert.equal(added, 1);
  });
});
