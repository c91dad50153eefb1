import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { DatasetError, ShapeError } from '../../src/errors.js';
import { meanSquaredError, softmaxCrossEntropy } from '../../src/ops/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

test('softmaxCrossEntropy is the batch mean of −log softmax at the label', () => {
  withBackend(f64, () => {
    const logits = [2, 1, 0.1, 0.5, 2.5, -1];
    const labels = Int32Array.from([0, 2]);
    const loss = softmaxCrossEntropy(tensor(logits, [2, 3], 'float64'), labels).item();
    const nll = (row: number[], label: number) => -Math.log(Math.exp(row[label]) / row.reduce((s, v) => s + Math.exp(v), 0));
    const expected = (nll(logits.slice(0, 3), 0) + nll(logits.slice(3), 2)) / 2;
    assert.ok(Math.abs(loss - expected) < 1e-12, `${loss} vs ${expected}`);
  });
});

test('softmaxCrossEntropy of uniform logits over 10 classes is ln 10', () => {
  withBackend(f64, () => {
    const loss = softmaxCrossEntropy(tensor(new Array(20).fill(0.3), [2, 10], 'float64'), Int32Array.from([3, 9])).item();
    assert.ok(Math.abs(loss - Math.log(10)) < 1e-12);
  });
});

test('softmaxCrossEntropy stays finite for logits of ±1e4', () => {
  const loss = softmaxCrossEntropy(tensor([1e4, -1e4, 0, 0], [2, 2]), Int32Array.from([1, 0])).item();
  assert.ok(Math.abs(loss - (2e4 + Math.log(2)) / 2) < 1, `loss ${loss}`);
});

test('softmaxCrossEntropy rejects an out-of-range label with DatasetError and a wrong label count with ShapeError', () => {
  assert.throws(() => softmaxCrossEntropy(tensor([0, 0, 0, 0], [2, 2]), Int32Array.from([0, 2])), DatasetError);
  assert.throws(() => softmaxCrossEntropy(tensor([0, 0, 0, 0], [2, 2]), Int32Array.from([-1, 0])), DatasetError);
  assert.throws(() => softmaxCrossEntropy(tensor([0, 0, 0, 0], [2, 2]), Int32Array.from([0])), ShapeError);
  assert.throws(() => softmaxCrossEntropy(tensor([0, 0, 0, 0], [4]), Int32Array.from([0, 0, 0, 0])), ShapeError);
});

test('softmaxCrossEntropy gradient for batch 4 × 5 classes (central differences)', () => {
  const labels = Int32Array.from([0, 4, 2, 2]);
  checkGradients((logits) => softmaxCrossEntropy(logits, labels), [randomTensor(new Rng(1), [4, 5], -2, 2)]);
});

test('softmaxCrossEntropy gradient for batch 1 × 2 classes (central differences)', () => {
  const labels = Int32Array.from([1]);
  checkGradients((logits) => softmaxCrossEntropy(logits, labels), [randomTensor(new Rng(2), [1, 2], -2, 2)]);
});

test('meanSquaredError against a hand-computed value', () => {
  withBackend(f64, () => {
    const loss = meanSquaredError(tensor([1, 2, 3, 4], [2, 2], 'float64'), tensor([1, 0, 5, 3], [2, 2], 'float64')).item();
    assert.equal(loss, (0 + 4 + 4 + 1) / 4);
  });
});

test('meanSquaredError rejects different shapes with ShapeError', () => {
  assert.throws(() => meanSquaredError(tensor([1, 2], [2]), tensor([1, 2], [1, 2])), ShapeError);
});

test('meanSquaredError gradient with respect to prediction and target (central differences)', () => {
  const rng = new Rng(3);
  checkGradients(meanSquaredError, [randomTensor(rng, [3, 4]), randomTensor(rng, [3, 4])]);
});
