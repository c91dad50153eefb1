/**
 * Checkpoint and resume through the API: a run interrupted after an epoch and resumed from its
 * checkpoint ends with the same weights, bit for bit, as an uninterrupted run (dropout, shuffling,
 * an augment drawing normals, AdamW moments, a cosine schedule, reduce-on-plateau state), and so
 * does one with RMSprop (plain, or centred with momentum) or Nesterov SGD; a
 * checkpoint from another model, optimizer or batch size, or with other training settings, is
 * refused naming both sides; damaged
 * checkpoints give typed errors; a write that fails half-way leaves the previous checkpoint.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CheckpointError, NotFoundError } from '../../src/errors.js';
import { saveModel } from '../../src/io/index.js';
import { AdamW, cosineSchedule, inverseTimeSchedule, RMSprop, SGD } from '../../src/optim/index.js';
import { getPlatform, setPlatform } from '../../src/platform/platform.js';
import { type Rng, Tensor } from '../../src/tensor/index.js';
import { CHECKPOINT_STATE_FILE, CHECKPOINT_TENSORS_FILE, type FitOptions, fit, formatAdversarialTraining, parseAdversarialSpec, readCheckpoint, ReduceLROnPlateau, restoreModelFromCheckpoint } from '../../src/train/index.js';
import { parseAugmentSpec } from '../../src/data/augment/index.js';
import { createZooModel } from '../../src/models/index.js';
import { assertSameWeights, mnistSlice, smallModel, weightsOf } from './small-model.js';

const roots: string[] = [];
after(() => Promise.all(roots.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fovea-checkpoint-'));
  roots.push(root);
  return root;
}

/**
 * Adds a little Gaussian noise, and sometimes draws one extra normal, so that a spare Box–Muller
 * value can be pending when a checkpoint is written (the test checks that it is).
 */
function noisy(x: Tensor, rng: Rng): Tensor {
  if (rng.int(2) === 1) rng.normal();
  return new Tensor(x.data.map((v) => Math.min(1, Math.max(0, v + 0.02 * rng.normal()))), x.shape);
}

async function options(extra: Partial<FitOptions> = {}): Promise<FitOptions> {
  const { validation } = await mnistSlice(96);
  return {
    epochs: 4,
    batchSize: 32,
    // With this seed the augment generator has a spare normal pending after epoch 2.
    seed: 6,
    optimizer: new AdamW({ learningRate: 0.01, weightDecay: 0.05 }),
    schedule: cosineSchedule({ warmupEpochs: 1 }),
    labelSmoothing: 0.1,
    clipNorm: 1,
    augment: noisy,
    validationData: validation,
    callbacks: [new ReduceLROnPlateau({ monitor: 'val_loss', patience: 0, factor: 0.5, minDelta: 10 })],
    ...extra,
  };
}

test('a run interrupted during epoch 3 of 4 and resumed from its checkpoint ends with bit-identical weights, history and logs', async () => {
  const { train } = await mnistSlice(96);
  const root = await tempDir();

  const straight = smallModel(1);
  const straightLogs = await fit(straight, train, await options({ checkpointDir: join(root, 'straight') }));

  const interrupted = smallModel(1);
  const dir = join(root, 'interrupted');
  await assert.rejects(
    fit(interrupted, train, await options({ checkpointDir: dir, onEpochEnd: (logs) => { if (logs.epoch === 3) throw new Error('power cut'); } })),
    /power cut/,
  );
  const checkpoint = await readCheckpoint(dir);
  assert.equal(checkpoint.state.epochsDone, 2, 'the checkpoint of epoch 2 (epoch 3 failed before its checkpoint)');
  assert.equal(checkpoint.state.globalStep, 6);
  assert.ok(checkpoint.state.rng.augment.spareNormal !== null, 'a pending spare normal is saved');
  assert.ok(checkpoint.state.learningRateScale < 1, 'the plateau callback had reduced the rate');

  // A fresh process would build a fresh model and optimizer: the checkpoint supplies everything else.
  const resumed = smallModel(99);
  const resumedLogs = await fit(resumed, train, await options({ checkpointDir: dir, resumeFrom: dir }));
  const a = weightsOf(straight);
  const b = weightsOf(resumed);
  assertSameWeights(a, b);
  assert.deepEqual(resumed.history, straight.history);
  assert.deepEqual(resumedLogs.map((l) => [l.epoch, l.loss, l.valLoss, l.learningRate]), straightLogs.map((l) => [l.epoch, l.loss, l.valLoss, l.learningRate]));
  const final = await readCheckpoint(dir);
  assert.equal(final.state.epochsDone, 4);
  assert.deepEqual(Object.keys(final.optimizer.tensors).sort().slice(0, 2), ['dense/bias/m', 'dense/bias/v']);
});

for (const [name, make, slots] of [
  ['RMSprop with inverse-time decay (the Keras CIFAR recipe)', () => ({ optimizer: new RMSprop({ learningRate: 1e-3 }), schedule: inverseTimeSchedule({ decay: 0.01 }) }), ['dense/bias/square_avg']],
  ['centred RMSprop with momentum', () => ({ optimizer: new RMSprop({ learningRate: 1e-3, momentum: 0.5, centered: true }) }), ['dense/bias/grad_avg', 'dense/bias/momentum_buffer', 'dense/bias/square_avg']],
  ['Nesterov SGD with weight decay (the resnet20 recipe)', () => ({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }) }), ['dense/bias/velocity']],
] as const) {
  test(`${name}: a run interrupted after epoch 2 of 4 and resumed ends with bit-identical weights and restores every optimizer slot`, async () => {
    const { train } = await mnistSlice(96);
    const root = await tempDir();
    const straight = smallModel(2);
    await fit(straight, train, await options({ ...make(), callbacks: [] }));
    const dir = join(root, 'interrupted');
    await assert.rejects(
      fit(smallModel(2), train, await options({ ...make(), callbacks: [], checkpointDir: dir, onEpochEnd: (logs) => { if (logs.epoch === 3) throw new Error('power cut'); } })),
      /power cut/,
    );
    const saved = await readCheckpoint(dir);
    assert.deepEqual(Object.keys(saved.optimizer.tensors).filter((k) => k.startsWith('dense/bias/')).sort(), [...slots]);
    const resumed = smallModel(99);
    await fit(resumed, train, await options({ ...make(), callbacks: [], resumeFrom: dir }));
    const a = weightsOf(straight);
    const b = weightsOf(resumed);
    assertSameWeights(a, b);
    assert.deepEqual(resumed.history, straight.history);
  });
}

test('resuming a finished run trains nothing more and returns its logs; asking for more epochs continues it', async () => {
  const { train } = await mnistSlice(64);
  const dir = join(await tempDir(), 'ckpt');
  const opts = { epochs: 2, batchSize: 32, optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }) };
  const model = smallModel(2);
  await fit(model, train, { ...opts, checkpointDir: dir });
  const again = smallModel(2);
  let epochsRun = 0;
  const logs = await fit(again, train, { ...opts, optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), resumeFrom: dir, onEpochEnd: () => void epochsRun++ });
  assert.equal(epochsRun, 0);
  assert.equal(logs.length, 2);
  assert.deepEqual(weightsOf(again), weightsOf(model));
  const more = await fit(smallModel(2), train, { ...opts, epochs: 3, optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), resumeFrom: dir, checkpointDir: dir });
  assert.deepEqual(more.map((l) => l.epoch), [1, 2, 3]);
});

test('resuming into another model, another architecture under the same name, another optimizer or batch size is a CheckpointError naming both', async () => {
  const { train } = await mnistSlice(32);
  const dir = join(await tempDir(), 'ckpt');
  await fit(smallModel(0, 'first-model'), train, { epochs: 1, batchSize: 32, optimizer: new SGD(), checkpointDir: dir });
  await assert.rejects(
    fit(smallModel(0, 'second-model'), train, { epochs: 2, batchSize: 32, optimizer: new SGD(), resumeFrom: dir }),
    (e: unknown) => e instanceof CheckpointError && e.code === 'E_CHECKPOINT' && /'first-model'/.test(e.message) && /'second-model'/.test(e.message),
  );
  const checkpoint = await readCheckpoint(dir);
  assert.throws(
    () => restoreModelFromCheckpoint(checkpoint, smallModel(0, 'first-model', 32)),
    (e: unknown) => e instanceof CheckpointError && /layer 2 differs/.test(e.message) && /"units":16/.test(e.message) && /"units":32/.test(e.message),
  );
  await assert.rejects(
    fit(smallModel(0, 'first-model'), train, { epochs: 2, batchSize: 32, optimizer: new AdamW(), resumeFrom: dir }),
    (e: unknown) => e instanceof CheckpointError && /sgd optimizer, but this run uses adamw/.test(e.message),
  );
  await assert.rejects(
    fit(smallModel(0, 'first-model'), train, { epochs: 2, batchSize: 16, optimizer: new SGD(), resumeFrom: dir }),
    (e: unknown) => e instanceof CheckpointError && /batch size 32 on 32 images, but this run uses batch size 16/.test(e.message),
  );
});

test('a long model in that error is summarised by layer type, a short one listed layer by layer', async () => {
  const { train } = await mnistSlice(32);
  const dir = join(await tempDir(), 'ckpt');
  await fit(smallModel(0, 'first-model'), train, { epochs: 1, batchSize: 32, optimizer: new SGD(), checkpointDir: dir });
  const checkpoint = await readCheckpoint(dir);
  assert.throws(
    () => restoreModelFromCheckpoint(checkpoint, createZooModel('resnet20')),
    (e: unknown) =>
      e instanceof CheckpointError &&
      /'first-model' \(input \[28,28,1\], \d+ layers: [A-Za-z0-9]+(, [A-Za-z0-9]+)*\)/.test(e.message) &&
      /'resnet20' \(input \[32,32,3\], 72 layers: 21 Conv2D, 21 BatchNormalization, \d+ Activation, 9 Add, 1 GlobalAveragePooling2D, 1 Dense\)/.test(e.message),
  );
});

test('resuming with another learning rate, schedule, optimizer setting, label smoothing, clip norm, augmentation, adversarial training, input normalisation or dataset is a CheckpointError naming the setting', async () => {
  const { train } = await mnistSlice(32);
  const dir = join(await tempDir(), 'ckpt');
  const sgd = (extra: { learningRate?: number; momentum?: number } = {}) => new SGD({ learningRate: 0.05, momentum: 0.9, ...extra });
  const base = (): FitOptions => ({
    epochs: 2,
    batchSize: 32,
    optimizer: sgd(),
    schedule: cosineSchedule({ warmupEpochs: 1 }),
    labelSmoothing: 0.1,
    clipNorm: 2,
    augment: parseAugmentSpec('flip, translate:2'),
    adversarial: parseAdversarialSpec('fgsm:0.05'),
    datasetName: 'digits',
  });
  await fit(smallModel(3), train, { ...base(), epochs: 1, checkpointDir: dir });
  const checkpoint = await readCheckpoint(dir);
  assert.deepEqual(checkpoint.state.settings, { labelSmoothing: 0.1, clipNorm: 2, augment: 'flip,translate:2', adversarial: formatAdversarialTraining(parseAdversarialSpec('fgsm:0.05')) });

  const refused = async (change: Partial<FitOptions>, pattern: RegExp, model = smallModel(3)) =>
    assert.rejects(fit(model, train, { ...base(), ...change, resumeFrom: dir }), (e: unknown) => e instanceof CheckpointError && pattern.test(e.message), String(pattern));
  await refused({ optimizer: sgd({ learningRate: 0.1 }) }, /learning rate 0\.05, but this run uses 0\.1 \(resume with --lr 0\.05\)/);
  await refused({ schedule: undefined }, /schedule cosine:warmup=1,min=0, but this run uses none/);
  await refused({ schedule: cosineSchedule({ warmupEpochs: 2 }) }, /resume with --schedule cosine:warmup=1,min=0/);
  await refused({ optimizer: sgd({ momentum: 0.5 }) }, /sgd optimizer had momentum 0\.9, but this run's has 0\.5/);
  await refused({ labelSmoothing: 0 }, /--label-smoothing 0\.1, but this run uses 0/);
  await refused({ clipNorm: undefined }, /--clip-norm 2, but this run uses none/);
  await refused({ augment: parseAugmentSpec('flip') }, /--augment flip,translate:2, but this run uses flip/);
  await refused({ adversarial: undefined }, /--adversarial fgsm.*, but this run uses none/);
  await refused({ datasetName: 'letters' }, /dataset 'digits', but this run uses 'letters' \(resume with --dataset digits\)/);
  await refused({ dropLast: true }, /--drop-last false, but this run uses true/);
  const renormalised = smallModel(3);
  renormalised.inputNormalization = { scale: 1 / 255, mean: [0.5], std: [0.25] };
  await refused({}, /input normalisation .*"mean":\[0\].*this run's model has .*"mean":\[0\.5\]/, renormalised);
  // The same settings continue; the seed may differ (the generators resume from their saved states).
  const logs = await fit(smallModel(3), train, { ...base(), seed: 123, resumeFrom: dir });
  assert.deepEqual(logs.map((l) => l.epoch), [1, 2]);
});

test('damaged checkpoints give typed errors: missing directory, a model directory without training state, truncated or inconsistent training-state.json, a missing tensors file', async () => {
  const root = await tempDir();
  await assert.rejects(readCheckpoint(join(root, 'nothing')), NotFoundError);
  const modelOnly = join(root, 'model');
  await saveModel(smallModel(), modelOnly);
  await assert.rejects(readCheckpoint(modelOnly), (e: unknown) => e instanceof CheckpointError && /not a training checkpoint/.test(e.message));

  const { train } = await mnistSlice(32);
  const dir = join(root, 'ckpt');
  await fit(smallModel(), train, { epochs: 1, batchSize: 32, optimizer: new SGD(), checkpointDir: dir });
  const statePath = join(dir, CHECKPOINT_STATE_FILE);
  const good = await readFile(statePath, 'utf8');
  await writeFile(statePath, good.slice(0, good.length / 2));
  await assert.rejects(readCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && /not valid JSON/.test(e.message));
  const state = JSON.parse(good);
  for (const [change, pattern] of [
    [{ globalStep: 7 }, /globalStep/],
    [{ rng: { ...state.rng, shuffle: { state: [1, 2, 3], spareNormal: null } } }, /rng\.shuffle/],
    [{ format: 'something-else' }, /format/],
    [{ logs: [] }, /logs/],
  ] as const) {
    await writeFile(statePath, JSON.stringify({ ...state, ...change }));
    await assert.rejects(readCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && pattern.test(e.message), String(pattern));
  }
  await writeFile(statePath, good);
  await rm(join(dir, CHECKPOINT_TENSORS_FILE));
  await assert.rejects(readCheckpoint(dir), (e: unknown) => e instanceof NotFoundError && e.message.includes(CHECKPOINT_TENSORS_FILE));
});

test('a checkpoint write that fails half-way (third file) leaves the previous complete checkpoint and no temporary directory behind', async () => {
  const { train } = await mnistSlice(32);
  const root = await tempDir();
  const dir = join(root, 'ckpt');
  const node = getPlatform();
  let writes = 0;
  setPlatform({
    ...node,
    writeFileSynced: async (path, data) => {
      // Epoch 1 writes four files; epoch 2 fails on its third.
      if (++writes === 7) throw new Error('disk full');
      return node.writeFileSynced(path, data);
    },
  });
  try {
    await assert.rejects(fit(smallModel(), train, { epochs: 2, batchSize: 32, optimizer: new SGD(), checkpointDir: dir }), /disk full/);
  } finally {
    setPlatform(node);
  }
  const checkpoint = await readCheckpoint(dir);
  assert.equal(checkpoint.state.epochsDone, 1);
  assert.deepEqual((await readdir(root)).sort(), ['ckpt']);
  assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'training-state.json', 'training-state.safetensors', 'weights.safetensors']);
});
