import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { grad } from '../../src/autograd/index.js';
import { avgPool2d, maxPool2d, type Pool2DOptions, sum } from '../../src/ops/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { checkGradients, distinctTensor, randomTensor } from '../helpers/gradcheck.js';
import { assertClose, naivePool2d, type Pads, samePadding } from '../helpers/reference.js';

const f64 = createJsBackend('float64');

interface PoolCase {
  batch: number;
  h: number;
  w: number;
  channels: number;
  poolSize: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid' | number;
}

const cases: PoolCase[] = [
  { batch: 1, h: 6, w: 6, channels: 1, poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
  { batch: 2, h: 7, w: 5, channels: 3, poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
  { batch: 1, h: 5, w: 6, channels: 2, poolSize: [2, 2], strides: [1, 1], padding: 'valid' },
  { batch: 1, h: 7, w: 5, channels: 2, poolSize: [3, 3], strides: [2, 2], padding: 'valid' },
  { batch: 2, h: 5, w: 5, channels: 1, poolSize: [3, 3], strides: [1, 1], padding: 'valid' },
  { batch: 1, h: 5, w: 5, channels: 3, poolSize: [3, 3], strides: [1, 1], padding: 'same' },
  { batch: 1, h: 7, w: 5, channels: 2, poolSize: [2, 2], strides: [2, 2], padding: 'same' },
  { batch: 2, h: 7, w: 7, channels: 1, poolSize: [3, 3], strides: [2, 2], padding: 'same' },
  { batch: 1, h: 6, w: 7, channels: 2, poolSize: [2, 3], strides: [2, 1], padding: 'same' },
  { batch: 1, h: 3, w: 3, channels: 2, poolSize: [3, 3], strides: [3, 3], padding: 'valid' },
  { batch: 1, h: 8, w: 7, channels: 2, poolSize: [2, 2], strides: [3, 3], padding: 'valid' },
  { batch: 2, h: 8, w: 7, channels: 1, poolSize: [2, 2], strides: [3, 3], padding: 'same' },
  { batch: 1, h: 5, w: 6, channels: 2, poolSize: [3, 3], strides: [2, 2], padding: 1 },
];

function pads(c: PoolCase): Pads {
  if (c.padding === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (typeof c.padding === 'number') return { top: c.padding, bottom: c.padding, left: c.padding, right: c.padding };
  const [top, bottom] = samePadding(c.h, c.poolSize[0], c.strides[0]);
  const [left, right] = samePadding(c.w, c.poolSize[1], c.strides[1]);
  return { top, bottom, left, right };
}

const describeCase = (c: PoolCase) =>
  `batch ${c.batch}, ${c.h}×${c.w}×${c.channels}, poolSize ${c.poolSize.join('×')}, strides ${c.strides.join('×')}, padding ${c.padding}`;
const options = (c: PoolCase): Pool2DOptions => ({ poolSize: c.poolSize, strides: c.strides, padding: c.padding });

describe('maxPool2d', () => {
  test('2×2 max pooling of a 4×4 image against hand-computed maxima', () => {
    const x = tensor([1, 5, 2, 0, 3, 4, 8, 1, 0, 2, 9, 9, 7, 1, 3, 4], [1, 4, 4, 1]);
    const y = maxPool2d(x);
    assert.deepEqual(y.shape, [1, 2, 2, 1]);
    assert.deepEqual(Array.from(y.data), [5, 8, 7, 9]);
  });

  test('poolSize defaults to 2 and strides default to poolSize', () => {
    assert.deepEqual(maxPool2d(tensor(new Array(36).fill(0), [1, 6, 6, 1])).shape, [1, 3, 3, 1]);
    assert.deepEqual(maxPool2d(tensor(new Array(36).fill(0), [1, 6, 6, 1]), { poolSize: 3 }).shape, [1, 2, 2, 1]);
  });

  test('max pooling of all-negative values with same padding ignores the padding (never returns 0)', () => {
    const y = maxPool2d(tensor([-5, -4, -3, -2, -1, -6, -7, -8, -9], [1, 3, 3, 1]), { poolSize: 2, padding: 'same' });
    assert.deepEqual(Array.from(y.data), [-1, -3, -7, -9]);
  });

  cases.forEach((c, i) => {
    test(`maxPool2d forward against a naive loop, ${describeCase(c)}`, () => {
      const x = randomTensor(new Rng(300 + i), [c.batch, c.h, c.w, c.channels]);
      assertClose(withBackend(f64, () => maxPool2d(x, options(c))), naivePool2d('max', x, c.poolSize, c.strides, pads(c)), 0);
    });
    test(`maxPool2d gradient (distinct values, no ties), ${describeCase(c)}`, () => {
      checkGradients((x) => maxPool2d(x, options(c)), [distinctTensor(new Rng(400 + i), [c.batch, c.h, c.w, c.channels])]);
    });
  });

  test('maxPool2d gradient goes to exactly one element when the window holds a tie', () => {
    withBackend(f64, () => {
      const x = tensor([1, 1, 1, 1], [1, 2, 2, 1], 'float64');
      const [dx] = grad((t) => sum(maxPool2d(t)))(x);
      assert.deepEqual([...dx.data].sort(), [0, 0, 0, 1]);
    });
  });
});

describe('avgPool2d', () => {
  cases.forEach((c, i) => {
    test(`avgPool2d forward against a naive loop (padding not counted), ${describeCase(c)}`, () => {
      const x = randomTensor(new Rng(500 + i), [c.batch, c.h, c.w, c.channels]);
      assertClose(withBackend(f64, () => avgPool2d(x, options(c))), naivePool2d('avg', x, c.poolSize, c.strides, pads(c)), 1e-12);
    });
    test(`avgPool2d gradient, ${describeCase(c)}`, () => {
      checkGradients((x) => avgPool2d(x, options(c)), [randomTensor(new Rng(600 + i), [c.batch, c.h, c.w, c.channels])]);
    });
  });
});

describe('pooling shape checks', () => {
  test('a pool window larger than the input (valid) throws ShapeError', () => {
    assert.throws(() => maxPool2d(tensor([1, 2, 3, 4], [1, 2, 2, 1]), { poolSize: 3 }), ShapeError);
    assert.throws(() => avgPool2d(tensor([1, 2, 3, 4], [1, 2, 2, 1]), { poolSize: 3 }), ShapeError);
  });

  test('a pool window larger than the input is fine with same padding', () => {
    assert.deepEqual(maxPool2d(tensor([1, 2, 3, 4], [1, 2, 2, 1]), { poolSize: 3, padding: 'same' }).shape, [1, 1, 1, 1]);
  });

  test('explicit pool padding as wide as the window throws ShapeError instead of giving −∞ or empty averages', () => {
    const x = tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    for (const pool of [maxPool2d, avgPool2d]) {
      assert.throws(() => pool(x, { poolSize: 2, strides: 2, padding: 2 }), (e: unknown) => e instanceof ShapeError && e.message.includes('pool size 2×2'));
      assert.throws(() => pool(x, { poolSize: 2, padding: [[0, 0], [0, 2]] }), ShapeError);
      assert.deepEqual(pool(x, { poolSize: 2, strides: 1, padding: 1 }).shape, [1, 3, 3, 1]);
    }
    assert.ok(maxPool2d(x, { poolSize: 2, strides: 1, padding: 1 }).data.every(Number.isFinite));
  });

  test('pooling a rank-3 tensor throws ShapeError', () => {
    assert.throws(() => maxPool2d(tensor([1, 2, 3, 4], [2, 2, 1])), ShapeError);
  });
});
