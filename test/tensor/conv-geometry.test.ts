import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../src/errors.js';
import { resolveWindow2D } from '../../src/tensor/index.js';

test("resolveWindow2D 'valid' uses no padding", () => {
  const w = resolveWindow2D('t', 7, 5, [3, 3], [2, 2], 'valid');
  assert.deepEqual([w.padTop, w.padBottom, w.padLeft, w.padRight, w.outH, w.outW], [0, 0, 0, 0, 3, 2]);
});

test("resolveWindow2D 'same' splits odd padding with the extra pixel after (TF/Keras)", () => {
  const w = resolveWindow2D('t', 6, 6, [4, 4], [1, 1], 'same');
  assert.deepEqual([w.padTop, w.padBottom, w.outH], [1, 2, 6]);
  const s = resolveWindow2D('t', 6, 6, [3, 3], [2, 2], 'same');
  assert.deepEqual([s.padTop, s.padBottom, s.outH], [0, 1, 3]);
});

test("resolveWindow2D 'same' with dilation pads for the effective kernel", () => {
  const w = resolveWindow2D('t', 9, 9, [3, 3], [1, 1], 'same', [2, 2]);
  assert.deepEqual([w.padTop, w.padBottom, w.outH], [2, 2, 9]);
});

test('resolveWindow2D explicit padding forms: number, [h, w] and [[top, bottom], [left, right]]', () => {
  const n = resolveWindow2D('t', 5, 5, [3, 3], [1, 1], 2);
  assert.deepEqual([n.padTop, n.padBottom, n.padLeft, n.padRight, n.outH], [2, 2, 2, 2, 7]);
  const p = resolveWindow2D('t', 5, 5, [3, 3], [1, 1], [1, 0]);
  assert.deepEqual([p.padTop, p.padBottom, p.padLeft, p.padRight, p.outH, p.outW], [1, 1, 0, 0, 5, 3]);
  const q = resolveWindow2D('t', 5, 5, [3, 3], [1, 1], [[0, 2], [1, 0]]);
  assert.deepEqual([q.padTop, q.padBottom, q.padLeft, q.padRight, q.outH, q.outW], [0, 2, 1, 0, 5, 4]);
});

test('resolveWindow2D rejects non-positive or fractional kernel, stride and dilation, and negative padding', () => {
  assert.throws(() => resolveWindow2D('t', 5, 5, [0, 3], [1, 1], 'valid'), ShapeError);
  assert.throws(() => resolveWindow2D('t', 5, 5, [3, 3], [1, 1.5], 'valid'), ShapeError);
  assert.throws(() => resolveWindow2D('t', 5, 5, [3, 3], [1, 1], 'valid', [0, 1]), ShapeError);
  assert.throws(() => resolveWindow2D('t', 5, 5, [3, 3], [1, 1], -1), ShapeError);
  assert.throws(() => resolveWindow2D('t', 5, 5, [3, 3], [1, 1], [[0, 0], [0, 0.5]]), ShapeError);
});
