/** The gradient checker itself: it must pass right gradients and catch wrong ones. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordOp } from '../../src/autograd/index.js';
import { exp, mul, sum } from '../../src/ops/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';
import { checkGradients, distinctTensor, randomAwayFromZero, randomTensor } from '../helpers/gradcheck.js';

/** y = x² with a backward rule that is off by `factor`. */
function squareWithBackward(factor: number) {
  return (x: Tensor): Tensor => {
    const y = new Tensor(Float64Array.from(x.data, (v) => v * v), x.shape);
    return recordOp(y, [x], (dy) => [new Tensor(Float64Array.from(dy.data, (g, i) => factor * 2 * x.data[i] * g), x.shape)]);
  };
}

test('checkGradients passes a correct gradient and reports a tiny error', () => {
  const result = checkGradients(squareWithBackward(1), [randomTensor(new Rng(1), [3, 4])]);
  assert.equal(result.checked, 12);
  assert.ok(result.maxError < 1e-8, `maxError ${result.maxError}`);
});

test('checkGradients throws naming the worst element when a gradient is wrong', () => {
  assert.throws(
    () => checkGradients(squareWithBackward(1.01), [randomTensor(new Rng(2), [2, 3])]),
    (e: unknown) => e instanceof assert.AssertionError && /gradient check failed: input 0 \[2, 3\] at \[\d, \d\]/.test(e.message),
  );
});

test('checkGradients catches a gradient missing on one element only', () => {
  const f = (x: Tensor): Tensor => {
    const y = new Tensor(Float64Array.from(x.data), x.shape);
    return recordOp(y, [x], (dy) => [new Tensor(Float64Array.from(dy.data, (g, i) => (i === 4 ? 0 : g)), x.shape)]);
  };
  assert.throws(() => checkGradients(f, [randomTensor(new Rng(3), [2, 3])]), (e: unknown) => e instanceof assert.AssertionError && e.message.includes('at [1, 1]'));
});

test('checkGradients catches a gradient that is right only for the sum of outputs (weighted reduction)', () => {
  // Backward spreads the total of dy evenly: right for Σy, wrong for any other weighting.
  const f = (x: Tensor): Tensor => {
    const y = new Tensor(Float64Array.from(x.data), x.shape);
    return recordOp(y, [x], (dy) => {
      let total = 0;
      for (const g of dy.data) total += g;
      return [new Tensor(new Float64Array(x.size).fill(total / x.size), x.shape)];
    });
  };
  assert.throws(() => checkGradients(f, [randomTensor(new Rng(4), [4])]), assert.AssertionError);
});

test('checkGradients checks every input of a multi-input function', () => {
  const rng = new Rng(5);
  const result = checkGradients((a, b) => sum(mul(exp(a), b)), [randomTensor(rng, [2, 2]), randomTensor(rng, [2, 2])]);
  assert.equal(result.checked, 8);
});

test('checkGradients converts float32 inputs to float64', () => {
  const result = checkGradients((x) => mul(x, x), [new Tensor(Float32Array.of(0.5, -1.5), [2])]);
  assert.equal(result.checked, 2);
});

test('distinctTensor values are distinct and spaced; randomAwayFromZero stays away from 0', () => {
  const d = distinctTensor(new Rng(6), [3, 4]);
  const sorted = [...d.data].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i] - sorted[i - 1] >= 0.05 - 1e-12);
  const r = randomAwayFromZero(new Rng(7), [100], 0.1);
  assert.ok(r.data.every((v) => Math.abs(v) >= 0.1));
  assert.ok(r.data.some((v) => v < 0) && r.data.some((v) => v > 0));
});
