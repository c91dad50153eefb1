import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AdamConfig, SgdConfig } from '../../src/backend/index.js';
import { createJsBackend } from '../../src/backend/index.js';
import { Rng, type TensorData } from '../../src/tensor/index.js';

const js64 = createJsBackend('float64');
const js32 = createJsBackend('float32');

function random(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** C = op(A)·op(B) by the textbook triple loop, reading A and B through their transposes. */
function naiveGemm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number, transA: boolean, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

describe('gemm', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [7, 3, 5],
    [5, 1, 9],
    [1, 8, 3],
    [13, 11, 17],
    [2, 4, 3],
    [4, 8, 1],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [m, n, k] of sizes) {
        test(`gemm transA=${transA} transB=${transB}, m=${m} n=${n} k=${k}, against a naive triple loop`, () => {
          const rng = new Rng(m * 1000 + n * 10 + k);
          const a = random(rng, m * k);
          const b = random(rng, k * n);
          assertAllClose(js64.gemm(a, b, m, n, k, transA, transB), naiveGemm(a, b, m, n, k, transA, transB), 1e-12);
        });
      }
    }
  }

  test('gemm on the float32 backend returns float32 and agrees to float32 precision', () => {
    const rng = new Rng(9);
    const a = Float32Array.from(random(rng, 6 * 4));
    const b = Float32Array.from(random(rng, 4 * 5));
    const c = js32.gemm(a, b, 6, 5, 4, false, false);
    assert.ok(c instanceof Float32Array);
    assertAllClose(c, naiveGemm(a, b, 6, 5, 4, false, false), 1e-6);
  });

  test('gemm does not modify its inputs', () => {
    const a = Float64Array.of(1, 2, 3, 4, 5, 6);
    const b = Float64Array.of(1, 0, 0, 1, 1, 1);
    js64.gemm(a, b, 2, 2, 3, false, false);
    js64.gemm(a, b, 3, 3, 2, true, true);
    assert.deepEqual(Array.from(a), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(b), [1, 0, 0, 1, 1, 1]);
  });

  test('gemm propagates a non-finite B even where A is zero (IEEE: 0·∞ = NaN), as a naive loop does', () => {
    // The reference kernel must not hide a diverged weight behind a ReLU zero.
    const c = js64.gemm(Float64Array.of(0, 1), Float64Array.of(Infinity, 2), 1, 1, 2, false, false);
    assert.ok(Number.isNaN(c[0]), `got ${c[0]}`);
    const d = js64.gemm(Float64Array.of(0, 1, 1, 1), Float64Array.of(Number.NaN, 1), 2, 1, 2, false, false);
    assert.ok(Number.isNaN(d[0]) && Number.isNaN(d[1]), `got ${Array.from(d)}`);
  });
});

describe('binary broadcasting and sumToShape', () => {
  /** Reference: index each operand by the broadcast rules directly. */
  function naiveBinary(f: (x: number, y: number) => number, a: TensorData, aShape: number[], b: TensorData, bShape: number[], out: number[]): number[] {
    const total = out.reduce((p, d) => p * d, 1);
    const res: number[] = [];
    const offset = (idx: number[], shape: number[]) => {
      let o = 0;
      const lead = idx.length - shape.length;
      for (let i = 0; i < shape.length; i++) o = o * shape[i] + (shape[i] === 1 ? 0 : idx[lead + i]);
      return o;
    };
    for (let flat = 0; flat < total; flat++) {
      const idx: number[] = [];
      let rest = flat;
      for (let ax = out.length - 1; ax >= 0; ax--) {
        idx[ax] = rest % out[ax];
        rest = Math.floor(rest / out[ax]);
      }
      res.push(f(a[offset(idx, aShape)], b[offset(idx, bShape)]));
    }
    return res;
  }

  const cases: [number[], number[], number[]][] = [
    [[2, 3, 4], [2, 3, 4], [2, 3, 4]],
    [[2, 3, 4], [4], [2, 3, 4]],
    [[2, 3, 4], [3, 1], [2, 3, 4]],
    [[2, 3, 4], [], [2, 3, 4]],
    [[], [2, 3], [2, 3]],
    [[3, 1], [1, 4], [3, 4]],
    [[2, 1, 4], [3, 1], [2, 3, 4]],
    [[1, 5], [5], [1, 5]],
    [[4, 1, 1], [1, 3, 2], [4, 3, 2]],
  ];
  const fns = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };

  for (const [aShape, bShape, out] of cases) {
    for (const [op, f] of Object.entries(fns)) {
      test(`binary ${op} of [${aShape}] and [${bShape}] broadcasts to [${out}]`, () => {
        const rng = new Rng(aShape.length * 17 + bShape.length + op.length);
        const a = random(rng, aShape.reduce((p, d) => p * d, 1));
        const b = random(rng, bShape.reduce((p, d) => p * d, 1)).map((v) => v + (v >= 0 ? 0.5 : -0.5));
        const got = js64.binary(op as keyof typeof fns, a, aShape, b, bShape, out);
        assertAllClose(got, naiveBinary(f, a, aShape, b, bShape, out), 1e-15);
      });
    }
  }

  test('binary and sumToShape on 200 random broadcast-compatible shape pairs agree with the naive rules', () => {
    const rng = new Rng(99);
    for (let trial = 0; trial < 200; trial++) {
      const rank = rng.int(5);
      const out = Array.from({ length: rank }, () => 1 + rng.int(4));
      const operand = () => {
        const r = rng.int(rank + 1);
        return out.slice(rank - r).map((d) => (rng.uniform() < 0.4 ? 1 : d));
      };
      const aShape = operand();
      const bShape = operand();
      const full = out.map((_, i) => {
        const da = aShape[aShape.length - rank + i] ?? 1;
        const db = bShape[bShape.length - rank + i] ?? 1;
        return Math.max(da, db);
      });
      const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
      const a = random(rng, size(aShape));
      const b = random(rng, size(bShape));
      const what = `[${aShape}] - [${bShape}] → [${full}]`;
      const y = js64.binary('sub', a, aShape, b, bShape, full);
      assertAllClose(y, naiveBinary(fns.sub, a, aShape, b, bShape, full), 1e-15, what);
      // Summing a broadcast back to an operand's shape: Σ over broadcast copies of 1·1 counts copies.
      const ones = new Float64Array(size(full)).fill(1);
      const copies = size(full) / size(aShape);
      assertAllClose(js64.sumToShape(ones, full, aShape), new Float64Array(size(aShape)).fill(copies), 1e-15, `sumToShape ${what}`);
    }
  });

  test('sumToShape of a broadcast result sums over exactly the broadcast axes', () => {
    const rng = new Rng(3);
    const x = random(rng, 2 * 3 * 4);
    const at = (a: number, b: number, c: number) => x[(a * 3 + b) * 4 + c];
    const expect = (shape: number[], pick: (a: number, b: number, c: number) => number, size: number) => {
      const out = new Float64Array(size);
      for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) out[pick(a, b, c)] += at(a, b, c);
      assertAllClose(js64.sumToShape(x, [2, 3, 4], shape), out, 1e-14, `[${shape}]`);
    };
    expect([4], (_a, _b, c) => c, 4);
    expect([3, 1], (_a, b) => b, 3);
    expect([1, 3, 4], (_a, b, c) => b * 4 + c, 12);
    expect([2, 1, 4], (a, _b, c) => a * 4 + c, 8);
    expect([2, 3, 1], (a, b) => a * 3 + b, 6);
    expect([], () => 0, 1);
    expect([1], () => 0, 1);
    expect([2, 3, 4], (a, b, c) => (a * 3 + b) * 4 + c, 24);
  });

  test('biasAdd adds per channel and biasGrad sums over all but the last axis', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6);
    assert.deepEqual(Array.from(js64.biasAdd(x, Float64Array.of(10, 20))), [11, 22, 13, 24, 15, 26]);
    assert.deepEqual(Array.from(js64.biasGrad(x, 2)), [9, 12]);
    assert.deepEqual(Array.from(js64.biasGrad(x, 3)), [5, 7, 9]);
  });

  test('sum and scale', () => {
    assert.equal(js64.sum(Float64Array.of(1, 2, 3.5)), 6.5);
    assert.deepEqual(Array.from(js64.scale(Float64Array.of(1, -2), 3)), [3, -6]);
  });
});

describe('softmax kernels', () => {
  test('softmax rows sum to 1 on random logits', () => {
    const rng = new Rng(4);
    const [rows, cols] = [7, 11];
    const x = random(rng, rows * cols).map((v) => v * 10);
    const y = js64.softmax(x, rows, cols);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) {
        assert.ok(y[r * cols + c] > 0);
        s += y[r * cols + c];
      }
      assert.ok(Math.abs(s - 1) < 1e-14, `row ${r}: ${s}`);
    }
  });

  test('softmax is stable for huge logits (1e4): finite, rows sum to 1, shift-invariant', () => {
    for (const backend of [js32, js64]) {
      const x = backend.alloc(6);
      x.set([1e4, 1e4 - 1, 1e4 - 2, -1e4, 0, 1e4]);
      const y = backend.softmax(x, 2, 3);
      assert.ok(Array.from(y).every(Number.isFinite), `${backend.name}: ${Array.from(y)}`);
      const small = backend.softmax(backend.alloc(3).fill(0).map((_, i) => -i), 1, 3);
      assertAllClose(y.subarray(0, 3), small, 1e-6, backend.name);
      assert.ok(Math.abs(y[3] + y[4] + y[5] - 1) < 1e-6);
      assert.ok(Math.abs(y[5] - 1) < 1e-6);
    }
  });

  test('logSoftmax is finite for logits of ±1e4 and equals x − logΣexp', () => {
    const y = js64.logSoftmax(Float64Array.of(1e4, -1e4, 0), 1, 3);
    assert.ok(Array.from(y).every(Number.isFinite));
    assertAllClose(y, [0, -2e4, -1e4], 1e-12);
  });

  test('softmaxCrossEntropy losses equal −log softmax at the label, and probs equal softmax', () => {
    const rng = new Rng(5);
    const [rows, cols] = [5, 4];
    const logits = random(rng, rows * cols).map((v) => v * 3);
    const labels = Int32Array.from([0, 3, 1, 1, 2]);
    const { losses, probs } = js64.softmaxCrossEntropy(logits, labels, rows, cols);
    const soft = js64.softmax(logits, rows, cols);
    assertAllClose(probs, soft, 1e-14);
    for (let r = 0; r < rows; r++) assert.ok(Math.abs(losses[r] + Math.log(soft[r * cols + labels[r]])) < 1e-12);
  });

  test('softmaxCrossEntropy is finite for a wrong label with a 1e4 margin', () => {
    const { losses } = js32.softmaxCrossEntropy(Float32Array.of(1e4, -1e4), Int32Array.of(1), 1, 2);
    assert.ok(Number.isFinite(losses[0]));
    assert.ok(Math.abs(losses[0] - 2e4) < 1);
  });
});

describe('optimizer updates (PyTorch formulas), two steps', () => {
  const grads = [Float64Array.of(0.5, 0.25), Float64Array.of(-0.5, 1.0)];
  const sgd = (config: Partial<SgdConfig>, withVelocity: boolean) => {
    const param = Float64Array.of(1, -2);
    const velocity = withVelocity ? new Float64Array(2) : null;
    const after: number[][] = [];
    for (const g of grads) {
      js64.sgdUpdate(param, g, velocity, { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0, ...config });
      after.push(Array.from(param));
    }
    return { after, velocity };
  };

  test('plain SGD: p −= lr·g', () => {
    const { after } = sgd({}, false);
    assertAllClose(after[0], [0.95, -2.025]);
    assertAllClose(after[1], [1.0, -2.125]);
  });

  test('SGD with momentum 0.9: v = μv + g, p −= lr·v', () => {
    const { after, velocity } = sgd({ momentum: 0.9 }, true);
    assertAllClose(after[0], [0.95, -2.025]);
    assertAllClose(after[1], [0.955, -2.1475]);
    assertAllClose(velocity!, [-0.05, 1.225]);
  });

  test('SGD with Nesterov momentum 0.9: v = μv + g, p −= lr·(g + μv)', () => {
    const { after } = sgd({ momentum: 0.9, nesterov: true }, true);
    assertAllClose(after[0], [0.905, -2.0475]);
    assertAllClose(after[1], [0.9595, -2.25775]);
  });

  test('SGD with momentum 0.9 and weight decay 0.01: g += wd·p first', () => {
    const { after, velocity } = sgd({ momentum: 0.9, weightDecay: 0.01 }, true);
    assertAllClose(after[0], [0.949, -2.023]);
    assertAllClose(after[1], [0.952151, -2.141677]);
    assertAllClose(velocity!, [-0.03151, 1.18677]);
  });

  const adam = (weightDecay: number) => {
    const param = Float64Array.of(1, -2);
    const m = new Float64Array(2);
    const v = new Float64Array(2);
    const states: { p: number[]; m: number[]; v: number[] }[] = [];
    grads.forEach((g, i) => {
      const config: AdamConfig = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: i + 1, weightDecay };
      js64.adamUpdate(param, g, m, v, config);
      states.push({ p: Array.from(param), m: Array.from(m), v: Array.from(v) });
    });
    return states;
  };

  test('Adam with bias correction: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², p −= lr·m̂/(√v̂ + ε)', () => {
    const [s1, s2] = adam(0);
    assertAllClose(s1.m, [0.05, 0.025]);
    assertAllClose(s1.v, [0.00025, 6.25e-5]);
    // step 1: m̂ = g, v̂ = g², so each parameter moves by lr·sign(g) (less a hair for ε).
    assertAllClose(s1.p, [0.9000000019999999, -2.099999996]);
    assertAllClose(s2.m, [-0.005, 0.1225]);
    assertAllClose(s2.v, [0.00049975, 0.0010624375]);
    // step 2, first parameter: m̂ = −0.005/0.19, v̂ = 0.00049975/0.001999 = 0.25 → p = 0.9 + 0.1·(0.005/0.19)/0.5
    assertAllClose(s2.p, [0.9052631597894735, -2.1884376438445123]);
  });

  test('Adam with L2 weight decay 0.1 adds wd·p to the gradient', () => {
    const [s1, s2] = adam(0.1);
    assertAllClose(s1.m, [0.06, 0.005]);
    assertAllClose(s1.p, [0.9000000016666666, -2.099999980000004]);
    assertAllClose(s2.m, [0.013000000016666659, 0.08350000019999997]);
    assertAllClose(s2.v, [0.0005277399998633333, 0.0006265975031599993]);
    assertAllClose(s2.p, [0.8866836230649792, -2.178495511577223]);
  });
});

describe('unary kernels', () => {
  const x = Float64Array.of(-2, -0.5, 0.5, 2);
  const cases: [Parameters<typeof js64.unary>[0], (v: number) => number, (v: number) => number][] = [
    ['relu', (v) => Math.max(0, v), (v) => (v > 0 ? 1 : 0)],
    ['leakyRelu', (v) => (v > 0 ? v : 0.2 * v), (v) => (v > 0 ? 1 : 0.2)],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v)), (v) => Math.exp(-v) / (1 + Math.exp(-v)) ** 2],
    ['tanh', Math.tanh, (v) => 1 / Math.cosh(v) ** 2],
    ['exp', Math.exp, Math.exp],
    ['neg', (v) => -v, () => -1],
    ['square', (v) => v * v, (v) => 2 * v],
    ['abs', Math.abs, Math.sign],
  ];
  for (const [op, f, df] of cases) {
    test(`unary ${op} and its backward against closed forms`, () => {
      const y = js64.unary(op, x, 0.2);
      assertAllClose(y, Array.from(x, f), 1e-14);
      const dy = Float64Array.of(1, 2, 3, 4);
      assertAllClose(js64.unaryBackward(op, dy, x, y, 0.2), Array.from(x, (v, i) => df(v) * dy[i]), 1e-14);
    });
  }
  test('unary log and sqrt and their backward against closed forms on positive inputs', () => {
    const p = Float64Array.of(0.25, 1, 4);
    const dy = Float64Array.of(1, 1, 1);
    const lg = js64.unary('log', p, 0);
    assertAllClose(lg, Array.from(p, Math.log), 1e-15);
    assertAllClose(js64.unaryBackward('log', dy, p, lg, 0), [4, 1, 0.25], 1e-15);
    const sq = js64.unary('sqrt', p, 0);
    assertAllClose(sq, [0.5, 1, 2], 1e-15);
    assertAllClose(js64.unaryBackward('sqrt', dy, p, sq, 0), [1, 0.5, 0.25], 1e-15);
  });
});
