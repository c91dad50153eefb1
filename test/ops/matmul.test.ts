import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { matmul } from '../../src/ops/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

test('matmul of [2,3]·[3,2] against a hand-computed product', () => {
  withBackend(createJsBackend('float64'), () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float64');
    const b = tensor([7, 8, 9, 10, 11, 12], [3, 2], 'float64');
    const y = matmul(a, b);
    assert.deepEqual(y.shape, [2, 2]);
    assert.deepEqual(Array.from(y.data), [58, 64, 139, 154]);
  });
});

test('matmul rejects mismatched inner dimensions with ShapeError', () => {
  assert.throws(() => matmul(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 2, 3, 4], [2, 2])), ShapeError);
  assert.throws(() => matmul(tensor([1, 2, 3], [3]), tensor([1, 2, 3], [3, 1])), ShapeError);
});

for (const [m, k, n] of [
  [1, 1, 1],
  [3, 4, 5],
  [5, 3, 1],
  [1, 7, 2],
] as const) {
  test(`matmul gradient for [${m},${k}]·[${k},${n}] (central differences)`, () => {
    const rng = new Rng(m * 100 + k * 10 + n);
    checkGradients(matmul, [randomTensor(rng, [m, k]), randomTensor(rng, [k, n])]);
  });
}

test('matmul gradient when an input contains exact zeros (as after ReLU)', () => {
  const rng = new Rng(11);
  const a = randomTensor(rng, [4, 3]);
  for (let i = 0; i < a.size; i += 2) a.data[i] = 0;
  checkGradients(matmul, [a, randomTensor(rng, [3, 2])]);
});
