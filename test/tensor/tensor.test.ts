import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../src/errors.js';
import { formatShape, scalar, shapesEqual, sizeOf, Tensor, tensor, zeros } from '../../src/tensor/index.js';

test('Tensor keeps its shape, size, rank and dtype', () => {
  const t = new Tensor(new Float32Array(6), [2, 3]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.size, 6);
  assert.equal(t.rank, 2);
  assert.equal(t.dtype, 'float32');
  assert.equal(new Tensor(new Float64Array(1), []).dtype, 'float64');
});

test('Tensor constructor rejects data whose length does not match the shape, naming both', () => {
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), (e: unknown) => e instanceof ShapeError && e.code === 'E_SHAPE' && e.message.includes('[2, 3]') && e.message.includes('6') && e.message.includes('5'));
});

test('Tensor constructor rejects negative, fractional and NaN dimensions', () => {
  assert.throws(() => new Tensor(new Float32Array(0), [-1, 0]), ShapeError);
  assert.throws(() => new Tensor(new Float32Array(3), [1.5, 2]), ShapeError);
  assert.throws(() => new Tensor(new Float32Array(0), [Number.NaN]), ShapeError);
});

test('a zero-size dimension is allowed', () => {
  assert.equal(new Tensor(new Float32Array(0), [0, 3]).size, 0);
});

test('the shape is a frozen copy: changing the array passed in does not change the tensor', () => {
  const shape = [2, 2];
  const t = new Tensor(new Float32Array(4), shape);
  shape[0] = 4;
  assert.deepEqual(t.shape, [2, 2]);
  assert.ok(Object.isFrozen(t.shape));
});

test('item() returns the value of a one-element tensor and throws ShapeError otherwise', () => {
  assert.equal(scalar(3.5).item(), 3.5);
  assert.equal(tensor([7], [1, 1]).item(), 7);
  assert.throws(() => tensor([1, 2], [2]).item(), ShapeError);
});

test('tensor() copies values into the requested dtype', () => {
  const values = [1, 2, 3];
  const t = tensor(values, [3], 'float64');
  values[0] = 100;
  assert.equal(t.data[0], 1);
  assert.ok(t.data instanceof Float64Array);
  assert.ok(tensor([0.1], [1]).data instanceof Float32Array);
  assert.equal(tensor([0.1], [1]).data[0], Math.fround(0.1));
});

test('zeros and scalar build the expected shapes', () => {
  const z = zeros([2, 3, 4]);
  assert.equal(z.size, 24);
  assert.ok(z.data.every((v) => v === 0));
  assert.deepEqual(scalar(1).shape, []);
  assert.equal(zeros([2], 'float64').dtype, 'float64');
});

test('sizeOf, shapesEqual and formatShape', () => {
  assert.equal(sizeOf([2, 3, 4]), 24);
  assert.equal(sizeOf([]), 1);
  assert.equal(sizeOf([3, 0]), 0);
  assert.ok(shapesEqual([1, 2], [1, 2]));
  assert.ok(!shapesEqual([1, 2], [2, 1]));
  assert.ok(!shapesEqual([1], [1, 1]));
  assert.equal(formatShape([28, 28, 1]), '[28, 28, 1]');
  assert.equal(formatShape([]), '[]');
});
