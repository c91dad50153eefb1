import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad, isRecording, noGrad, recordOp, valueAndGrad, valueAndGrads } from '../../src/autograd/index.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { add, exp, mul, relu, scale, sum } from '../../src/ops/index.js';
import { type Tensor, tensor } from '../../src/tensor/index.js';

const f64 = createJsBackend('float64');
const t64 = (values: number[], shape = [values.length]) => tensor(values, shape, 'float64');
const values = (t: Tensor) => Array.from(t.data);

test('gradient accumulates when a tensor is used twice: d/dx Σ x·x = 2x', () => {
  withBackend(f64, () => {
    const [g] = grad((x) => sum(mul(x, x)))(t64([1, -2, 3]));
    assert.deepEqual(values(g), [2, -4, 6]);
  });
});

test('gradient accumulates over two branches that rejoin: d/dx Σ (3x + eˣ) = 3 + eˣ', () => {
  withBackend(f64, () => {
    const [g] = grad((x) => sum(add(scale(x, 3), exp(x))))(t64([0, 1]));
    assert.deepEqual(values(g), [4, 3 + Math.E]);
  });
});

test('gradient accumulates at an intermediate used twice: y = eˣ, d/dx Σ (y·y + y) = (2y + 1)·y', () => {
  withBackend(f64, () => {
    const x = t64([0, 0.5, -1]);
    const [g] = grad((t) => {
      const y = exp(t);
      return sum(add(mul(y, y), y));
    })(x);
    const expected = Array.from(x.data, (v) => (2 * Math.exp(v) + 1) * Math.exp(v));
    g.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-14, `${v} vs ${expected[i]}`));
  });
});

test('gradient accumulates when the same tensor feeds three ops: d/dx Σ x·x·x = 3x²', () => {
  withBackend(f64, () => {
    const [g] = grad((x) => sum(mul(mul(x, x), x)))(t64([1, 2, -1]));
    assert.deepEqual(values(g), [3, 12, 3]);
  });
});

test('gradients of unused sources are zeros of the source shape', () => {
  withBackend(f64, () => {
    const x = t64([1, 2]);
    const unused = t64([5, 6, 7, 8], [2, 2]);
    const { grads } = valueAndGrads(() => sum(x), [x, unused]);
    assert.deepEqual(values(grads[0]), [1, 1]);
    assert.deepEqual(grads[1].shape, [2, 2]);
    assert.deepEqual(values(grads[1]), [0, 0, 0, 0]);
    assert.equal(grads[1].dtype, 'float64');
  });
});

test('gradient of a source that reaches the value only through noGrad is zero', () => {
  withBackend(f64, () => {
    const x = t64([1, 2, 3]);
    const { value, grads } = valueAndGrads(() => noGrad(() => sum(mul(x, x))), [x]);
    assert.equal(value.item(), 14);
    assert.deepEqual(values(grads[0]), [0, 0, 0]);
  });
});

test('noGrad records nothing: a noGrad branch contributes no gradient while the recorded branch does', () => {
  withBackend(f64, () => {
    const x = t64([1, 2, 3]);
    // value = Σ x·x (not recorded) + Σ x (recorded): gradient is 1, not 2x + 1.
    const { grads } = valueAndGrads(() => add(noGrad(() => sum(mul(x, x))), sum(x)), [x]);
    assert.deepEqual(values(grads[0]), [1, 1, 1]);
  });
});

test('isRecording is true inside valueAndGrads, false inside noGrad and false outside', () => {
  assert.equal(isRecording(), false);
  const x = t64([1]);
  valueAndGrads(() => {
    assert.equal(isRecording(), true);
    noGrad(() => assert.equal(isRecording(), false));
    assert.equal(isRecording(), true);
    return sum(x);
  }, [x]);
  assert.equal(isRecording(), false);
});

test('ops outside any tape record nothing (recordOp returns the output untouched)', () => {
  const x = t64([1, 2]);
  const y = relu(x);
  let called = false;
  const out = recordOp(y, [x], () => {
    called = true;
    return [null];
  });
  assert.equal(out, y);
  assert.equal(called, false);
});

test('valueAndGrads throws ShapeError for a non-scalar value, naming its shape', () => {
  const x = t64([1, 2, 3]);
  assert.throws(() => valueAndGrads(() => mul(x, x), [x]), (e: unknown) => e instanceof ShapeError && e.message.includes('[3]'));
  assert.equal(isRecording(), false, 'the tape is closed after the error');
});

test('valueAndGrads accepts a one-element non-scalar value of shape [1,1]', () => {
  withBackend(f64, () => {
    const x = t64([3], [1, 1]);
    const { value, grads } = valueAndGrads(() => mul(x, x), [x]);
    assert.equal(value.item(), 9);
    assert.deepEqual(values(grads[0]), [6]);
  });
});

test('the tape is closed when fn throws, so later ops are not recorded', () => {
  const x = t64([1]);
  assert.throws(() =>
    valueAndGrads(() => {
      throw new Error('boom');
    }, [x]),
  );
  assert.equal(isRecording(), false);
});

test('valueAndGrad returns the value together with gradients for each argument', () => {
  withBackend(f64, () => {
    const { value, grads } = valueAndGrad((a, b) => sum(mul(a, b)))(t64([1, 2]), t64([3, 4]));
    assert.equal(value.item(), 11);
    assert.deepEqual(values(grads[0]), [3, 4]);
    assert.deepEqual(values(grads[1]), [1, 2]);
  });
});

test('the gradient of a value that is itself the source is one', () => {
  const x = t64([5], []);
  assert.deepEqual(values(grad((t) => t)(x)[0]), [1]);
});

test('backward rules run only for inputs that need a gradient', () => {
  withBackend(f64, () => {
    const x = t64([1, 2]);
    const constant = t64([3, 4]);
    const seen: boolean[][] = [];
    const op = (a: Tensor, b: Tensor) =>
      recordOp(mul(a, b), [a, b], (dy, needs) => {
        seen.push([...needs]);
        return [needs[0] ? mul(dy, b) : null, needs[1] ? mul(dy, a) : null];
      });
    valueAndGrads(() => sum(noGrad(() => op(x, constant))), [x]);
    assert.deepEqual(seen, [], 'noGrad inside the tape records nothing');
    const { grads } = valueAndGrads(() => sum(op(x, constant)), [x]);
    assert.deepEqual(seen, [[true, false]]);
    assert.deepEqual(values(grads[0]), [3, 4]);
  });
});
