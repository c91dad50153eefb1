import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGaussianNoise, gaussianNoise } from '../../../src/data/augment/index.js';
import { ArgumentError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, differs, randomBatch } from './images.js';

test('noise has the requested standard deviation and zero mean', () => {
  const x = new Tensor(new Float32Array(16 * 32 * 32 * 3).fill(0.5), [16, 32, 32, 3]);
  for (const std of [0.05, 0.2]) {
    const y = gaussianNoise(std)(x, new Rng(3));
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < y.size; i++) {
      const d = y.data[i] - 0.5;
      sum += d;
      sumSq += d * d;
    }
    const mean = sum / y.size;
    const measured = Math.sqrt(sumSq / y.size - mean * mean);
    // 49,152 samples: the sample std is within ~0.3% of the true one; allow 3%.
    assert.ok(Math.abs(measured - std) < 0.03 * std, `std ${std}: measured ${measured}`);
    assert.ok(Math.abs(mean) < 0.05 * std, `std ${std}: mean ${mean}`);
  }
});

test('noise 0 is the identity; noise is not clipped to [0, 1]', () => {
  const x = randomBatch([2, 4, 4, 1]);
  assertBitEqual(gaussianNoise(0)(x, new Rng(1)), x);
  const black = new Tensor(new Float32Array(1000), [10, 10, 10, 1]);
  const y = addGaussianNoise(black, 0.1, new Rng(1));
  assert.ok(y.data.some((v) => v < 0), 'some pixels go below 0');
});

test('noise is deterministic for a seed and differs for another', () => {
  const x = randomBatch([4, 5, 5, 3]);
  const a = gaussianNoise(0.05)(x, new Rng(8));
  assertBitEqual(gaussianNoise(0.05)(x, new Rng(8)), a);
  assert.ok(differs(gaussianNoise(0.05)(x, new Rng(9)), a));
});

test('a negative standard deviation is an ArgumentError', () => {
  assert.throws(() => gaussianNoise(-0.1), ArgumentError);
});
