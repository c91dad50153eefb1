/**
 * The Lookahead callback (airbench's weight average): its update rule step by step, the reset to
 * the average at every epoch's end, its options' checks, and a run with it interrupted and resumed
 * from a checkpoint ending with the same weights as one never stopped.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ArgumentError } from '../../src/errors.js';
import { SGD } from '../../src/optim/index.js';
import { fit, Lookahead, readCheckpoint, type TrainingControl } from '../../src/train/index.js';
import { assertSameWeights, mnistSlice, smallModel, weightsOf } from './small-model.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function controlFor(model = smallModel()): TrainingControl {
  return { model, optimizer: new SGD(), hasValidation: false, stopTraining: false, learningRateScale: 1, log: () => {} };
}

test('every 2 steps from epoch 1: the first update records the weights, later ones set a ← ρ·a + (1−ρ)·w with ρ = decay·(step/total)^power and the weights to a', () => {
  const control = controlFor();
  const [p] = control.model.parameters();
  const la = new Lookahead({ every: 2, startEpoch: 1, decay: 0.5, power: 1 });
  const at = (step: number) => ({ step, epoch: Math.floor((step - 1) / 4), stepsPerEpoch: 4, epochs: 3 });
  p.value.data.fill(1);
  la.onStepEnd(at(2), control); // epoch 0: nothing
  assert.equal(la.getState().values.averaging, false);
  la.onStepEnd(at(6), control); // epoch 1, step 6: records a = 1
  assert.equal(la.getState().values.averaging, true);
  p.value.data.fill(3);
  la.onStepEnd(at(7), control); // not a multiple of 2: nothing
  assert.equal(p.value.data[0], 3);
  la.onStepEnd(at(8), control); // ρ = 0.5 · 8/12 = 1/3: a = 1/3 + 2 = 7/3, and step 8 ends epoch 1 (w = a either way)
  const expected = Math.fround((1 / 3) * 1 + (2 / 3) * 3);
  assert.ok(Math.abs(p.value.data[0] - expected) < 1e-6, `${p.value.data[0]} vs ${expected}`);
  assert.ok(p.value.data.every((v) => v === p.value.data[0]));
});

test('at the end of each epoch the weights are set back to the average, even between updates', () => {
  const control = controlFor();
  const [p] = control.model.parameters();
  const la = new Lookahead({ every: 3, startEpoch: 0 });
  p.value.data.fill(2);
  la.onStepEnd({ step: 3, epoch: 0, stepsPerEpoch: 4, epochs: 2 }, control); // records 2
  p.value.data.fill(5);
  la.onStepEnd({ step: 4, epoch: 0, stepsPerEpoch: 4, epochs: 2 }, control); // end of epoch 0
  assert.ok(p.value.data.every((v) => v === 2));
});

test('options out of range are ArgumentErrors naming the option', () => {
  assert.throws(() => new Lookahead({ every: 0 }), (e: unknown) => e instanceof ArgumentError && /every must be a positive whole number/.test(e.message));
  assert.throws(() => new Lookahead({ startEpoch: -1 }), /startEpoch/);
  assert.throws(() => new Lookahead({ decay: 1 }), /decay must be in \[0, 1\)/);
  assert.throws(() => new Lookahead({ power: NaN }), /power/);
});

test('a run with lookahead changes the weights, and interrupted after epoch 2 of 3 and resumed it ends bit-identical to one never stopped', async () => {
  const { train } = await mnistSlice(96);
  const root = await mkdtemp(join(tmpdir(), 'fovea-lookahead-'));
  dirs.push(root);
  const options = (extra: object = {}) => ({ epochs: 3, batchSize: 16, optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), callbacks: [new Lookahead({ every: 2, startEpoch: 1 })], seed: 3, ...extra });

  const straight = smallModel(1);
  await fit(straight, train, options());
  const without = smallModel(1);
  await fit(without, train, { ...options(), callbacks: [] });
  assert.notDeepEqual(weightsOf(straight), weightsOf(without));

  const dir = join(root, 'run');
  const interrupted = smallModel(1);
  await assert.rejects(fit(interrupted, train, options({ checkpointDir: dir, onEpochEnd: (logs: { epoch: number }) => { if (logs.epoch === 3) throw new Error('power cut'); } })), /power cut/);
  const checkpoint = await readCheckpoint(dir);
  assert.equal(checkpoint.state.epochsDone, 2);
  assert.equal(checkpoint.callbacks.get('lookahead')?.values.averaging, true, 'the average is in the checkpoint');
  const resumed = smallModel(42);
  await fit(resumed, train, options({ resumeFrom: dir }));
  assertSameWeights(weightsOf(resumed), weightsOf(straight));
  // Resuming it without the average (or a run without it with one) would change the run: refused, naming the flag.
  await assert.rejects(fit(smallModel(1), train, { ...options(), callbacks: [], resumeFrom: dir }), /trained with the lookahead weight average, but this run is without it \(resume with --lookahead\)/);
});
