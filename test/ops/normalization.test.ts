/**
 * Batch normalisation: forward against hand-computed values, gradients (x, γ, β) against float64
 * central differences in training and inference mode, and the moving-average rule.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { batchNormInference, batchNormTraining, updateMovingAverage } from '../../src/ops/index.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

/** |a − e| ≤ tol·max(1, |e|) for every entry. */
function near(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `[${i}]: ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('batch normalisation forward, by hand', () => {
  test('one channel of four values: mean 2.5, variance 1.25, y = γ·(x − 2.5)/√(1.25 + ε) + β', () => {
    withBackend(f64, () => {
      const x = tensor([1, 2, 3, 4], [4, 1], 'float64');
      const { y, mean, variance } = batchNormTraining(x, tensor([2], [1], 'float64'), tensor([0.5], [1], 'float64'), 1e-3);
      near(mean.data, [2.5], 1e-15);
      near(variance.data, [1.25], 1e-15);
      const s = 1 / Math.sqrt(1.251);
      near(y.data, [2 * -1.5 * s + 0.5, 2 * -0.5 * s + 0.5, 2 * 0.5 * s + 0.5, 2 * 1.5 * s + 0.5], 1e-14);
    });
  });

  test('NHWC: each channel is normalised over batch, height and width, independently of the others', () => {
    withBackend(f64, () => {
      // [2, 1, 2, 2]: channel 0 holds 0, 2, 4, 6 (mean 3, variance 5); channel 1 holds 10 four times (variance 0).
      const x = tensor([0, 10, 2, 10, 4, 10, 6, 10], [2, 1, 2, 2], 'float64');
      const { y, mean, variance } = batchNormTraining(x, tensor([1, 3], [2], 'float64'), tensor([0, -1], [2], 'float64'), 1e-3);
      near(mean.data, [3, 10], 1e-15);
      near(variance.data, [5, 0], 1e-15);
      const s = 1 / Math.sqrt(5.001);
      near(y.data, [-3 * s, -1, -1 * s, -1, 1 * s, -1, 3 * s, -1], 1e-14);
    });
  });

  test('inference uses the given statistics: y = γ·(x − mean)/√(variance + ε) + β', () => {
    withBackend(f64, () => {
      const x = tensor([1, 2, 3, 4, 5, 6], [3, 2], 'float64');
      // Channel 0: (x − 1)/2·2 + 0 = x − 1; channel 1: (x − 2)/0.5·1 + 1.
      const variance = tensor([4 - 1e-3, 0.25 - 1e-3], [2], 'float64');
      const y = batchNormInference(x, tensor([2, 1], [2], 'float64'), tensor([0, 1], [2], 'float64'), tensor([1, 2], [2], 'float64'), variance, 1e-3);
      near(y.data, [0, 1, 2, 5, 4, 9], 1e-12);
    });
  });

  test('a parameter whose length is not the channel count, or a non-positive ε, is a ShapeError', () => {
    withBackend(f64, () => {
      const x = tensor([1, 2, 3, 4, 5, 6], [3, 2], 'float64');
      const one = tensor([1], [1], 'float64');
      const two = tensor([1, 1], [2], 'float64');
      assert.throws(() => batchNormTraining(x, one, two), (e: unknown) => e instanceof ShapeError && /\[1\].*last axis.*\[3, 2\]/.test(e.message));
      assert.throws(() => batchNormTraining(x, two, two, 0), ShapeError);
    });
  });
});

describe('batch normalisation gradients (float64 central differences)', () => {
  const shapes: { shape: number[]; epsilon: number }[] = [
    { shape: [2, 3, 3, 4], epsilon: 1e-3 },
    { shape: [1, 3, 2, 3], epsilon: 1e-3 },
    { shape: [3, 1, 1, 5], epsilon: 1e-2 },
    { shape: [5, 3], epsilon: 1e-3 },
    { shape: [2, 5, 4, 1], epsilon: 1e-5 },
  ];
  for (const { shape, epsilon } of shapes) {
    test(`training mode, input [${shape}], ε = ${epsilon}: x, γ and β`, () => {
      const rng = new Rng(shape.reduce((a, b) => a * 7 + b, 1));
      const C = shape[shape.length - 1];
      const x = randomTensor(rng, shape, -2, 3);
      const gamma = randomTensor(rng, [C], 0.5, 1.5);
      const beta = randomTensor(rng, [C], -1, 1);
      const r = checkGradients((xx: Tensor, g: Tensor, b: Tensor) => batchNormTraining(xx, g, b, epsilon).y, [x, gamma, beta], { tol: 1e-6 });
      assert.ok(r.checked === x.size + 2 * C);
    });

    test(`inference mode, input [${shape}], ε = ${epsilon}: x, γ and β`, () => {
      const rng = new Rng(shape.reduce((a, b) => a * 11 + b, 3));
      const C = shape[shape.length - 1];
      const x = randomTensor(rng, shape, -2, 3);
      const gamma = randomTensor(rng, [C], 0.5, 1.5);
      const beta = randomTensor(rng, [C], -1, 1);
      const mean = randomTensor(rng, [C], -1, 1);
      const variance = randomTensor(rng, [C], 0.2, 2);
      checkGradients((xx: Tensor, g: Tensor, b: Tensor) => batchNormInference(xx, g, b, mean, variance, epsilon), [x, gamma, beta], { tol: 1e-6 });
    });
  }

  test('one value per channel (variance 0): the output is β and the input gradient is 0', () => {
    const rng = new Rng(5);
    const x = randomTensor(rng, [1, 1, 1, 3]);
    const gamma = randomTensor(rng, [3], 0.5, 1.5);
    const beta = randomTensor(rng, [3]);
    checkGradients((xx: Tensor, g: Tensor, b: Tensor) => batchNormTraining(xx, g, b).y, [x, gamma, beta]);
    withBackend(f64, () => near(batchNormTraining(x, gamma, beta).y.data, beta.data, 0));
  });
});

describe('moving averages', () => {
  test("moving ← moving·momentum + batch·(1 − momentum), in place (Keras' rule)", () => {
    const moving = tensor([0, 1], [2]);
    const data = moving.data;
    assert.equal(updateMovingAverage(moving, tensor([2, 3], [2]), 0.75), true);
    assert.equal(moving.data, data, 'updated in place');
    near(moving.data, [0.5, 1.5], 1e-7);
  });

  test('non-finite batch statistics leave the moving average unchanged', () => {
    const moving = tensor([0.5, 1], [2]);
    assert.equal(updateMovingAverage(moving, tensor([2, NaN], [2]), 0.9), false);
    assert.deepEqual([...moving.data], [0.5, 1]);
    assert.equal(updateMovingAverage(moving, tensor([Infinity, 1], [2]), 0.9), false);
    assert.deepEqual([...moving.data], [0.5, 1]);
  });
});
