/** Global average and max pooling: hand-computed values, gradients, shape errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { globalAvgPool2d, globalMaxPool2d } from '../../src/ops/index.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, distinctTensor, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

describe('global pooling', () => {
  test('the 5×5 grid 1…25 on one channel and its negation on another: means 13 and −13, maxima 25 and −1', () => {
    withBackend(f64, () => {
      const data = new Float64Array(2 * 25 * 2);
      for (let n = 0; n < 2; n++) for (let i = 0; i < 25; i++) {
        data[(n * 25 + i) * 2] = i + 1 + n;
        data[(n * 25 + i) * 2 + 1] = -(i + 1);
      }
      const x = tensor(data, [2, 5, 5, 2], 'float64');
      const avg = globalAvgPool2d(x);
      assert.deepEqual(avg.shape, [2, 2]);
      assert.deepEqual([...avg.data], [13, -13, 14, -13]);
      const max = globalMaxPool2d(x);
      assert.deepEqual(max.shape, [2, 2]);
      assert.deepEqual([...max.data], [25, -1, 26, -1]);
    });
  });

  test('gradients: average spreads dy/(H·W) over the image, max sends it to the maximum', () => {
    const rng = new Rng(4);
    checkGradients((x: Tensor) => globalAvgPool2d(x), [randomTensor(rng, [2, 3, 5, 3])]);
    checkGradients((x: Tensor) => globalAvgPool2d(x), [randomTensor(rng, [1, 1, 1, 4])]);
    checkGradients((x: Tensor) => globalMaxPool2d(x), [distinctTensor(rng, [2, 4, 3, 3])]);
  });

  test('an input that is not [batch, height, width, channels] is a ShapeError', () => {
    withBackend(f64, () => {
      assert.throws(() => globalAvgPool2d(tensor([1, 2, 3], [1, 3], 'float64')), (e: unknown) => e instanceof ShapeError && /globalAvgPool2d/.test(e.message));
      assert.throws(() => globalMaxPool2d(tensor([1, 2, 3], [1, 3], 'float64')), ShapeError);
    });
  });
});
