import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { concat, concatShape } from '../../src/ops/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

describe('concat', () => {
  test('joins NHWC tensors along channels: [1,1,2,1] and [1,1,2,2] give [1,1,2,3] with each pixel\'s channels side by side', () => {
    withBackend(f64, () => {
      const a = tensor([1, 2], [1, 1, 2, 1], 'float64');
      const b = tensor([10, 20, 30, 40], [1, 1, 2, 2], 'float64');
      const y = concat([a, b]);
      assert.deepEqual(y.shape, [1, 1, 2, 3]);
      assert.deepEqual(Array.from(y.data), [1, 10, 20, 2, 30, 40]);
    });
  });

  test('joins along axis 1 of [2,1,2] and [2,2,2]', () => {
    withBackend(f64, () => {
      const y = concat([tensor([1, 2, 3, 4], [2, 1, 2], 'float64'), tensor([5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 2], 'float64')], 1);
      assert.deepEqual(y.shape, [2, 3, 2]);
      assert.deepEqual(Array.from(y.data), [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12]);
    });
  });

  test('rejects shapes that differ outside the joined axis, naming them', () => {
    assert.throws(() => concatShape([[2, 3, 4], [2, 5, 4]], -1), (e: unknown) => e instanceof ShapeError && /\[2, 3, 4\].*\[2, 5, 4\]|differ outside axis/.test((e as Error).message));
    assert.throws(() => concatShape([[2, 3]], 5), ShapeError);
  });

  test('gradient of three inputs joined on channels matches central differences', () => {
    const rng = new Rng(3);
    checkGradients((a, b, c) => concat([a, b, c]), [randomTensor(rng, [2, 2, 3, 1]), randomTensor(rng, [2, 2, 3, 2]), randomTensor(rng, [2, 2, 3, 3])]);
  });

  test('gradient when joining along a middle axis matches central differences', () => {
    const rng = new Rng(4);
    checkGradients((a, b) => concat([a, b], 1), [randomTensor(rng, [2, 1, 3]), randomTensor(rng, [2, 2, 3])]);
  });
});
