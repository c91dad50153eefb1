/** Gradient clipping by global norm. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../../src/errors.js';
import { clipByGlobalNorm, globalNorm } from '../../src/optim/index.js';
import { tensor } from '../../src/tensor/index.js';

test('the global norm of [3] and [4, 0] is 5; clipping to 1 scales both by 1/(5 + 1e-6), keeping their direction', () => {
  const grads = [tensor([3], [1]), tensor([4, 0], [2])];
  assert.equal(globalNorm(grads), 5);
  const { gradients, norm, clipped } = clipByGlobalNorm(grads, 1);
  assert.equal(norm, 5);
  assert.equal(clipped, true);
  const f = 1 / (5 + 1e-6);
  assert.deepEqual([...gradients[0].data], [Math.fround(3 * f)]);
  assert.deepEqual([...gradients[1].data], [Math.fround(4 * f), 0]);
  assert.ok(Math.abs(globalNorm(gradients) - 1) < 1e-6);
  assert.deepEqual([...grads[0].data], [3], 'the inputs are not modified');
});

test('gradients whose norm is within the limit are returned unchanged (the same tensors)', () => {
  const grads = [tensor([0.3, -0.4], [2])];
  const { gradients, clipped } = clipByGlobalNorm(grads, 0.6);
  assert.equal(clipped, false);
  assert.equal(gradients[0], grads[0]);
});

test('a non-finite norm is reported without scaling; a non-positive limit is an ArgumentError', () => {
  const { norm, clipped } = clipByGlobalNorm([tensor([NaN, 1], [2])], 1);
  assert.ok(Number.isNaN(norm));
  assert.equal(clipped, false);
  assert.throws(() => clipByGlobalNorm([tensor([1], [1])], 0), ArgumentError);
  assert.throws(() => clipByGlobalNorm([tensor([1], [1])], NaN), ArgumentError);
});
