import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { mean, sum } from '../../src/ops/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

test('sum of all elements is a scalar of shape []', () => {
  withBackend(f64, () => {
    const y = sum(tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float64'));
    assert.deepEqual(y.shape, []);
    assert.equal(y.item(), 21);
  });
});

test('mean of all elements is a scalar of shape []', () => {
  withBackend(f64, () => {
    const y = mean(tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float64'));
    assert.deepEqual(y.shape, []);
    assert.equal(y.item(), 3.5);
  });
});

test('sum gradient is all ones (central differences)', () => {
  checkGradients(sum, [randomTensor(new Rng(1), [2, 3, 4])]);
});

test('mean gradient is 1/size everywhere (central differences)', () => {
  checkGradients(mean, [randomTensor(new Rng(2), [3, 5])]);
});
