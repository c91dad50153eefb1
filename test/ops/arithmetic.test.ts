import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { valueAndGrads } from '../../src/autograd/index.js';
import { add, biasAdd, biasRelu, broadcastShapes, div, mul, relu, scale, sub, sum } from '../../src/ops/index.js';
import { Rng, type Shape, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');
const t64 = (values: number[], shape: Shape): Tensor => tensor(values, shape, 'float64');
const values = (t: Tensor): number[] => Array.from(t.data);

/** Positive values in [0.5, 2), random sign: safe divisors. */
function divisor(rng: Rng, shape: Shape): Tensor {
  const t = randomTensor(rng, shape, 0.5, 2);
  for (let i = 0; i < t.size; i++) if (rng.uniform() < 0.5) t.data[i] = -t.data[i];
  return t;
}

const shapePairs: [string, Shape, Shape][] = [
  ['same shape [2,3,4]', [2, 3, 4], [2, 3, 4]],
  ['[2,3,4] with [4]', [2, 3, 4], [4]],
  ['[2,3,4] with [3,1]', [2, 3, 4], [3, 1]],
  ['[2,3,4] with a scalar []', [2, 3, 4], []],
  ['[2,3,4] with [1]', [2, 3, 4], [1]],
  ['[4] with [2,3,4] (broadcast on the left operand)', [4], [2, 3, 4]],
  ['[3,1] with [1,4] (both operands broadcast)', [3, 1], [1, 4]],
  ['[2,1,4] with [3,1]', [2, 1, 4], [3, 1]],
];

describe('binary ops: forward', () => {
  test('add/sub/mul/div of equal shapes are element-wise', () => {
    withBackend(f64, () => {
      const a = t64([1, 2, 3, 4], [2, 2]);
      const b = t64([5, -6, 0.5, 8], [2, 2]);
      assert.deepEqual(values(add(a, b)), [6, -4, 3.5, 12]);
      assert.deepEqual(values(sub(a, b)), [-4, 8, 2.5, -4]);
      assert.deepEqual(values(mul(a, b)), [5, -12, 1.5, 32]);
      assert.deepEqual(values(div(a, b)), [0.2, -1 / 3, 6, 0.5]);
    });
  });

  test('add broadcasts a row [3] over a [2,3] matrix', () => {
    withBackend(f64, () => {
      const y = add(t64([1, 2, 3, 4, 5, 6], [2, 3]), t64([10, 20, 30], [3]));
      assert.deepEqual(y.shape, [2, 3]);
      assert.deepEqual(values(y), [11, 22, 33, 14, 25, 36]);
    });
  });

  test('sub broadcasts a column [2,1] over a [2,3] matrix', () => {
    withBackend(f64, () => {
      const y = sub(t64([1, 2, 3, 4, 5, 6], [2, 3]), t64([1, 10], [2, 1]));
      assert.deepEqual(values(y), [0, 1, 2, -6, -5, -4]);
    });
  });

  test('mul of [3,1] and [1,2] gives the [3,2] outer product', () => {
    withBackend(f64, () => {
      const y = mul(t64([1, 2, 3], [3, 1]), t64([10, 100], [1, 2]));
      assert.deepEqual(y.shape, [3, 2]);
      assert.deepEqual(values(y), [10, 100, 20, 200, 30, 300]);
    });
  });

  test('div of a scalar by a vector broadcasts the scalar (left operand)', () => {
    withBackend(f64, () => {
      const y = div(t64([12], []), t64([1, 2, 3, 4], [4]));
      assert.deepEqual(y.shape, [4]);
      assert.deepEqual(values(y), [12, 6, 4, 3]);
    });
  });

  test('broadcastShapes follows NumPy rules and rejects incompatible shapes with ShapeError', () => {
    assert.deepEqual(broadcastShapes([2, 3, 4], [4]), [2, 3, 4]);
    assert.deepEqual(broadcastShapes([3, 1], [1, 4]), [3, 4]);
    assert.deepEqual(broadcastShapes([], [2, 2]), [2, 2]);
    assert.deepEqual(broadcastShapes([5, 1, 3], [2, 1]), [5, 2, 3]);
    assert.throws(() => broadcastShapes([2, 3], [4]), ShapeError);
    assert.throws(() => add(tensor([1, 2, 3], [3]), tensor([1, 2], [2])), (e: unknown) => e instanceof ShapeError && /\[3\].*\[2\]/.test(e.message));
  });

  test('scale multiplies by a plain number', () => {
    withBackend(f64, () => assert.deepEqual(values(scale(t64([1, -2, 3], [3]), -0.5)), [-0.5, 1, -1.5]));
  });

  test('biasAdd adds the bias along the last (channel) axis', () => {
    withBackend(f64, () => {
      const y = biasAdd(t64([1, 2, 3, 4, 5, 6], [1, 2, 1, 3]), t64([10, 20, 30], [3]));
      assert.deepEqual(values(y), [11, 22, 33, 14, 25, 36]);
    });
  });

  test('biasAdd rejects a bias that does not match the channel count', () => {
    assert.throws(() => biasAdd(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 2, 3], [3])), ShapeError);
  });
});

describe('binary ops: gradients against central differences', () => {
  const ops = { add, sub, mul, div } as const;
  for (const [name, op] of Object.entries(ops)) {
    for (const [label, aShape, bShape] of shapePairs) {
      test(`${name} gradient, ${label}`, () => {
        const rng = new Rng(aShape.length * 31 + bShape.length * 7 + name.length);
        const a = randomTensor(rng, aShape);
        const b = name === 'div' ? divisor(rng, bShape) : randomTensor(rng, bShape);
        checkGradients(op, [a, b]);
      });
    }
  }

  test('div gradient with the divisor broadcast on the left, [3,1] / [2,3,4]', () => {
    const rng = new Rng(5);
    checkGradients(div, [randomTensor(rng, [3, 1]), divisor(rng, [2, 3, 4])]);
  });

  test('mul gradient when both operands are the same tensor (x·x)', () => {
    const rng = new Rng(6);
    checkGradients((x) => mul(x, x), [randomTensor(rng, [3, 4])]);
  });

  test('same-shape add hands one dy to both operands (no copy), and chains that share it still get exact gradients', () => {
    const rng = new Rng(8);
    const [a, b] = [randomTensor(rng, [2, 3, 4]), randomTensor(rng, [2, 3, 4])];
    const { grads } = withBackend(f64, () => valueAndGrads(() => sum(add(a, b)), [a, b]));
    assert.equal(grads[0], grads[1], 'one gradient tensor for both operands');
    // A residual-style graph: s = a + b feeds two branches, each of which adds its dy to a and b.
    checkGradients((x, y) => {
      const s = add(x, y);
      return mul(relu(add(s, x)), sub(s, mul(y, y)));
    }, [a, b]);
  });

  test('scale gradient', () => {
    checkGradients((x) => scale(x, -2.5), [randomTensor(new Rng(7), [2, 5])]);
  });

  test('biasAdd gradient for NHWC input [2,3,3,4] and bias [4]', () => {
    const rng = new Rng(8);
    checkGradients(biasAdd, [randomTensor(rng, [2, 3, 3, 4]), randomTensor(rng, [4])]);
  });

  test('biasAdd gradient for dense input [5,3] and bias [3]', () => {
    const rng = new Rng(9);
    checkGradients(biasAdd, [randomTensor(rng, [5, 3]), randomTensor(rng, [3])]);
  });

  test('biasRelu (fused bias and ReLU) gradient for NHWC input [2,3,3,4] and bias [4]', () => {
    const rng = new Rng(10);
    checkGradients(biasRelu, [randomTensor(rng, [2, 3, 3, 4]), randomTensor(rng, [4])]);
  });

  test('biasRelu gives exactly relu(biasAdd(x, b)), negative sums and NaN becoming 0', () => {
    withBackend(f64, () => {
      const x = t64([1, -2, 3, -4, NaN, 0.5], [2, 3]);
      const b = t64([-1.5, 1, 0], [3]);
      assert.deepEqual(values(biasRelu(x, b)), values(relu(biasAdd(x, b))));
      assert.deepEqual(values(biasRelu(x, b)), [0, 0, 3, 0, 0, 0.5]);
    });
  });
});
