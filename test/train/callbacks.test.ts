/**
 * Callbacks (early stopping, keep-best, reduce-on-plateau) on scripted epoch logs, and fit's new
 * options end to end on a small model: callbacks that stop training, the augment hook, the
 * learning-rate schedule, gradient clipping and label smoothing.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import type { Parameter } from '../../src/nn/index.js';
import { Adam, cosineSchedule, globalNorm, type Optimizer, SGD } from '../../src/optim/index.js';
import { type Rng, Tensor } from '../../src/tensor/index.js';
import { type Callback, EarlyStopping, type EpochLogs, fit, KeepBestCheckpoint, ReduceLROnPlateau, type TrainingControl } from '../../src/train/index.js';
import { mnistSlice, smallModel, weightsOf } from './small-model.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const logsOf = (epoch: number, values: Partial<EpochLogs>): EpochLogs => ({ epoch, loss: 1, accuracy: 0.5, learningRate: 0.1, seconds: 1, imagesPerSecond: 1, ...values });

function controlFor(model = smallModel(), optimizer: Optimizer = new SGD({ learningRate: 0.1 })): TrainingControl & { messages: string[] } {
  const messages: string[] = [];
  return { model, optimizer, hasValidation: true, stopTraining: false, learningRateScale: 1, log: (m) => messages.push(m), messages };
}

/** Feeds `values` of the monitored metric as epochs 1, 2, …; returns the epoch at which training was stopped (or null). */
function feed(callback: Callback, control: TrainingControl, key: keyof EpochLogs, values: number[]): number | null {
  callback.onTrainBegin?.(control);
  for (let i = 0; i < values.length; i++) {
    control.model.history.epoch.push(i + 1);
    void callback.onEpochEnd?.(logsOf(i + 1, { [key]: values[i] }), control);
    if (control.stopTraining) return i + 1;
  }
  return null;
}

test('early stopping on val_loss with patience 2 stops at the second epoch in a row without improvement (Keras semantics)', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 2 });
  assert.equal(feed(es, controlFor(), 'valLoss', [1.0, 0.9, 0.95, 0.92, 0.5]), 4);
  assert.equal(es.best, 0.9);
  assert.equal(es.stoppedEpoch, 4);
});

test('early stopping counts only improvements larger than minDelta, and maximises val_accuracy', () => {
  assert.equal(feed(new EarlyStopping({ monitor: 'val_loss', patience: 1, minDelta: 0.05 }), controlFor(), 'valLoss', [1.0, 0.97, 0.9]), 2);
  assert.equal(feed(new EarlyStopping({ monitor: 'val_accuracy', patience: 1 }), controlFor(), 'valAccuracy', [0.5, 0.6, 0.7, 0.65]), 4);
  assert.equal(feed(new EarlyStopping({ monitor: 'val_accuracy', patience: 3 }), controlFor(), 'valAccuracy', [0.5, 0.6, 0.7, 0.65]), null);
});

test('early stopping with restoreBestWeights puts back the weights of the best epoch when training ends', () => {
  const control = controlFor();
  const es = new EarlyStopping({ monitor: 'loss', patience: 5, restoreBestWeights: true });
  const p = control.model.parameters()[0];
  es.onTrainBegin(control);
  control.model.history.epoch.push(1);
  p.value.data.fill(1);
  es.onEpochEnd(logsOf(1, { loss: 0.5 }), control);
  control.model.history.epoch.push(2);
  p.value.data.fill(2);
  es.onEpochEnd(logsOf(2, { loss: 0.7 }), control);
  es.onTrainEnd(control);
  assert.ok(p.value.data.every((v) => v === 1), 'weights of epoch 1');
  assert.match(control.messages.join('\n'), /Restored the weights of epoch 1/);
});

test('callbacks that monitor val_* without validation data fail at the start with an ArgumentError naming the fix', () => {
  const control = { ...controlFor(), hasValidation: false };
  for (const c of [new EarlyStopping(), new ReduceLROnPlateau(), new KeepBestCheckpoint({ dir: 'x' })]) {
    assert.throws(() => c.onTrainBegin(control), (e: unknown) => e instanceof ArgumentError && /val_loss.*validation/.test(e.message));
  }
  assert.throws(() => new EarlyStopping({ monitor: 'val_acc' as never }), ArgumentError);
  assert.throws(() => new EarlyStopping({ patience: -1 }), ArgumentError);
  assert.throws(() => new ReduceLROnPlateau({ factor: 1 }), ArgumentError);
});

test('reduce-on-plateau (factor 0.5, patience 1, min lr 0.03) halves the learning-rate scale after each epoch without improvement, never below the minimum', () => {
  const control = controlFor();
  const rop = new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 1, minLearningRate: 0.03 });
  rop.onTrainBegin(control);
  const step = (epoch: number, valLoss: number) => {
    rop.onEpochEnd(logsOf(epoch, { valLoss }), control);
    control.optimizer.learningRate = 0.1 * control.learningRateScale; // what fit does before the next step
  };
  step(1, 1.0);
  assert.equal(control.learningRateScale, 1);
  step(2, 1.0);
  assert.equal(control.learningRateScale, 0.5);
  step(3, 0.8);
  assert.equal(control.learningRateScale, 0.5, 'an improvement resets the count');
  step(4, 0.9);
  assert.ok(Math.abs(control.optimizer.learningRate - 0.03) < 1e-12, `clamped to the minimum: ${control.optimizer.learningRate}`);
  step(5, 0.9);
  assert.ok(Math.abs(control.optimizer.learningRate - 0.03) < 1e-12, 'stays at the minimum');
});

test('keep-best saves the model directory only when the monitored metric improves, recording the epoch and value', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'fovea-keep-best-')), 'best');
  dirs.push(dir);
  const control = controlFor();
  const keep = new KeepBestCheckpoint({ dir, monitor: 'val_accuracy' });
  keep.onTrainBegin(control);
  const p = control.model.parameters()[0];
  for (const [epoch, acc, fill] of [[1, 0.5, 1], [2, 0.8, 2], [3, 0.7, 3]] as const) {
    p.value.data.fill(fill);
    await keep.onEpochEnd(logsOf(epoch, { valAccuracy: acc }), control);
  }
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  assert.equal(json.training.epoch, 2);
  assert.equal(json.training.val_accuracy, 0.8);
  const weights = await readFile(join(dir, 'weights.safetensors'));
  const headerLength = Number(weights.readBigUInt64LE(0));
  const first = new Float32Array(weights.buffer.slice(weights.byteOffset + 8 + headerLength, weights.byteOffset + 8 + headerLength + 4));
  assert.equal(first[0], 2, 'the weights of epoch 2');
});

test('fit: a callback that sets stopTraining ends the run after that epoch; onTrainBegin, onEpochEnd and onTrainEnd are called in order', async () => {
  const { train } = await mnistSlice(64);
  const calls: string[] = [];
  const stopper: Callback = {
    name: 'stopper',
    onTrainBegin: () => void calls.push('begin'),
    onEpochEnd: (logs, control) => {
      calls.push(`epoch ${logs.epoch}`);
      if (logs.epoch === 2) control.stopTraining = true;
    },
    onTrainEnd: () => void calls.push('end'),
  };
  const logs = await fit(smallModel(), train, { epochs: 5, batchSize: 32, callbacks: [stopper] });
  assert.equal(logs.length, 2);
  assert.deepEqual(calls, ['begin', 'epoch 1', 'epoch 2', 'end']);
  await assert.rejects(fit(smallModel(), train, { callbacks: [stopper, { ...stopper }] }), /two callbacks are named 'stopper'/);
  await assert.rejects(fit(smallModel(), train, { callbacks: [new EarlyStopping()] }), (e: unknown) => e instanceof ArgumentError && /validation/.test(e.message));
});

test('fit: augment sees every training batch as [0, 1] pixels before the input normalisation, with its own generator; an augment that draws numbers but changes nothing leaves the run identical', async () => {
  const { train } = await mnistSlice(96);
  const seen: Array<{ size: number; min: number; max: number }> = [];
  const spy = (x: Tensor, rng: Rng): Tensor => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of x.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    seen.push({ size: x.shape[0], min, max });
    for (let i = 0; i < 5; i++) rng.normal();
    return x;
  };
  const run = async (augment?: (x: Tensor, rng: Rng) => Tensor) => {
    const model = smallModel(3);
    model.inputNormalization = { scale: 1 / 255, mean: [0.5], std: [0.25] };
    await fit(model, train, { epochs: 2, batchSize: 32, seed: 9, augment, optimizer: new Adam({ learningRate: 0.01 }) });
    return weightsOf(model);
  };
  const plain = await run();
  const spied = await run(spy);
  assert.equal(seen.length, 6, 'three batches per epoch, two epochs');
  for (const s of seen) assert.ok(s.min >= 0 && s.max <= 1 && s.max > 0.5, JSON.stringify(s));
  assert.deepEqual(spied, plain, 'the augment generator is separate from shuffling and dropout');
  const flipped = await run((x) => new Tensor(x.data.map((v) => 1 - v), x.shape));
  assert.notDeepEqual(flipped, plain, 'what augment returns is what the model trains on');
  await assert.rejects(fit(smallModel(), train, { augment: (x) => new Tensor(x.data.slice(0, 28 * 28), [1, 28, 28, 1]) }), ShapeError);
});

test('fit with a schedule sets the optimizer\'s learning rate before every step (cosine with one warm-up epoch over 3 epochs of 2 steps) and logs the last rate of each epoch', async () => {
  const { train } = await mnistSlice(64);
  const rates: number[] = [];
  const optimizer = new SGD({ learningRate: 0.1 });
  const step = optimizer.step.bind(optimizer);
  optimizer.step = (ps: readonly Parameter[], gs: readonly Tensor[]) => {
    rates.push(optimizer.learningRate);
    step(ps, gs);
  };
  const schedule = cosineSchedule({ warmupEpochs: 1 });
  const logs = await fit(smallModel(), train, { epochs: 3, batchSize: 32, optimizer, schedule });
  const expected = [0, 1, 2, 3, 4, 5].map((s) => schedule.learningRate(0.1, { step: s, epoch: Math.floor(s / 2), stepsPerEpoch: 2, epochs: 3 }));
  assert.deepEqual(rates, expected);
  assert.deepEqual(rates.slice(0, 2), [0.05, 0.1]);
  assert.deepEqual(logs.map((l) => l.learningRate), [expected[1], expected[3], expected[5]]);
});

test('fit with clipNorm 0.05 hands the optimizer gradients whose global norm is at most 0.05; label smoothing raises the reported training loss', async () => {
  const { train } = await mnistSlice(64);
  const norms: number[] = [];
  const optimizer = new SGD({ learningRate: 0.1 });
  const step = optimizer.step.bind(optimizer);
  optimizer.step = (ps: readonly Parameter[], gs: readonly Tensor[]) => {
    norms.push(globalNorm(gs));
    step(ps, gs);
  };
  await fit(smallModel(), train, { epochs: 1, batchSize: 16, optimizer, clipNorm: 0.05, shuffle: false });
  assert.equal(norms.length, 4);
  for (const n of norms) assert.ok(n <= 0.05 + 1e-6, `norm ${n}`);
  const loss = async (labelSmoothing: number) => (await fit(smallModel(), train, { epochs: 1, batchSize: 64, optimizer: new SGD({ learningRate: 1e-9 }), labelSmoothing }))[0].loss;
  assert.ok((await loss(0.3)) > (await loss(0)));
  await assert.rejects(fit(smallModel(), train, { labelSmoothing: 1 }), ArgumentError);
  await assert.rejects(fit(smallModel(), train, { clipNorm: 0 }), ArgumentError);
});
