/**
 * Capsule-network ops: squash, capsule lengths, masking, routing by agreement, the margin and
 * reconstruction losses, and the batched matrix product and transpose they are built from —
 * forward against hand-computed values and an independent scalar routing, gradients against
 * float64 central differences on the js backend.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grad } from '../../src/autograd/index.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ArgumentError, DatasetError, ShapeError } from '../../src/errors.js';
import { batchMatmul, capsuleLength, dynamicRouting, marginLoss, maskCapsules, squash, sum, sumSquaredError, transpose } from '../../src/ops/index.js';
import { Rng, type Shape, Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

function near(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]}, expected ${expected[i]}`);
  }
}

const t64 = (values: number[], shape: Shape) => tensor(values, shape, 'float64');
const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('squash', () => {
  test('[3, 4] (length 5) becomes length 25/26 in the same direction; [0, 0] stays 0', () => {
    withBackend(f64, () => {
      const v = squash(t64([3, 4, 0, 0], [2, 2]));
      near(v.data, [15 / 26, 20 / 26, 0, 0], 1e-15);
      assert.ok(Math.abs(norm(v.data.subarray(0, 2)) - 25 / 26) < 1e-15);
    });
  });

  test('short vectors shrink towards 0 (‖v‖ ≈ ‖s‖²), long ones approach length 1', () => {
    withBackend(f64, () => {
      const v = squash(t64([1e-3, 0, 0, 1000], [2, 2]));
      near([norm(v.data.subarray(0, 2)), norm(v.data.subarray(2, 4))], [1e-6 / (1 + 1e-6), 1e6 / (1 + 1e6)], 1e-12);
    });
  });

  test('along another axis: squash(s, 1) of [1, 2, 2] squashes the columns', () => {
    withBackend(f64, () => {
      // Columns (3, 4) and (0, 1): lengths 5 and 1 → factors 5/26 and 1/2.
      near(squash(t64([3, 0, 4, 1], [1, 2, 2]), 1).data, [15 / 26, 0, 20 / 26, 0.5], 1e-15);
    });
  });

  test('an axis outside the tensor is a ShapeError', () => {
    assert.throws(() => squash(tensor([1, 2], [1, 2]), 2), ShapeError);
  });

  test('gradient on random capsules [2, 3, 4] (central differences)', () => {
    checkGradients((s) => squash(s), [randomTensor(new Rng(1), [2, 3, 4], -2, 2)]);
  });

  test('gradient along axis 1 of [2, 3, 2]', () => {
    checkGradients((s) => squash(s, 1), [randomTensor(new Rng(2), [2, 3, 2], -2, 2)]);
  });

  test('gradient at near-zero vectors (1e-3, 1e-5) and long ones (|s| ≈ 30)', () => {
    const rng = new Rng(3);
    for (const scale of [1e-3, 1e-5, 30]) {
      const s = randomTensor(rng, [3, 4]);
      for (let i = 0; i < s.size; i++) s.data[i] *= scale;
      checkGradients((x) => squash(x), [s], { eps: scale * 1e-4, tol: 1e-6 });
    }
  });

  test('gradient at the zero vector is finite (zero) and matches central differences', () => {
    const s = t64([0, 0, 0, 0.5, -1, 2], [2, 3]);
    // At 0, v(±ε) = ±ε²: central differences see ε, so ε must be small.
    checkGradients((x) => squash(x), [s], { eps: 1e-8 });
    withBackend(f64, () => {
      const [g] = grad((x) => sum(squash(x)))(s);
      assert.ok(Array.from(g.data).every(Number.isFinite));
      near(g.data.subarray(0, 3), [0, 0, 0], 0);
    });
  });
});

describe('capsuleLength', () => {
  test('lengths over the last axis: [3, 4] → 5, [0, 0] → 0, shape [B, J, D] → [B, J]', () => {
    withBackend(f64, () => {
      const l = capsuleLength(t64([3, 4, 0, 0, 1, 0], [1, 3, 2]));
      assert.deepEqual(l.shape, [1, 3]);
      near(l.data, [5, 0, 1], 1e-15);
    });
  });

  test('gradient on random capsules and at a zero capsule (finite there)', () => {
    checkGradients((v) => capsuleLength(v), [randomTensor(new Rng(4), [2, 3, 4])]);
    withBackend(f64, () => {
      const [g] = grad((v) => sum(capsuleLength(v)))(t64([0, 0, 3, 4], [2, 2]));
      near(g.data, [0, 0, 0.6, 0.8], 1e-15);
    });
  });
});

describe('maskCapsules', () => {
  test('keeps each example’s chosen capsule and zeroes the rest; the gradient follows', () => {
    withBackend(f64, () => {
      const v = t64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
      near(maskCapsules(v, new Int32Array([1, 2])).data, [0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 11, 12], 0);
    });
    checkGradients((v) => maskCapsules(v, new Int32Array([2, 0])), [randomTensor(new Rng(5), [2, 3, 2])]);
  });

  test('a class outside the capsules is a DatasetError; a count that is not the batch, a ShapeError', () => {
    const v = tensor(new Array(12).fill(1), [2, 3, 2]);
    assert.throws(() => maskCapsules(v, new Int32Array([0, 3])), DatasetError);
    assert.throws(() => maskCapsules(v, new Int32Array([0])), ShapeError);
  });
});

describe('transpose', () => {
  test('[2, 3] → [3, 2], and every kind of permutation of [2, 3, 4, 5] against index arithmetic', () => {
    near(transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0]).data, [1, 4, 2, 5, 3, 6], 0);
    withBackend(f64, () => {
      const x = randomTensor(new Rng(6), [2, 3, 4, 5]);
      const strides = [60, 20, 5, 1];
      for (const perm of [[1, 2, 0, 3], [0, 2, 1, 3], [3, 2, 1, 0], [0, 1, 3, 2], [0, 1, 2, 3]]) {
        const y = transpose(x, perm);
        assert.deepEqual(y.shape, perm.map((a) => x.shape[a]));
        const index = [0, 0, 0, 0];
        for (let o = 0; o < y.size; o++) {
          let rest = o;
          for (let a = 3; a >= 0; a--) {
            index[perm[a]] = rest % y.shape[a];
            rest = Math.floor(rest / y.shape[a]);
          }
          assert.equal(y.data[o], x.data[index.reduce((s, i, a) => s + i * strides[a], 0)], `perm [${perm}] output ${o}`);
        }
      }
    });
  });

  test('gradient (the inverse permutation) and a bad permutation', () => {
    checkGradients((x) => transpose(x, [2, 0, 1]), [randomTensor(new Rng(7), [2, 3, 4])]);
    assert.throws(() => transpose(tensor([1, 2], [1, 2]), [0, 0]), ShapeError);
    assert.throws(() => transpose(tensor([1, 2], [1, 2]), [0]), ShapeError);
  });
});

describe('batchMatmul op', () => {
  test('hand-computed: two products, and one matrix shared by the batch (rank 2 or batch 1)', () => {
    withBackend(f64, () => {
      const a = t64([1, 2, 3, 4, 1, 0, 0, 2], [2, 2, 2]);
      const y = batchMatmul(a, t64([1, 1, 5, 6], [2, 2, 1]));
      assert.deepEqual(y.shape, [2, 2, 1]);
      near(y.data, [3, 7, 5, 12], 0);
      near(batchMatmul(a, t64([1, 1], [2, 1])).data, [3, 7, 1, 2], 0);
      near(batchMatmul(a, t64([1, 1], [1, 2, 1])).data, [3, 7, 1, 2], 0);
      near(batchMatmul(t64([1, 1], [1, 2]), a).data, [4, 6, 1, 2], 0);
    });
  });

  test('transposes: Aᵀ·Bᵀ of [1, 2, 3]ᵀ-stored operands', () => {
    withBackend(f64, () => {
      // A stored [k=3, m=1], B stored [n=2, k=3]: C = [1 2 3]·[[1, 4], [2, 5], [3, 6]] = [14, 32].
      near(batchMatmul(t64([1, 2, 3], [1, 3, 1]), t64([1, 2, 3, 4, 5, 6], [1, 2, 3]), { transA: true, transB: true }).data, [14, 32], 0);
    });
  });

  const sharing: [string, number, number][] = [
    ['both batched', 3, 3],
    ['A shared (batch 1)', 1, 3],
    ['B shared (batch 1)', 3, 1],
    ['A shared (rank 2)', 0, 3],
    ['B shared (rank 2)', 3, 0],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [label, batchA, batchB] of sharing) {
        test(`gradient, ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}, ${label} (central differences)`, () => {
          const rng = new Rng(100 + (transA ? 10 : 0) + (transB ? 20 : 0) + batchA * 3 + batchB);
          const [m, n, k] = [2, 3, 4];
          const shapeA = transA ? [k, m] : [m, k];
          const shapeB = transB ? [n, k] : [k, n];
          const a = randomTensor(rng, batchA === 0 ? shapeA : [batchA, ...shapeA]);
          const b = randomTensor(rng, batchB === 0 ? shapeB : [batchB, ...shapeB]);
          checkGradients((x, y) => batchMatmul(x, y, { transA, transB }), [a, b]);
        });
      }
    }
  }

  test('mismatched inner sizes, batch sizes, or ranks are ShapeErrors', () => {
    const z = (shape: number[]) => tensor(new Array(shape.reduce((p, d) => p * d, 1)).fill(0), shape);
    assert.throws(() => batchMatmul(z([2, 2, 3]), z([2, 2, 3])), ShapeError);
    assert.throws(() => batchMatmul(z([2, 2, 3]), z([3, 3, 1])), ShapeError);
    assert.throws(() => batchMatmul(z([2, 2, 2, 3]), z([3, 1])), ShapeError);
  });
});

/** Procedure 1 of Sabour et al. written out with scalar loops, uHat [B, J, I, D] → v [B, J, D]. */
function referenceRouting(uHat: Tensor, iterations: number): number[] {
  const [B, J, I, D] = uHat.shape;
  const u = (b: number, j: number, i: number, d: number) => uHat.data[((b * J + j) * I + i) * D + d];
  const v: number[] = new Array(B * J * D).fill(0);
  for (let b = 0; b < B; b++) {
    const logits = Array.from({ length: I }, () => new Array<number>(J).fill(0));
    for (let r = 0; r < iterations; r++) {
      const c = logits.map((row) => {
        const e = row.map(Math.exp);
        const total = e.reduce((s, x) => s + x, 0);
        return e.map((x) => x / total);
      });
      for (let j = 0; j < J; j++) {
        const s = new Array<number>(D).fill(0);
        for (let i = 0; i < I; i++) for (let d = 0; d < D; d++) s[d] += c[i][j] * u(b, j, i, d);
        const n2 = s.reduce((acc, x) => acc + x * x, 0);
        for (let d = 0; d < D; d++) v[(b * J + j) * D + d] = (n2 / (1 + n2)) * (s[d] / Math.sqrt(n2));
      }
      if (r < iterations - 1) {
        for (let i = 0; i < I; i++) {
          for (let j = 0; j < J; j++) {
            for (let d = 0; d < D; d++) logits[i][j] += u(b, j, i, d) * v[(b * J + j) * D + d];
          }
        }
      }
    }
  }
  return v;
}

describe('dynamicRouting', () => {
  test('one output capsule: c = 1, so v = squash(Σ_i û_i) whatever the iterations', () => {
    withBackend(f64, () => {
      // B = 1, J = 1, I = 2, D = 2: Σ û = (3, 4) → v = (15/26, 20/26).
      const uHat = t64([1, 3, 2, 1], [1, 1, 2, 2]);
      for (const iterations of [1, 2, 3]) near(dynamicRouting(uHat, iterations).data, [15 / 26, 20 / 26], 1e-14, `${iterations} iterations`);
    });
  });

  test('one input capsule and one output capsule: v = squash(û)', () => {
    withBackend(f64, () => {
      const uHat = t64([0.3, -0.4, 2, 1], [2, 1, 1, 2]);
      const expected = squash(t64([0.3, -0.4, 2, 1], [2, 1, 2])).data;
      near(dynamicRouting(uHat, 3).data, expected, 1e-14);
    });
  });

  test('first iteration: uniform coupling 1/J, v_j = squash(mean over j-coupled predictions)', () => {
    withBackend(f64, () => {
      // B = 1, J = 2, I = 1, D = 2: s_j = û_j / 2.
      const uHat = t64([6, 8, 0, 2], [1, 2, 1, 2]);
      near(dynamicRouting(uHat, 1).data, [15 / 26, 20 / 26, 0, 0.5], 1e-14);
    });
  });

  test('matches a scalar implementation of the procedure for 1–4 iterations on random predictions', () => {
    withBackend(f64, () => {
      const rng = new Rng(8);
      const uHat = randomTensor(rng, [2, 3, 5, 4], -1.5, 1.5);
      for (const iterations of [1, 2, 3, 4]) near(dynamicRouting(uHat, iterations).data, referenceRouting(uHat, iterations), 1e-12, `${iterations} iterations`);
    });
  });

  test('agreement moves coupling to the capsule the inputs agree on', () => {
    withBackend(f64, () => {
      // Three inputs predict (1, 0) for capsule 0; for capsule 1 they disagree. More routing
      // iterations make capsule 0 longer relative to capsule 1.
      const uHat = t64([1, 0, 1, 0, 1, 0, 1, 0, -1, 0, 0, 1], [1, 2, 3, 2]);
      const ratio = (iterations: number) => {
        const v = dynamicRouting(uHat, iterations).data;
        return norm(v.subarray(0, 2)) / norm(v.subarray(2, 4));
      };
      assert.ok(ratio(3) > ratio(1), `${ratio(3)} vs ${ratio(1)}`);
    });
  });

  for (const iterations of [1, 3]) {
    test(`gradient through ${iterations} iteration(s), uHat [2, 3, 4, 2] (central differences)`, () => {
      checkGradients((u) => dynamicRouting(u, iterations), [randomTensor(new Rng(9 + iterations), [2, 3, 4, 2], -1.5, 1.5)]);
    });
  }

  test('a uHat that is not rank 4, or iterations < 1 or fractional, are errors', () => {
    const u = tensor(new Array(8).fill(0.1), [1, 2, 2, 2]);
    assert.throws(() => dynamicRouting(tensor([1, 2], [1, 2]), 1), ShapeError);
    assert.throws(() => dynamicRouting(u, 0), ArgumentError);
    assert.throws(() => dynamicRouting(u, 1.5), ArgumentError);
  });
});

describe('marginLoss', () => {
  test('hand-computed: two examples, defaults m⁺ = 0.9, m⁻ = 0.1, λ = 0.5', () => {
    withBackend(f64, () => {
      // Row 0 (label 0): 0 + 0.5·0.1² + 0 = 0.005. Row 1 (label 2): 0.5·0.4² + 0 + 0.6² = 0.44.
      const loss = marginLoss(t64([0.95, 0.2, 0.05, 0.5, 0.05, 0.3], [2, 3]), new Int32Array([0, 2]));
      assert.deepEqual(loss.shape, []);
      near(loss.data, [(0.005 + 0.44) / 2], 1e-15);
    });
  });

  test('options: m⁺ = 1, m⁻ = 0, λ = 1 is Σ (T − ℓ)² for lengths in [0, 1]', () => {
    withBackend(f64, () => {
      const loss = marginLoss(t64([0.7, 0.2], [1, 2]), new Int32Array([1]), { mPlus: 1, mMinus: 0, lambda: 1 });
      near(loss.data, [0.49 + 0.64], 1e-15);
    });
  });

  test('gradient (lengths away from the margins, both sides of them)', () => {
    const lengths = t64([0.95, 0.3, 0.05, 0.5, 0.02, 0.6, 0.2, 0.85, 0.4], [3, 3]);
    checkGradients((l) => marginLoss(l, new Int32Array([0, 2, 1])), [lengths]);
    checkGradients((l) => marginLoss(l, new Int32Array([1, 1, 0]), { mPlus: 0.8, mMinus: 0.3, lambda: 0.25 }), [lengths]);
  });

  test('labels outside the classes are a DatasetError, a wrong count a ShapeError, a non-finite option an ArgumentError', () => {
    const l = tensor([0.1, 0.2, 0.3, 0.4], [2, 2]);
    assert.throws(() => marginLoss(l, new Int32Array([0, 2])), (e: unknown) => e instanceof DatasetError && /label 2 at index 1/.test(e.message));
    assert.throws(() => marginLoss(l, new Int32Array([-1, 0])), DatasetError);
    assert.throws(() => marginLoss(l, new Int32Array([0])), ShapeError);
    assert.throws(() => marginLoss(tensor([0.1, 0.2], [2]), new Int32Array([0, 0])), ShapeError);
    assert.throws(() => marginLoss(l, new Int32Array([0, 1]), { lambda: NaN }), ArgumentError);
  });
});

describe('sumSquaredError', () => {
  test('mean over the batch of per-example sums: ((1 + 4) + (0 + 9)) / 2 = 7', () => {
    withBackend(f64, () => {
      near(sumSquaredError(t64([1, 2, 3, 3], [2, 2]), t64([0, 0, 3, 0], [2, 2])).data, [7], 0);
    });
  });

  test('gradient with respect to prediction and target; mismatched shapes are a ShapeError', () => {
    const rng = new Rng(12);
    checkGradients(sumSquaredError, [randomTensor(rng, [2, 3, 2]), randomTensor(rng, [2, 3, 2])]);
    assert.throws(() => sumSquaredError(tensor([1, 2], [1, 2]), tensor([1, 2], [2, 1])), ShapeError);
  });
});
