import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../../src/platform/node.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ArgumentError, ModelFileError, ShapeError } from '../../src/errors.js';
import { loadModel, modelFromJson, modelToJson, saveModel } from '../../src/io/index.js';
import { Activation, Add, Concatenate, Conv2D, Dense, Flatten, GraphModel, Sequential, add, concatenate, input } from '../../src/nn/index.js';
import { add as addTensors, biasAdd, concat, conv2d, flatten, matmul, relu } from '../../src/ops/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** input → conv a (relu) → conv b; y = a + b (a skip connection) → concat with input → flatten → dense. */
function smallResidual(): GraphModel {
  const x = input([5, 5, 2]);
  const a = new Conv2D({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a' }).apply(x);
  const b = new Conv2D({ filters: 2, kernelSize: 3, padding: 'same', name: 'b' }).apply(a);
  const sum = add([a, b], { name: 'skip' });
  const joined = concatenate([sum, x], { name: 'join' });
  const flat = new Flatten().apply(joined);
  const out = new Dense({ units: 3, activation: 'softmax', name: 'head' }).apply(flat);
  return new GraphModel({ inputs: x, outputs: out, name: 'tiny-res' }).build({ seed: 7 });
}

describe('graph models (functional API)', () => {
  test('forward equals the same computation written out with ops', () => {
    withBackend(f64, () => {
      const model = smallResidual();
      const x = randomTensor(new Rng(1), [3, 5, 5, 2]);
      const w = (name: string) => model.parameters().find((p) => p.name === name)!.value;
      const a = relu(conv2d(x, w('a/kernel'), { padding: 'same' }, w('a/bias')));
      const b = conv2d(a, w('b/kernel'), { padding: 'same' }, w('b/bias'));
      const logits = biasAdd(matmul(flatten(concat([addTensors(a, b), x])), w('head/kernel')), w('head/bias'));
      const got = model.forward(x, { logits: true });
      assert.deepEqual(got.shape, [3, 3]);
      for (let i = 0; i < got.size; i++) assert.ok(Math.abs(got.data[i] - logits.data[i]) < 1e-12, `logit ${i}`);
      const probs = model.forward(x);
      for (let r = 0; r < 3; r++) assert.ok(Math.abs(probs.data[3 * r] + probs.data[3 * r + 1] + probs.data[3 * r + 2] - 1) < 1e-12);
    });
  });

  test('layers are ordered so each comes after its inputs, named, and the summary lists each layer\'s inputs', () => {
    const model = smallResidual();
    assert.deepEqual(model.layers.map((l) => l.name), ['a', 'b', 'skip', 'join', 'flatten', 'head']);
    assert.deepEqual(model.inboundNames(model.getLayer('skip')), ['a', 'b']);
    assert.deepEqual(model.inboundNames(model.getLayer('join')), ['skip', 'input']);
    const summary = model.summary();
    assert.match(summary, /Inputs/);
    assert.match(summary, /skip \(Add\).*\(5, 5, 2\).*a, b/);
    assert.match(summary, /join \(Concatenate axis=-1\).*\(5, 5, 4\).*skip, input/);
    assert.deepEqual(model.outputShape, [3]);
    assert.equal(model.countParameters(), 2 * (3 * 3 * 2 * 2 + 2) + (100 * 3 + 3));
  });

  test('gradients of every parameter through the skip connection and the concatenation match central differences', () => {
    const model = smallResidual();
    const params = model.parameters();
    const x = randomTensor(new Rng(2), [2, 5, 5, 2]);
    checkGradients(
      (...ws: Tensor[]) => {
        params.forEach((p, i) => (p.value = ws[i]));
        return model.forward(x, { logits: true });
      },
      params.map((p) => p.value),
      { tol: 1e-5 },
    );
  });

  test('save and load round trip: same architecture (type Graph, inbound names) and the same outputs', async () => {
    const model = smallResidual();
    const dir = await mkdtemp(join(tmpdir(), 'fovea-graph-'));
    dirs.push(dir);
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    assert.ok(loaded instanceof GraphModel);
    assert.deepEqual(loaded.getConfig(), model.getConfig());
    assert.equal(loaded.getConfig().layers[3].inbound?.join(), 'skip,input');
    const x = randomTensor(new Rng(3), [2, 5, 5, 2], 0, 1);
    const xf = new Tensor(Float32Array.from(x.data), x.shape);
    assert.deepEqual(Array.from(loaded.predictBatch(xf).data), Array.from(model.predictBatch(xf).data));
  });

  test('a model.json graph whose layer takes its input from a later or unknown layer is rejected, naming the layer', () => {
    const json = modelToJson(smallResidual());
    const arch = json.architecture as { layers: { inbound?: string[] }[] };
    arch.layers[0].inbound = ['join'];
    assert.throws(() => modelFromJson(json), (e: unknown) => e instanceof ModelFileError && /takes its input from 'join'/.test((e as Error).message));
    const json2 = modelToJson(smallResidual());
    delete (json2.architecture as { layers: { inbound?: string[] }[] }).layers[2].inbound;
    assert.throws(() => modelFromJson(json2), (e: unknown) => e instanceof ModelFileError && /needs "inbound"/.test((e as Error).message));
  });

  test('Add of different shapes fails when applied, naming both shapes', () => {
    const x = input([4, 4, 3]);
    const y = new Conv2D({ filters: 5, kernelSize: 1 }).apply(x);
    assert.throws(() => add([x, y]), (e: unknown) => e instanceof ShapeError && /\[4, 4, 3\].*\[4, 4, 5\]/.test((e as Error).message));
  });

  test('a layer is applied once; merge layers need two inputs; Sequential refuses merge layers', () => {
    const x = input([4, 4, 3]);
    const conv = new Conv2D({ filters: 3, kernelSize: 1 });
    conv.apply(x);
    assert.throws(() => conv.apply(x), ArgumentError);
    assert.throws(() => new Add().apply([x]), /two or more inputs/);
    assert.throws(() => new Sequential([new Concatenate()]), /graph model/);
    assert.throws(() => input([0, 3]), ShapeError);
  });

  test('layers that do not lead to the output are left out; an Activation output is recognised as softmax', () => {
    const x = input([6]);
    new Dense({ units: 2 }).apply(x); // a dead branch
    const h = new Dense({ units: 4, name: 'h' }).apply(x);
    const out = new Activation({ activation: 'softmax' }).apply(h);
    const model = new GraphModel({ inputs: x, outputs: out }).build();
    assert.deepEqual(model.layers.map((l) => l.name), ['h', 'activation']);
    assert.ok(model.outputsProbabilities());
  });
});
