import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../../src/errors.js';
import { dropout } from '../../src/ops/index.js';
import { Rng, tensor, type Tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

test('dropout at inference (training=false) is the identity', () => {
  const x = tensor([1, 2, 3], [3]);
  assert.equal(dropout(x, 0.5, new Rng(1), false), x);
});

test('dropout with rate 0 is the identity', () => {
  const x = tensor([1, 2, 3], [3]);
  assert.equal(dropout(x, 0, new Rng(1), true), x);
});

test('dropout zeroes about rate of the elements and scales the rest by 1/(1−rate)', () => {
  const n = 20000;
  const y = dropout(tensor(new Array(n).fill(1), [n]), 0.25, new Rng(7), true);
  let zeros = 0;
  for (const v of y.data) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.75) < 1e-6);
  }
  assert.ok(Math.abs(zeros / n - 0.25) < 0.02, `dropped fraction ${zeros / n}`);
});

test('dropout with the same seed gives the same mask', () => {
  const x = tensor(new Array(100).fill(1), [100]);
  assert.deepEqual(Array.from(dropout(x, 0.5, new Rng(3), true).data), Array.from(dropout(x, 0.5, new Rng(3), true).data));
});

test('dropout rejects a rate outside [0, 1) with ArgumentError', () => {
  const x = tensor([1], [1]);
  assert.throws(() => dropout(x, 1, new Rng(1), true), ArgumentError);
  assert.throws(() => dropout(x, -0.1, new Rng(1), true), ArgumentError);
  assert.throws(() => dropout(x, Number.NaN, new Rng(1), true), ArgumentError);
});

test('dropout gradient with a fixed mask (re-seeded each call) matches central differences', () => {
  const f = (x: Tensor) => dropout(x, 0.4, new Rng(42), true);
  const result = checkGradients(f, [randomTensor(new Rng(2), [3, 4, 5])]);
  assert.equal(result.checked, 60);
});
