import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { grad } from '../../src/autograd/index.js';
import { abs, exp, gelu, leakyRelu, log, neg, relu, sigmoid, sqrt, square, sum, tanh } from '../../src/ops/index.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomAwayFromZero, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

function close(actual: Tensor, expected: number[], tol = 1e-12): void {
  assert.equal(actual.size, expected.length);
  actual.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `element ${i}: got ${v}, expected ${expected[i]}`));
}

describe('activations: forward', () => {
  const x = [-2, -0.5, 0, 0.5, 2];
  const run = (fn: (t: Tensor) => Tensor, input = x) => withBackend(f64, () => fn(tensor(input, [input.length], 'float64')));

  test('relu clamps negatives to 0', () => close(run(relu), [0, 0, 0, 0.5, 2]));
  test('leakyRelu defaults to Keras alpha 0.3', () => close(run((t) => leakyRelu(t)), [-0.6, -0.15, 0, 0.5, 2]));
  test('leakyRelu with alpha 0.01', () => close(run((t) => leakyRelu(t, 0.01)), [-0.02, -0.005, 0, 0.5, 2]));
  test('sigmoid is 1/(1+e^-x)', () => close(run(sigmoid), x.map((v) => 1 / (1 + Math.exp(-v)))));
  test('sigmoid(0) is 0.5 and saturates without NaN at ±1000', () => close(run(sigmoid, [0, 1000, -1000]), [0.5, 1, 0]));
  test('tanh', () => close(run(tanh), x.map(Math.tanh)));
  test('gelu is x·Φ(x), the exact (erf) form, as torch.nn.GELU() gives', () =>
    close(run(gelu), [-0.04550026389635844, -0.15426876936299344, 0, 0.34573123063700656, 1.9544997361036416], 1e-15));
  test('exp', () => close(run(exp), x.map(Math.exp)));
  test('log', () => close(run(log, [0.5, 1, Math.E]), [Math.log(0.5), 0, 1]));
  test('neg', () => close(run(neg), [2, 0.5, -0, -0.5, -2]));
  test('square', () => close(run(square), [4, 0.25, 0, 0.25, 4]));
  test('sqrt', () => close(run(sqrt, [0, 0.25, 4]), [0, 0.5, 2]));
  test('abs', () => close(run(abs), [2, 0.5, 0, 0.5, 2]));
});

describe('activations: gradients against central differences', () => {
  const shape = [2, 3, 4];
  const cases: [string, (t: Tensor) => Tensor, (rng: Rng) => Tensor][] = [
    ['relu (inputs away from the kink at 0)', relu, (rng) => randomAwayFromZero(rng, shape)],
    ['leakyRelu alpha 0.3 (inputs away from 0)', (t) => leakyRelu(t), (rng) => randomAwayFromZero(rng, shape)],
    ['leakyRelu alpha 0.01 (inputs away from 0)', (t) => leakyRelu(t, 0.01), (rng) => randomAwayFromZero(rng, shape)],
    ['sigmoid', sigmoid, (rng) => randomTensor(rng, shape, -4, 4)],
    ['tanh', tanh, (rng) => randomTensor(rng, shape, -3, 3)],
    ['gelu', gelu, (rng) => randomTensor(rng, shape, -4, 4)],
    ['exp', exp, (rng) => randomTensor(rng, shape, -2, 2)],
    ['log (positive inputs)', log, (rng) => randomTensor(rng, shape, 0.2, 3)],
    ['neg', neg, (rng) => randomTensor(rng, shape)],
    ['square', square, (rng) => randomTensor(rng, shape, -2, 2)],
    ['sqrt (positive inputs)', sqrt, (rng) => randomTensor(rng, shape, 0.2, 3)],
    ['abs (inputs away from 0)', abs, (rng) => randomAwayFromZero(rng, shape)],
  ];
  cases.forEach(([name, fn, make], i) => {
    test(`${name} gradient`, () => {
      checkGradients(fn, [make(new Rng(100 + i))]);
    });
  });

  test('relu and abs have gradient 0 at exactly 0 (subgradient convention)', () => {
    withBackend(f64, () => {
      const x = tensor([0, -1, 1], [3], 'float64');
      assert.deepEqual(Array.from(grad((t) => sum(relu(t)))(x)[0].data), [0, 0, 1]);
      assert.deepEqual(Array.from(grad((t) => sum(abs(t)))(x)[0].data), [0, -1, 1]);
    });
  });
});
