import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { logSoftmax, softmax } from '../../src/ops/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

test('softmax of [1,2,3] against hand-computed values', () => {
  withBackend(f64, () => {
    const y = softmax(tensor([1, 2, 3], [1, 3], 'float64'));
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    [1, 2, 3].forEach((v, i) => assert.ok(Math.abs(y.data[i] - Math.exp(v) / z) < 1e-15));
  });
});

test('softmax works over the last axis of a rank-3 tensor, each row summing to 1', () => {
  withBackend(f64, () => {
    const x = randomTensor(new Rng(1), [2, 3, 5], -3, 3);
    const y = softmax(x);
    assert.deepEqual(y.shape, [2, 3, 5]);
    for (let r = 0; r < 6; r++) {
      let s = 0;
      for (let c = 0; c < 5; c++) s += y.data[r * 5 + c];
      assert.ok(Math.abs(s - 1) < 1e-12, `row ${r} sums to ${s}`);
    }
  });
});

test('logSoftmax equals log(softmax) and is finite for logits of 1e4', () => {
  withBackend(f64, () => {
    const x = tensor([1e4, 0, -1e4, 1, 2, 3], [2, 3], 'float64');
    const ls = logSoftmax(x);
    const s = softmax(x);
    assert.ok(ls.data.every(Number.isFinite));
    assert.ok(Math.abs(ls.data[0]) < 1e-12);
    assert.equal(ls.data[1], -1e4);
    for (let i = 3; i < 6; i++) assert.ok(Math.abs(ls.data[i] - Math.log(s.data[i])) < 1e-12);
  });
});

for (const shape of [[1, 1], [1, 4], [3, 5], [2, 2, 3]] as const) {
  test(`softmax gradient on [${shape}] (central differences)`, () => {
    checkGradients(softmax, [randomTensor(new Rng(shape.length * 10 + shape[0]), shape, -2, 2)]);
  });
  test(`logSoftmax gradient on [${shape}] (central differences)`, () => {
    checkGradients(logSoftmax, [randomTensor(new Rng(shape.length * 20 + shape[0]), shape, -2, 2)]);
  });
}
