/**
 * The optimizer classes: AdamW against Adam, RMSprop options, createOptimizer's names and
 * checks, the state export/import that checkpoints rely on, and per-parameter learning-rate
 * scales (airbench's fast batch-norm shifts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError, UnknownNameError } from '../../src/errors.js';
import type { Parameter } from '../../src/nn/layer.js';
import { Adam, AdamW, createOptimizer, optimizerNames, type Optimizer, RMSprop, SGD } from '../../src/optim/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';

function parameters(seed: number): Parameter[] {
  const rng = new Rng(seed);
  const make = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { name, trainable: true, value: new Tensor(Float32Array.from({ length: size }, () => rng.uniform() * 2 - 1), shape) };
  };
  return [make('dense/kernel', [3, 4]), make('dense/bias', [4])];
}

function gradients(rng: Rng, ps: Parameter[]): Tensor[] {
  return ps.map((p) => new Tensor(Float32Array.from({ length: p.value.size }, () => rng.uniform() - 0.5), p.value.shape));
}

const copy = (ps: Parameter[]) => ps.map((p) => Float32Array.from(p.value.data));

test('AdamW with weight decay 0.1 shrinks the weights by lr·wd·w while Adam with the same decay adds wd·w to the gradient: different results, and AdamW at decay 0 equals Adam', () => {
  const run = (opt: Optimizer) => {
    const ps = parameters(1);
    const rng = new Rng(2);
    for (let i = 0; i < 3; i++) opt.step(ps, gradients(rng, ps));
    return copy(ps);
  };
  const adamW = run(new AdamW({ learningRate: 0.01, weightDecay: 0.1 }));
  const adamL2 = run(new Adam({ learningRate: 0.01, weightDecay: 0.1 }));
  assert.notDeepEqual(adamW, adamL2);
  assert.deepEqual(run(new AdamW({ learningRate: 0.01, weightDecay: 0 })), run(new Adam({ learningRate: 0.01 })));
  assert.equal(new AdamW().weightDecay, 0.01, 'default decoupled decay as PyTorch');
  assert.equal(new AdamW().name, 'adamw');
});

test('RMSprop defaults are Keras\'s (lr 0.001, rho 0.9, epsilon 1e-7, no momentum, not centered) and bad options are ArgumentErrors', () => {
  const r = new RMSprop();
  assert.deepEqual(r.getConfig(), { name: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false, weightDecay: 0 });
  assert.throws(() => new RMSprop({ rho: 1 }), ArgumentError);
  assert.throws(() => new RMSprop({ momentum: -0.1 }), ArgumentError);
  assert.throws(() => new RMSprop({ epsilon: 0 }), ArgumentError);
  assert.throws(() => new RMSprop({ weightDecay: -1 }), ArgumentError);
});

test('createOptimizer knows adam, adamw, rmsprop, sgd, momentum and nesterov; momentum is passed to sgd and rmsprop and refused for adam/adamw', () => {
  assert.deepEqual([...optimizerNames].sort(), ['adam', 'adamw', 'momentum', 'nesterov', 'rmsprop', 'sgd']);
  assert.ok(createOptimizer('adamw', { learningRate: 0.002, weightDecay: 0.05 }) instanceof AdamW);
  const rms = createOptimizer('rmsprop', { momentum: 0.9 }) as RMSprop;
  assert.equal(rms.momentum, 0.9);
  assert.equal((createOptimizer('sgd', { momentum: 0.5 }) as SGD).momentum, 0.5);
  assert.equal((createOptimizer('momentum') as SGD).momentum, 0.9);
  assert.equal((createOptimizer('nesterov', { momentum: 0.8 }) as SGD).nesterov, true);
  assert.throws(() => createOptimizer('adam', { momentum: 0.9 }), (e: unknown) => e instanceof ArgumentError && /beta1/.test(e.message));
  assert.throws(() => createOptimizer('adagrad'), UnknownNameError);
});

for (const [name, make] of [
  ['sgd with Nesterov momentum', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ['adam', () => new Adam({ learningRate: 0.01 })],
  ['adamw', () => new AdamW({ learningRate: 0.01 })],
  ['centered rmsprop with momentum', () => new RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
] as Array<[string, () => Optimizer]>) {
  test(`${name}: getState after 3 steps, setState into a fresh optimizer on a copy of the weights, then 3 more steps on each give identical weights`, () => {
    const a = make();
    const psA = parameters(5);
    const rng = new Rng(6);
    for (let i = 0; i < 3; i++) a.step(psA, gradients(rng, psA));
    const state = a.getState();
    // The exported arrays are copies: stepping on must not change them.
    const frozen = Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, Float32Array.from(v)]));
    const b = make();
    const psB = psA.map((p) => ({ ...p, value: new Tensor(Float32Array.from(p.value.data), p.value.shape) }));
    b.setState(state, psB);
    const more = gradients(rng, psA);
    for (let i = 0; i < 3; i++) {
      a.step(psA, more);
      b.step(psB, more);
    }
    assert.deepEqual(copy(psB), copy(psA));
    assert.deepEqual(state.tensors, frozen);
    assert.equal(state.name, a.name);
  });
}

test('Adam state names its arrays <parameter>/m and <parameter>/v and counts steps; setState rejects another optimizer\'s state, unknown names and wrong sizes', () => {
  const adam = new Adam();
  const ps = parameters(7);
  adam.step(ps, gradients(new Rng(8), ps));
  const state = adam.getState();
  assert.deepEqual(Object.keys(state.tensors).sort(), ['dense/bias/m', 'dense/bias/v', 'dense/kernel/m', 'dense/kernel/v']);
  assert.equal(state.scalars.step, 1);
  assert.throws(() => new SGD().setState(state, ps), (e: unknown) => e instanceof ArgumentError && /'adam'.*'sgd'/.test(e.message));
  assert.throws(() => new Adam().setState({ ...state, tensors: { ...state.tensors, 'conv/kernel/m': new Float32Array(3) } }, ps), /conv\/kernel\/m/);
  assert.throws(() => new Adam().setState({ ...state, tensors: { 'dense/bias/m': new Float32Array(5) } }, ps), /5 values but parameter 'dense\/bias' has 4/);
  assert.throws(() => new Adam().setState({ ...state, scalars: { step: -1, learningRate: 0.001 } }, ps), /step/);
});

test('a parameter with learningRateScale 64 gets the step of the learning rate × 64, with the same weight-decay shrink per step as the others (SGD, AdamW)', () => {
  const scaled = (ps: Parameter[]) => [{ ...ps[0] }, { ...ps[1], learningRateScale: 64 }];
  // SGD without momentum: w − lr·s·(g + (wd/s)·w) = w − lr·s·g − lr·wd·w.
  const ps = scaled(parameters(4));
  const before = copy(ps);
  const gs = gradients(new Rng(5), ps);
  new SGD({ learningRate: 0.01, weightDecay: 0.5 }).step(ps, gs);
  before.forEach((w, k) => {
    const s = k === 1 ? 64 : 1;
    w.forEach((v, i) => {
      const expected = v - 0.01 * s * gs[k].data[i] - 0.01 * 0.5 * v;
      assert.ok(Math.abs(ps[k].value.data[i] - expected) < 1e-6, `parameter ${k}[${i}]: ${ps[k].value.data[i]} vs ${expected}`);
    });
  });
  // The scale is the rate: Nesterov SGD on a scale-64 parameter at lr 0.001 moves it exactly as at lr 0.064 with decay 0.5/64.
  const a = scaled(parameters(6));
  const b = parameters(6);
  const rng = new Rng(7);
  const steps = Array.from({ length: 3 }, () => gradients(rng, a));
  const fast = new SGD({ learningRate: 0.001, momentum: 0.9, nesterov: true, weightDecay: 0.5 });
  const reference = new SGD({ learningRate: 0.064, momentum: 0.9, nesterov: true, weightDecay: 0.5 / 64 });
  for (const g of steps) {
    fast.step(a, g);
    reference.step([b[1]], [g[1]]);
  }
  a[1].value.data.forEach((v, i) => assert.ok(Math.abs(v - b[1].value.data[i]) < 1e-6, `bias[${i}]: ${v} vs ${b[1].value.data[i]}`));
  // AdamW: the decoupled shrink lr·wd·w does not grow with the scale, the Adam step does.
  const c = scaled(parameters(8));
  const d = parameters(8);
  const g = gradients(new Rng(9), c);
  new AdamW({ learningRate: 0.001, weightDecay: 0.1 }).step(c, g);
  new AdamW({ learningRate: 0.064, weightDecay: 0.1 / 64 }).step([d[1]], [g[1]]);
  c[1].value.data.forEach((v, i) => assert.ok(Math.abs(v - d[1].value.data[i]) < 1e-6, `AdamW bias[${i}]`));
});

test("RMSprop's epsilonInSqrt (TensorFlow's form) reaches the kernel and the config only when set, so older checkpoints' configs still match; other optimizers refuse it", () => {
  const tf = createOptimizer('rmsprop', { learningRate: 0.01, epsilonInSqrt: true });
  assert.equal(tf.getConfig().epsilonInSqrt, true);
  assert.ok(!('epsilonInSqrt' in createOptimizer('rmsprop').getConfig()));
  const run = (opt: Optimizer) => {
    const ps = parameters(11);
    opt.step(ps, gradients(new Rng(12), ps));
    return copy(ps);
  };
  assert.notDeepEqual(run(tf), run(createOptimizer('rmsprop', { learningRate: 0.01 })));
  assert.throws(() => createOptimizer('adam', { epsilonInSqrt: true }), (e: unknown) => e instanceof ArgumentError && /an RMSprop setting; adam does not take it/.test(e.message));
});
