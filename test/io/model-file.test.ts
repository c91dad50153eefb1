import '../../src/platform/node.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodePlatform } from '../../src/platform/node.js';
import { setPlatform } from '../../src/platform/platform.js';
import { loadModel, readModel, saveModel } from '../../src/io/model-file.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { FoveaError, ModelFileError, NotFoundError } from '../../src/errors.js';
import { createZooModel } from '../../src/models/index.js';
import { Activation, AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D, Sequential } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Shape } from '../../src/tensor/tensor.js';

async function withTempDir(body: (parent: string) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), 'fovea-model-file-'));
  try {
    await body(parent);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

function randomInput(shape: Shape, seed: number): Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: size }, () => rng.uniform() * 2 - 1), shape);
}

function assertBitIdentical(actual: Float32Array | Float64Array, expected: Float32Array | Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Every layer type, with the options that have to survive the config round trip. */
function handBuiltModel(): Sequential {
  return new Sequential(
    [
      new Conv2D({ filters: 4, kernelSize: [3, 2], padding: [[1, 0], [2, 1]], dilationRate: [2, 1], activation: 'tanh', name: 'dilated' }),
      new AvgPool2D({ poolSize: 2, strides: 1, padding: 'same' }),
      new Dropout({ rate: 0.3 }),
      new Activation({ activation: 'leakyRelu', alpha: 0.1 }),
      new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 1, useBias: false, kernelInitializer: 'heNormal' }),
      new MaxPool2D({ poolSize: [2, 1] }),
      new Flatten(),
      new Dense({ units: 5, activation: 'sigmoid', biasInitializer: 'zeros' }),
      new Dense({ units: 3 }),
      new Activation({ activation: 'softmax' }),
    ],
    { inputShape: [11, 9, 2], name: 'every-layer' },
  ).build({ seed: 11 });
}

async function savedSeedCnn(parent: string): Promise<string> {
  const dir = join(parent, 'model');
  await saveModel(createZooModel('seed-cnn', { seed: 3 }), dir);
  return dir;
}

async function editModelJson(dir: string, edit: (json: any) => void): Promise<void> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  edit(json);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
}

async function editWeights(dir: string, edit: (tensors: Map<string, Tensor>) => void): Promise<void> {
  const { tensors } = decodeSafetensors(new Uint8Array(await readFile(join(dir, 'weights.safetensors'))));
  edit(tensors);
  await writeFile(join(dir, 'weights.safetensors'), encodeSafetensors([...tensors.entries()]));
}

/** Loading `dir` fails with `type`, the message names `file` and matches every pattern. */
async function assertLoadFails(dir: string, type: typeof ModelFileError | typeof NotFoundError, file: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(loadModel(dir), (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.ok(e instanceof FoveaError);
    assert.ok(e.message.includes(file), `message should name ${file}: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('seed-cnn saved and loaded predicts bit-identically and keeps every parameter', async () => {
  await withTempDir(async (parent) => {
    const model = createZooModel('seed-cnn', { seed: 3 });
    const dir = join(parent, 'seed-cnn');
    await saveModel(model, dir);
    assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.safetensors']);

    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.getConfig(), model.getConfig());
    const expected = model.parameters();
    const actual = loaded.parameters();
    assert.deepEqual(actual.map((p) => p.name), expected.map((p) => p.name));
    actual.forEach((p, i) => {
      assert.deepEqual(p.value.shape, expected[i].value.shape);
      assertBitIdentical(p.value.data, expected[i].value.data, p.name);
    });
    const x = randomInput([4, 28, 28, 1], 7);
    assertBitIdentical(loaded.predictBatch(x).data, model.predictBatch(x).data, 'predictions');
  });
});

test('a model using every layer type round-trips its config (explicit padding, dilation, leakyRelu alpha) and predictions', async () => {
  await withTempDir(async (parent) => {
    const model = handBuiltModel();
    const dir = join(parent, 'every-layer');
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    assert.equal(loaded.name, 'every-layer');
    assert.deepEqual(loaded.inputShape, [11, 9, 2]);
    assert.deepEqual(loaded.getConfig(), model.getConfig());
    assert.deepEqual(loaded.layers.map((l) => l.type), ['Conv2D', 'AvgPool2D', 'Dropout', 'Activation', 'Conv2D', 'MaxPool2D', 'Flatten', 'Dense', 'Dense', 'Activation']);
    const x = randomInput([3, 11, 9, 2], 8);
    assertBitIdentical(loaded.predictBatch(x).data, model.predictBatch(x).data, 'predictions');
  });
});

test('class names, input normalisation, history and training info survive save and load', async () => {
  await withTempDir(async (parent) => {
    const model = createZooModel('seed-cnn', { seed: 3, numClasses: 3 });
    model.classNames = ['cat', 'dog', 'ünïcödé bird'];
    model.inputNormalization = { scale: 1 / 255, mean: [0.1307], std: [0.3081] };
    model.history = { epoch: [1, 2], loss: [0.9, 0.5], accuracy: [0.7, 0.85], valLoss: [1, NaN], valAccuracy: [0.6, 0.8] };
    model.loss = 'margin';
    const training = { optimizer: { type: 'adam', learningRate: 0.001 }, epochs: 2, dataset: 'mnist' };
    const dir = join(parent, 'model');
    await saveModel(model, dir, { training });

    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'fovea-model');
    assert.equal(json.formatVersion, 1);
    assert.deepEqual(json.weights, { file: 'weights.safetensors', count: 10 });
    assert.match(json.savedWith, /^fovea \d+\.\d+\.\d+/);
    const { metadata } = decodeSafetensors(new Uint8Array(await readFile(join(dir, 'weights.safetensors'))));
    assert.deepEqual(metadata, { format: 'fovea' });

    const loaded = await readModel(dir);
    assert.deepEqual(loaded.model.classNames, model.classNames);
    assert.deepEqual(loaded.model.inputNormalization, model.inputNormalization);
    assert.deepEqual(loaded.model.history, model.history, 'NaN in history is written as null and read back as NaN');
    assert.equal(json.loss, 'margin');
    assert.equal(loaded.model.loss, 'margin');
    assert.deepEqual(loaded.training, training);
    assert.equal(loaded.savedWith, json.savedWith);
  });
});

test('a model saved without class names or training info loads them as null', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    assert.equal(json.classNames, null);
    assert.equal(json.training, null);
    const loaded = await readModel(dir);
    assert.equal(loaded.model.classNames, null);
    assert.equal(loaded.training, null);
    assert.equal(loaded.model.loss, 'crossentropy');
    delete json.loss;
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    assert.equal((await readModel(dir)).model.loss, 'crossentropy', 'files written before the loss field load as cross-entropy models');
  });
});

test('saving over an existing model directory replaces it and leaves no temp or old copies', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const replacement = handBuiltModel();
    await saveModel(replacement, dir);
    assert.deepEqual(await readdir(parent), ['model']);
    const loaded = await loadModel(dir);
    assert.equal(loaded.name, 'every-layer');
    const x = randomInput([2, 11, 9, 2], 9);
    assertBitIdentical(loaded.predictBatch(x).data, replacement.predictBatch(x).data, 'predictions');
  });
});

test('a save that fails while renaming into place leaves the previous model unchanged and loadable', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const before = { json: await readFile(join(dir, 'model.json')), weights: await readFile(join(dir, 'weights.safetensors')) };
    setPlatform({
      ...nodePlatform,
      rename: async (from, to) => {
        if (from.includes('.tmp-')) throw new Error('rename refused');
        await nodePlatform.rename(from, to);
      },
    });
    try {
      await assert.rejects(saveModel(handBuiltModel(), dir), /rename refused/);
    } finally {
      setPlatform(nodePlatform);
    }
    assert.deepEqual(await readdir(parent), ['model']);
    assert.deepEqual(await readFile(join(dir, 'model.json')), before.json);
    assert.deepEqual(await readFile(join(dir, 'weights.safetensors')), before.weights);
    const loaded = await loadModel(dir);
    const x = randomInput([2, 28, 28, 1], 10);
    assertBitIdentical(loaded.predictBatch(x).data, createZooModel('seed-cnn', { seed: 3 }).predictBatch(x).data, 'predictions');
  });
});

test('model.json that is not JSON gives ModelFileError with the JSON.parse message', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    await writeFile(join(dir, 'model.json'), '{"format": "fovea-model", garbage');
    await assertLoadFails(dir, ModelFileError, 'model.json', /model\.json: not valid JSON \(.+\)/);
    await writeFile(join(dir, 'model.json'), new Uint8Array([0xff, 0xfe, 0x00]));
    await assertLoadFails(dir, ModelFileError, 'model.json', /not valid UTF-8/);
  });
});

test('model.json with a wrong or missing format, or an unsupported formatVersion, is rejected', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const original = await readFile(join(dir, 'model.json'), 'utf8');
    await writeFile(join(dir, 'model.json'), '[1, 2]');
    await assertLoadFails(dir, ModelFileError, 'model.json', /expected a JSON object, found \[1,2\]/);
    await writeFile(join(dir, 'model.json'), original);
    await editModelJson(dir, (j) => void (j.format = 'keras'));
    await assertLoadFails(dir, ModelFileError, 'model.json', /expected "format": "fovea-model", found "keras"/);
    await editModelJson(dir, (j) => void delete j.format);
    await assertLoadFails(dir, ModelFileError, 'model.json', /found no format field/);
    await editModelJson(dir, (j) => Object.assign(j, { format: 'fovea-model', formatVersion: 2 }));
    await assertLoadFails(dir, ModelFileError, 'model.json', /unsupported formatVersion 2; this version of fovea reads formatVersion 1/);
  });
});

test('model.json with a missing or malformed architecture is rejected with the field named', async () => {
  const cases: Array<[string, (j: any) => void, RegExp]> = [
    ['missing', (j) => delete j.architecture, /has no "architecture"/],
    ['not Sequential or Graph', (j) => (j.architecture.type = 'Functional'), /"architecture\.type" must be "Sequential" or "Graph", found "Functional"/],
    ['layers not an array', (j) => (j.architecture.layers = { 0: 'conv' }), /"architecture\.layers" must be an array/],
    ['no layers', (j) => (j.architecture.layers = []), /"architecture\.layers" is empty/],
    ['inputShape with a zero', (j) => (j.architecture.inputShape = [28, 0, 1]), /"architecture\.inputShape" must be a non-empty array of positive integers, found \[28,0,1\]/],
    ['inputShape fractional', (j) => (j.architecture.inputShape = [28, 28.5, 1]), /"architecture\.inputShape"/],
    ['inputShape missing', (j) => delete j.architecture.inputShape, /"architecture\.inputShape" .* found nothing/],
    ['layer not an object', (j) => (j.architecture.layers[1] = 'MaxPool2D'), /layer 2 must be an object with a string "type", found "MaxPool2D"/],
  ];
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const original = await readFile(join(dir, 'model.json'), 'utf8');
    for (const [what, edit, pattern] of cases) {
      await writeFile(join(dir, 'model.json'), original);
      await editModelJson(dir, edit);
      await assert.rejects(loadModel(dir), (e: unknown) => {
        assert.ok(e instanceof ModelFileError, `${what}: expected ModelFileError, got ${String(e)}`);
        assert.match(e.message, /model\.json: /, what);
        assert.match(e.message, pattern, what);
        return true;
      });
    }
  });
});

test("an unknown layer type 'Conv3D' is reported with its layer number and the known types", async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    await editModelJson(dir, (j) => void (j.architecture.layers[2].type = 'Conv3D'));
    await assertLoadFails(dir, ModelFileError, 'model.json', /model\.json: unknown layer type 'Conv3D' in layer 3; known: Conv2D, MaxPool2D, .*Dense/);
  });
});

test('a layer config with filters 0 or an unknown activation names the layer and the option', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const original = await readFile(join(dir, 'model.json'), 'utf8');
    await editModelJson(dir, (j) => void (j.architecture.layers[0].filters = 0));
    await assertLoadFails(dir, ModelFileError, 'model.json', /model\.json: layer 1 \('conv2d', Conv2D\): Conv2D filters must be a positive integer, got 0/);
    await writeFile(join(dir, 'model.json'), original);
    await editModelJson(dir, (j) => void (j.architecture.layers[5].activation = 'swish'));
    await assertLoadFails(dir, ModelFileError, 'model.json', /layer 6 \('dense', Dense\): unknown activation 'swish'/);
    await writeFile(join(dir, 'model.json'), original);
    await editModelJson(dir, (j) => void (j.architecture.layers[3].name = 'conv2d'));
    await assertLoadFails(dir, ModelFileError, 'model.json', /layer 4 \('conv2d', MaxPool2D\): .*already has a layer named 'conv2d'/);
  });
});

test('an architecture that does not fit its stored input shape names the layer that fails', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    await editModelJson(dir, (j) => void (j.architecture.inputShape = [6, 6, 1]));
    await assertLoadFails(dir, ModelFileError, 'model.json', /does not fit its input shape \[6, 6, 1\] at layer 3 \('conv2d_1', Conv2D\)/);
  });
});

test('class names that disagree with the number of outputs, or bad normalisation, are rejected', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const original = await readFile(join(dir, 'model.json'), 'utf8');
    await editModelJson(dir, (j) => void (j.classNames = ['a', 'b']));
    await assertLoadFails(dir, ModelFileError, 'model.json', /"classNames" lists 2 classes but the model has 10 outputs/);
    await writeFile(join(dir, 'model.json'), original);
    await editModelJson(dir, (j) => void (j.inputNormalization.std = [0]));
    await assertLoadFails(dir, ModelFileError, 'model.json', /"inputNormalization\.std" must be a non-empty array of positive numbers/);
    await writeFile(join(dir, 'model.json'), original);
    await editModelJson(dir, (j) => void (j.history.loss = ['low']));
    await assertLoadFails(dir, ModelFileError, 'model.json', /"history\.loss" must be an array of numbers/);
    await writeFile(join(dir, 'model.json'), original);
    await editModelJson(dir, (j) => void (j.loss = 'hinge'));
    await assertLoadFails(dir, ModelFileError, 'model.json', /"loss" must be one of "crossentropy", "margin", found "hinge"/);
    await writeFile(join(dir, 'model.json'), original);
    await editModelJson(dir, (j) => void (j.weights.file = '../elsewhere.safetensors'));
    await assertLoadFails(dir, ModelFileError, 'model.json', /"weights\.file" must be a plain file name/);
  });
});

test('a truncated weights file gives ModelFileError naming weights.safetensors', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const bytes = await readFile(join(dir, 'weights.safetensors'));
    await writeFile(join(dir, 'weights.safetensors'), bytes.subarray(0, bytes.length - 100));
    await assertLoadFails(dir, ModelFileError, 'weights.safetensors', /weights\.safetensors: .*not covered|lies/);
    await writeFile(join(dir, 'weights.safetensors'), bytes.subarray(0, 5));
    await assertLoadFails(dir, ModelFileError, 'weights.safetensors', /too short/);
  });
});

test('a weights file whose header lies about a tensor size gives ModelFileError', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    const header = JSON.stringify({ 'conv2d/kernel': { dtype: 'F32', shape: [3, 3, 1, 8], data_offsets: [0, 1_000_000_000] } });
    const bytes = new Uint8Array(8 + header.length + 16);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    await writeFile(join(dir, 'weights.safetensors'), bytes);
    await assertLoadFails(dir, ModelFileError, 'weights.safetensors', /header lies about sizes/);
  });
});

test('a weights file missing a tensor names the parameter', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    await editWeights(dir, (t) => void t.delete('dense_1/bias'));
    await assertLoadFails(dir, ModelFileError, 'weights.safetensors', /weights\.safetensors: has no tensor 'dense_1\/bias', which the architecture needs \(shape \[64\]\)/);
  });
});

test('a tensor whose shape differs from the architecture names both shapes', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    await editModelJson(dir, (j) => void (j.architecture.layers[0].filters = 4));
    await assertLoadFails(dir, ModelFileError, 'weights.safetensors', /weights\.safetensors: 'conv2d\/kernel' has shape \[3, 3, 1, 8\] but the architecture needs \[3, 3, 1, 4\]/);
  });
});

test('tensors the architecture does not use are listed', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    await editWeights(dir, (t) => {
      t.set('dense_9/kernel', new Tensor(new Float32Array(4), [2, 2]));
      t.set('optimizer/step', new Tensor(new Float32Array(1), [1]));
    });
    await assertLoadFails(dir, ModelFileError, 'weights.safetensors', /holds 2 tensors the architecture does not use: 'dense_9\/kernel', 'optimizer\/step'/);
  });
});

test('a missing weights file or model.json gives NotFoundError naming the file', async () => {
  await withTempDir(async (parent) => {
    const dir = await savedSeedCnn(parent);
    await rm(join(dir, 'weights.safetensors'));
    await assertLoadFails(dir, NotFoundError, 'weights.safetensors', /has no file 'weights\.safetensors'; it holds: model\.json/);
    await rm(join(dir, 'model.json'));
    await assertLoadFails(dir, NotFoundError, 'model.json', /has no file 'model\.json'; it holds: \(nothing\)/);
  });
});

test('a missing model directory gives NotFoundError naming the directory', async () => {
  await withTempDir(async (parent) => {
    const dir = join(parent, 'no-such-model');
    await assertLoadFails(dir, NotFoundError, 'no-such-model', /model directory '.*no-such-model' does not exist/);
  });
});
