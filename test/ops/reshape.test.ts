import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../src/errors.js';
import { flatten, mul, reshape } from '../../src/ops/index.js';
import { Rng, tensor, type Tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

test('reshape keeps the data in row-major order', () => {
  const y = reshape(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [3, 2]);
  assert.deepEqual(y.shape, [3, 2]);
  assert.deepEqual(Array.from(y.data), [1, 2, 3, 4, 5, 6]);
});

test('reshape infers one −1 dimension', () => {
  assert.deepEqual(reshape(tensor(new Array(24).fill(0), [2, 3, 4]), [4, -1]).shape, [4, 6]);
  assert.deepEqual(reshape(tensor(new Array(24).fill(0), [2, 3, 4]), [-1]).shape, [24]);
});

test('reshape to a different element count, or with a −1 that does not divide, throws ShapeError', () => {
  assert.throws(() => reshape(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [4, 2]), ShapeError);
  assert.throws(() => reshape(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [4, -1]), ShapeError);
});

test('flatten keeps the batch axis: [2,3,4,5] → [2,60]', () => {
  assert.deepEqual(flatten(tensor(new Array(120).fill(0), [2, 3, 4, 5])).shape, [2, 60]);
});

test('flatten of a scalar throws ShapeError', () => {
  assert.throws(() => flatten(tensor([1], [])), ShapeError);
});

// Reshape alone is linear with a 0/1 Jacobian; multiplying by fixed weights afterwards makes the
// check sensitive to a gradient routed to the wrong element.
test('reshape gradient [2,3,4] → [4,6] followed by a product with fixed weights (central differences)', () => {
  const rng = new Rng(1);
  const w = randomTensor(rng, [4, 6]);
  checkGradients((x: Tensor) => mul(reshape(x, [4, 6]), w), [randomTensor(rng, [2, 3, 4])]);
});

test('flatten gradient [2,3,3,2] → [2,18] (central differences)', () => {
  const rng = new Rng(2);
  checkGradients(flatten, [randomTensor(rng, [2, 3, 3, 2])]);
});
