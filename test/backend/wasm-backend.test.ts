/**
 * The wasm backend, through the Backend interface, against the JS reference backend on seeded
 * random configurations: every kernel, with inputs given as plain Float32Arrays (foreign, run
 * outside any scope), as arrays from wasm.alloc (resident, run inside a scope) and mixed. Then the
 * memory contract: scopes, adopt, arrays that outlive later kernels, the heap returning to its
 * size. The backend is the registry's 'wasm' (thread count from $FOVEA_THREADS).
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Backend, BinaryOp, UnaryOp } from '../../src/backend/backend.js';
import { createJsBackend, loadBackend } from '../../src/backend/index.js';
import { WasmHeap } from '../../src/backend/wasm/heap.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { FoveaError } from '../../src/errors.js';
import { Rng, type Shape, type TensorData } from '../../src/tensor/index.js';
import {
  assertCloseEach,
  assertCloseToScale,
  assertSameBits,
  assertWithin,
  assertUlps,
  between,
  broadcastShape,
  type ConvConfig,
  describeConv,
  describePool,
  fixedConv,
  paddingKinds,
  pick,
  randomArray,
  randomConv,
  randomPool,
  sizeOfShape,
  tiedArray,
} from '../helpers/random-configs.js';

const js = createJsBackend('float32');
const wasm = await loadBackend('wasm');

/** Relative tolerance, against the output's largest magnitude, for kernels that sum many products. */
const SUM_TOLERANCE = 1e-5;

let configurations = 0;

type Output = TensorData | number;
type Check = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) => void;

const exact: Check = assertSameBits;
const sums: Check = (a, e, what) => void assertCloseToScale(a, e, SUM_TOLERANCE, what);

function snapshot(out: Output): Float64Array | Float32Array {
  return typeof out === 'number' ? Float64Array.of(out) : Float32Array.from(out);
}

/**
 * Fills freed wasm memory with NaN: blocks of each length are allocated in a scope, poisoned and
 * returned to the free lists, so the next arrays of those sizes (kernel outputs, which are no
 * longer zero-filled) start out as NaN. An output element a kernel forgets to write shows up.
 */
function poisonFreedMemory(lengths: readonly number[]): void {
  wasm.scope(() => {
    for (const n of lengths) for (let i = 0; i < 3; i++) (wasm.alloc(n) as Float32Array).fill(NaN);
  });
}

/**
 * Runs `run` on the JS backend, then on wasm three times: with plain Float32Array copies of
 * `inputs` outside any scope, with wasm.alloc copies inside a scope, and with every other input
 * adopted, each time on freed memory poisoned with NaN. All wasm runs must give the same bits,
 * match JS by `check` (one per output), and leave the inputs as they were (except those listed
 * in `mutated`, which in-place kernels update).
 */
function compare(what: string, inputs: Float32Array[], run: (b: Backend, xs: TensorData[]) => Output[], checks: Check | Check[], mutated: readonly number[] = []): void {
  configurations++;
  const checkOf = (i: number) => (Array.isArray(checks) ? checks[i] : checks);
  const expected = run(js, inputs.map((x) => Float32Array.from(x))).map(snapshot);

  const lengths = [...expected.map((e) => e.length), ...inputs.map((x) => x.length)];
  const foreign = inputs.map((x) => Float32Array.from(x));
  poisonFreedMemory(lengths);
  const outForeign = run(wasm, foreign).map(snapshot);
  foreign.forEach((x, i) => {
    if (!mutated.includes(i)) assertSameBits(x, inputs[i], `${what}: foreign input ${i} was modified`);
  });

  poisonFreedMemory(lengths);
  const outResident = wasm.scope(() => {
    const resident = inputs.map((x) => {
      const r = wasm.alloc(x.length);
      r.set(x);
      return r;
    });
    const out = run(wasm, resident).map(snapshot);
    resident.forEach((x, i) => {
      if (!mutated.includes(i)) assertSameBits(x, inputs[i], `${what}: resident input ${i} was modified`);
    });
    return out;
  });

  // Mixed: every other input resident (made outside any scope), the rest foreign.
  poisonFreedMemory(lengths);
  const mixed = inputs.map((x, i) => (i % 2 === 0 ? wasm.adopt(x) : Float32Array.from(x)));
  const outMixed = run(wasm, mixed).map(snapshot);

  assert.equal(outForeign.length, expected.length);
  expected.forEach((e, i) => {
    checkOf(i)(outForeign[i], e, `${what} (foreign inputs), output ${i}`);
    assertSameBits(outResident[i], outForeign[i], `${what}: resident inputs inside a scope vs foreign inputs outside, output ${i}`);
    assertSameBits(outMixed[i], outForeign[i], `${what}: mixed resident and foreign inputs vs foreign inputs, output ${i}`);
  });
}

describe('wasm backend against js: gemm', () => {
  const transposes = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;

  function gemmCase(rng: Rng, m: number, n: number, k: number): void {
    const a = randomArray(rng, m * k);
    const b = randomArray(rng, k * n);
    for (const [tA, tB] of transposes) {
      compare(`gemm m=${m} n=${n} k=${k} transA=${tA} transB=${tB}`, [a, b], (be, [x, y]) => [be.gemm(x, y, m, n, k, tA, tB)], sums);
    }
  }

  test('fixed edge sizes: 1, around the 4×8 tile, the 120-row and 256-deep blocks and the 2048-wide panel, all four transposes', () => {
    const rng = new Rng(11);
    const sizes: [number, number, number][] = [
      [1, 1, 1], [1, 9, 1], [9, 1, 2], [3, 7, 255], [4, 8, 256], [5, 9, 257], [4, 8, 512], [7, 15, 513],
      [119, 16, 300], [120, 8, 256], [121, 17, 513], [250, 9, 40], [1, 33, 257], [9, 1, 600], [2, 2049, 3],
    ];
    for (const [m, n, k] of sizes) gemmCase(rng, m, n, k);
  });

  test('45 random sizes (mixing tile-edge sizes with uniform ones), all four transposes', () => {
    const rng = new Rng(12);
    const edgeM = [1, 2, 3, 4, 5, 7, 8, 9, 119, 120, 121];
    const edgeN = [1, 3, 7, 8, 9, 15, 16, 17, 33];
    const edgeK = [1, 2, 3, 255, 256, 257, 511, 512, 513];
    for (let i = 0; i < 45; i++) {
      const m = rng.uniform() < 0.5 ? pick(rng, edgeM) : between(rng, 1, 130);
      const n = rng.uniform() < 0.5 ? pick(rng, edgeN) : between(rng, 1, 40);
      const k = rng.uniform() < 0.5 ? pick(rng, edgeK) : between(rng, 1, 300);
      gemmCase(rng, m, n, k);
    }
  });

  test('an empty inner dimension (k = 0) gives zeros, as js', () => {
    const rng = new Rng(13);
    gemmCase(rng, 5, 9, 0);
  });
});

describe('wasm backend against js: convolution (forward, backward-input, backward-filter)', () => {
  function convCase(rng: Rng, c: ConvConfig): void {
    const { info } = c;
    const x = randomArray(rng, sizeOfShape(c.xShape));
    const w = randomArray(rng, sizeOfShape(c.wShape));
    const dy = randomArray(rng, info.batch * info.outH * info.outW * info.outC);
    const d = describeConv(c);
    compare(`conv2d ${d}`, [x, w], (b, [xx, ww]) => [b.conv2d(xx, ww, info)], sums);
    compare(`conv2dBackwardInput ${d}`, [dy, w], (b, [g, ww]) => [b.conv2dBackwardInput(g, ww, info)], sums);
    compare(`conv2dBackwardFilter ${d}`, [x, dy], (b, [xx, g]) => [b.conv2dBackwardFilter(xx, g, info)], sums);
  }

  for (const kind of paddingKinds) {
    test(`14 random geometries with padding '${kind}' (batch 1–3, odd sizes, strides 1–3, dilation 1–2)`, () => {
      const rng = new Rng(20 + paddingKinds.indexOf(kind));
      for (let i = 0; i < 14; i++) convCase(rng, randomConv(rng, kind));
    });
  }

  test('fixed geometries: batch 1 stride 2 dilation 2 same, patch deeper than 256, more than 120 rows, padding wider than the kernel', () => {
    const rng = new Rng(25);
    const cases = [
      fixedConv([1, 9, 9, 3], [3, 3, 3, 5], [2, 2], [2, 2], 'same'),
      fixedConv([1, 11, 7, 2], [3, 2, 2, 4], [2, 1], [1, 2], [[2, 1], [0, 3]]),
      fixedConv([2, 12, 12, 30], [3, 3, 30, 17], [1, 1], [1, 1], 'same'),
      fixedConv([3, 9, 10, 1], [5, 5, 1, 8], [1, 1], [1, 1], 'valid'),
      fixedConv([2, 4, 5, 3], [2, 3, 3, 2], [3, 3], [1, 1], 4),
      fixedConv([1, 1, 1, 1], [1, 1, 1, 1], [1, 1], [1, 1], 'valid'),
      fixedConv([1, 5, 5, 2], [3, 3, 2, 3], [2, 2], [2, 2], [[3, 0], [1, 4]]),
      fixedConv([1, 28, 28, 1], [3, 3, 1, 8], [1, 1], [1, 1], 'same'),
    ];
    for (const c of cases) convCase(rng, c);
  });
});

describe('wasm backend against js: pooling', () => {
  for (const kind of paddingKinds) {
    test(`10 random max and average poolings with padding '${kind}' (random, tied and NaN values), bit-identical`, () => {
      const rng = new Rng(30 + paddingKinds.indexOf(kind));
      for (let i = 0; i < 10; i++) {
        const c = randomPool(rng, kind);
        const { info } = c;
        const size = sizeOfShape(c.xShape);
        const values = i % 3;
        const x = values === 0 ? randomArray(rng, size) : tiedArray(rng, size);
        if (values === 2) for (let j = 0; j < size; j += 1 + rng.int(7)) x[j] = NaN;
        const dy = randomArray(rng, info.batch * info.outH * info.outW * info.channels);
        const d = `${describePool(c)} ${['random', 'tied', 'NaN'][values]} values`;
        compare(`maxPool ${d}`, [x], (b, [xx]) => [b.maxPool(xx, info)], exact);
        compare(`maxPoolBackward ${d}`, [dy, x], (b, [g, xx]) => [b.maxPoolBackward(g, xx, info)], exact);
        compare(`avgPool ${d}`, [x], (b, [xx]) => [b.avgPool(xx, info)], exact);
        compare(`avgPoolBackward ${d}`, [dy], (b, [g]) => [b.avgPoolBackward(g, info)], exact);
      }
    });
  }
});

describe('wasm backend against js: element-wise', () => {
  const unaryOps: UnaryOp[] = ['relu', 'leakyRelu', 'sigmoid', 'tanh', 'exp', 'log', 'neg', 'square', 'sqrt', 'abs'];
  /** Forward passes through exp/log/tanh: AssemblyScript's Math (musl) and V8's (fdlibm) may differ by 1 ulp. */
  const transcendental = new Set<UnaryOp>(['sigmoid', 'tanh', 'exp', 'log']);

  function unaryInput(rng: Rng, n: number): Float32Array {
    const x = randomArray(rng, n, -6, 6);
    const specials = [0, -0, NaN, Infinity, -Infinity, 1e-40, 3e38, -3e38, 1, -1, 88.5, -104, 20, -20];
    for (let i = 0; i < Math.min(n, specials.length) && n > 20; i++) x[(i * 7) % n] = specials[i];
    return x;
  }

  for (const op of unaryOps) {
    test(`unary ${op} and unaryBackward ${op}, lengths 1–1003 (forward ${transcendental.has(op) ? 'within 1 ulp' : 'bit-identical'}, backward bit-identical)`, () => {
      const rng = new Rng(40 + unaryOps.indexOf(op));
      for (const n of [1, 3, 4, 5, 17, 1003]) {
        const alpha = 0.01 + 0.3 * rng.uniform();
        const x = unaryInput(rng, n);
        const dy = randomArray(rng, n, -2, 2);
        const forwardCheck: Check = transcendental.has(op) ? (a, e, what) => assertUlps(a, e, 1, what) : exact;
        compare(`unary ${op} n=${n}`, [x], (b, [xx]) => [b.unary(op, xx, alpha)], forwardCheck);
        // Both backends get the same forward output y (the JS one).
        const y = Float32Array.from(js.unary(op, x, alpha));
        compare(`unaryBackward ${op} n=${n}`, [dy, x, y], (b, [g, xx, yy]) => [b.unaryBackward(op, g, xx, yy, alpha)], exact);
      }
    });
  }

  test('unary gelu and its backward pass, lengths 1–1003, within the approximation tolerance of the f64 reference', () => {
    const rng = new Rng(49);
    for (const n of [1, 3, 4, 5, 17, 1003]) {
      const x = unaryInput(rng, n);
      const dy = randomArray(rng, n, -2, 2);
      compare(`unary gelu n=${n}`, [x], (b, [xx]) => [b.unary('gelu', xx, 0)], (a, e, what) => void assertWithin(a, e, 1.2e-6, 3e-7, what));
      // Each backend is given its own forward output: the wasm kernel reads Φ back from it.
      compare(`unaryBackward gelu n=${n}`, [dy, x], (b, [g, xx]) => [b.unaryBackward('gelu', g, xx, b.unary('gelu', xx, 0), 0)], (a, e, what) => void assertWithin(a, e, 5e-7, 3e-7, what));
    }
  });

  test('binary add/sub/mul/div on equal shapes, a scalar on either side and broadcasting shapes, bit-identical', () => {
    const rng = new Rng(50);
    const shapes: [Shape, Shape][] = [
      [[7], [7]], [[3, 5], [3, 5]], [[1], [1]], [[2, 3, 4], [1]], [[1], [2, 3]], [[2, 3, 4], [4]], [[4], [2, 3, 4]],
      [[2, 1, 4], [3, 1]], [[5, 1], [1, 6]], [[2, 3, 1, 5], [3, 4, 1]], [[3, 4], [1, 1]], [[6, 1, 3], [6, 2, 1]], [[1, 17], [9, 1]],
    ];
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div'];
    for (const [aShape, bShape] of shapes) {
      const outShape = broadcastShape(aShape, bShape);
      const a = randomArray(rng, sizeOfShape(aShape));
      const b = randomArray(rng, sizeOfShape(bShape));
      for (const op of ops) {
        compare(`binary ${op} [${aShape}] with [${bShape}] → [${outShape}]`, [a, b], (be, [aa, bb]) => [be.binary(op, aa, aShape, bb, bShape, outShape)], exact);
      }
    }
  });

  test('sumToShape back down to every broadcast source shape, bit-identical', () => {
    const rng = new Rng(51);
    const pairs: [Shape, Shape][] = [
      [[2, 3, 4], [4]], [[2, 3, 4], [3, 1]], [[2, 3, 4], [1, 3, 4]], [[2, 3, 4], [1]], [[2, 3, 4], [2, 1, 4]],
      [[2, 3, 4], [2, 3, 4]], [[5, 6], [5, 1]], [[9, 17], [1, 17]], [[1], [1]],
    ];
    for (const [xShape, target] of pairs) {
      const x = randomArray(rng, sizeOfShape(xShape));
      compare(`sumToShape [${xShape}] → [${target}]`, [x], (b, [xx]) => [b.sumToShape(xx, xShape, target)], exact);
    }
  });

  test('scale, biasAdd, biasGrad and sum over channel counts crossing the 4- and 16-wide SIMD blocks, bit-identical', () => {
    const rng = new Rng(52);
    for (const [rows, channels] of [[1, 1], [3, 3], [5, 4], [7, 5], [2, 16], [9, 17], [31, 33], [64, 120]] as const) {
      const x = randomArray(rng, rows * channels, -3, 3);
      const bias = randomArray(rng, channels);
      const factor = pick(rng, [1 / 3, -0.1, 2, 1e-3, 0]);
      compare(`scale ×${factor} n=${x.length}`, [x], (b, [xx]) => [b.scale(xx, factor)], exact);
      compare(`biasAdd rows=${rows} channels=${channels}`, [x, bias], (b, [xx, bb]) => [b.biasAdd(xx, bb)], exact);
      compare(`biasGrad rows=${rows} channels=${channels}`, [x], (b, [xx]) => [b.biasGrad(xx, channels)], exact);
      compare(`sum n=${x.length}`, [x], (b, [xx]) => [b.sum(xx)], exact);
    }
  });
});

describe('wasm backend against js: softmax and cross-entropy', () => {
  const close: Check = (a, e, what) => assertCloseEach(a, e, 1e-6, 1e-6, what);

  test('softmax, logSoftmax and softmaxCrossEntropy on 1×1 up to 32×10 and 5×1000, within 1e-6', () => {
    const rng = new Rng(60);
    for (const [rows, cols] of [[1, 1], [1, 10], [7, 3], [32, 10], [5, 1000], [3, 4]] as const) {
      const logits = randomArray(rng, rows * cols, -8, 8);
      if (rows === 3) logits.set([100, -100, 0, 50], 0); // one large spread row
      const labels = Int32Array.from({ length: rows }, () => rng.int(cols));
      compare(`softmax ${rows}×${cols}`, [logits], (b, [x]) => [b.softmax(x, rows, cols)], close);
      compare(`logSoftmax ${rows}×${cols}`, [logits], (b, [x]) => [b.logSoftmax(x, rows, cols)], close);
      compare(
        `softmaxCrossEntropy ${rows}×${cols}`,
        [logits],
        (b, [x]) => {
          const { losses, probs } = b.softmaxCrossEntropy(x, labels, rows, cols);
          return [losses, probs];
        },
        close,
      );
    }
  });
});

describe('wasm backend against js: optimizer updates (in place), bit-identical', () => {
  test('sgdUpdate: plain, momentum, Nesterov, weight decay; lengths 1, 5 and 1001', () => {
    const rng = new Rng(70);
    const configs = [
      { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 },
      { lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0 },
      { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
      { lr: 1 / 3, momentum: 0, nesterov: false, weightDecay: 5e-4 },
    ];
    for (const n of [1, 5, 1001]) {
      for (const c of configs) {
        const param = randomArray(rng, n);
        const grad = randomArray(rng, n);
        if (c.momentum > 0) {
          const velocity = randomArray(rng, n, -0.1, 0.1);
          compare(`sgdUpdate n=${n} ${JSON.stringify(c)}`, [param, grad, velocity], (b, [p, g, v]) => {
            b.sgdUpdate(p, g, v, c);
            b.sgdUpdate(p, g, v, c);
            return [p, v];
          }, exact, [0, 2]);
        } else {
          compare(`sgdUpdate n=${n} ${JSON.stringify(c)}`, [param, grad], (b, [p, g]) => {
            b.sgdUpdate(p, g, null, c);
            return [p];
          }, exact, [0]);
        }
      }
    }
  });

  test('adamUpdate: steps 1–3 and 50, with and without weight decay; lengths 1, 6 and 1001', () => {
    const rng = new Rng(71);
    for (const n of [1, 6, 1001]) {
      for (const [step, weightDecay] of [[1, 0], [50, 0], [1, 1e-3], [7, 1e-4]] as const) {
        const param = randomArray(rng, n);
        const grad = randomArray(rng, n, -1e-3, 1e-3);
        const m = step === 1 ? new Float32Array(n) : randomArray(rng, n, -1e-3, 1e-3);
        const v = step === 1 ? new Float32Array(n) : randomArray(rng, n, 0, 1e-6);
        compare(`adamUpdate n=${n} step=${step} weightDecay=${weightDecay}`, [param, grad, m, v], (b, [p, g, mm, vv]) => {
          for (let s = 0; s < 3; s++) b.adamUpdate(p, g, mm, vv, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: step + s, weightDecay });
          return [p, mm, vv];
        }, exact, [0, 2, 3]);
      }
    }
  });
});

describe('wasm backend against js: sizes large enough to be split between threads', () => {
  test('gemm, convolution, pooling, element-wise, softmax and optimizer kernels on large odd sizes', () => {
    const rng = new Rng(90);
    const n = 300_001;
    const x = randomArray(rng, n, -3, 3);
    const y = randomArray(rng, n, -3, 3);
    const a = randomArray(rng, 301 * 257);
    const b = randomArray(rng, 257 * 203);
    compare('gemm 301×203×257', [a, b], (be, [aa, bb]) => [be.gemm(aa, bb, 301, 203, 257, false, false)], sums);
    compare('gemm 301×203×257 transA transB', [a, b], (be, [aa, bb]) => [be.gemm(aa, bb, 301, 203, 257, true, true)], sums);
    // Short and wide, split by columns: a dense layer's forward (A·B) and dX (dY·Wᵀ, B read
    // transposed, four rows at a time) at batch 37, with 1001 columns (not a multiple of 8) and depth 301 (not of 4).
    const wide = randomArray(rng, 301 * 1001);
    const short = randomArray(rng, 37 * 301);
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      compare(`gemm 37×1001×301 transA=${tA} transB=${tB}`, [short, wide], (be, [aa, bb]) => [be.gemm(aa, bb, 37, 1001, 301, tA, tB)], sums);
    }
    const c = fixedConv([9, 28, 27, 8], [3, 3, 8, 16], [1, 1], [1, 1], 'same');
    const cx = randomArray(rng, sizeOfShape(c.xShape));
    const cw = randomArray(rng, sizeOfShape(c.wShape));
    const cdy = randomArray(rng, c.info.batch * c.info.outH * c.info.outW * c.info.outC);
    compare(`conv2d ${describeConv(c)}`, [cx, cw], (be, [xx, ww]) => [be.conv2d(xx, ww, c.info)], sums);
    compare(`conv2dBackwardInput ${describeConv(c)}`, [cdy, cw], (be, [g, ww]) => [be.conv2dBackwardInput(g, ww, c.info)], sums);
    compare(`conv2dBackwardFilter ${describeConv(c)}`, [cx, cdy], (be, [xx, g]) => [be.conv2dBackwardFilter(xx, g, c.info)], sums);
    const p = randomPool(rng, 'valid');
    const pool = { ...p.info, batch: 33, inH: 28, inW: 28, channels: 9, kH: 2, kW: 2, strideH: 2, strideW: 2, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, outH: 14, outW: 14 };
    const px = tiedArray(rng, 33 * 28 * 28 * 9);
    const pdy = randomArray(rng, 33 * 14 * 14 * 9);
    compare('maxPool 33×28×28×9', [px], (be, [xx]) => [be.maxPool(xx, pool)], exact);
    compare('maxPoolBackward 33×28×28×9', [pdy, px], (be, [g, xx]) => [be.maxPoolBackward(g, xx, pool)], exact);
    compare('avgPool 33×28×28×9', [px], (be, [xx]) => [be.avgPool(xx, pool)], exact);
    compare('avgPoolBackward 33×28×28×9', [pdy], (be, [g]) => [be.avgPoolBackward(g, pool)], exact);
    for (const op of ['relu', 'tanh', 'square', 'abs'] as const) {
      compare(`unary ${op} n=${n}`, [x], (be, [xx]) => [be.unary(op, xx, 0.1)], op === 'tanh' ? (u, e, w) => assertUlps(u, e, 1, w) : exact);
      compare(`unaryBackward ${op} n=${n}`, [y, x, x], (be, [g, xx, yy]) => [be.unaryBackward(op, g, xx, yy, 0.1)], exact);
    }
    for (const op of ['add', 'div'] as const) {
      compare(`binary ${op} n=${n}`, [x, y], (be, [xx, yy]) => [be.binary(op, xx, [n], yy, [n], [n])], exact);
      compare(`binary ${op} scalar n=${n}`, [x, y.subarray(0, 1)], (be, [xx, yy]) => [be.binary(op, xx, [n], yy, [1], [n])], exact);
    }
    compare(`scale n=${n}`, [x], (be, [xx]) => [be.scale(xx, 0.3)], exact);
    const rows = 42_857;
    const bias = randomArray(rng, 7);
    compare(`biasAdd ${rows}×7`, [x.subarray(0, rows * 7), bias], (be, [xx, bb]) => [be.biasAdd(xx, bb)], exact);
    compare(`biasGrad ${rows}×7`, [x.subarray(0, rows * 7)], (be, [xx]) => [be.biasGrad(xx, 7)], exact);
    compare(`sum n=${n}`, [x], (be, [xx]) => [be.sum(xx)], exact);
    const labels = Int32Array.from({ length: 30_000 }, () => rng.int(10));
    const close: Check = (u, e, w) => assertCloseEach(u, e, 1e-6, 1e-6, w);
    compare('softmax 30000×10', [x.subarray(0, 300_000)], (be, [xx]) => [be.softmax(xx, 30_000, 10)], close);
    compare('logSoftmax 30000×10', [x.subarray(0, 300_000)], (be, [xx]) => [be.logSoftmax(xx, 30_000, 10)], close);
    compare('softmaxCrossEntropy 30000×10', [x.subarray(0, 300_000)], (be, [xx]) => {
      const r = be.softmaxCrossEntropy(xx, labels, 30_000, 10);
      return [r.losses, r.probs];
    }, close);
    const sgd = { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 };
    compare(`sgdUpdate n=${n}`, [x, y, y], (be, [pp, g, v]) => {
      be.sgdUpdate(pp, g, v, sgd);
      return [pp, v];
    }, exact, [0, 2]);
    compare(`adamUpdate n=${n}`, [x, y, new Float32Array(n), new Float32Array(n)], (be, [pp, g, m, v]) => {
      be.adamUpdate(pp, g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1, weightDecay: 0 });
      return [pp, m, v];
    }, exact, [0, 2, 3]);
  });
});

describe('wasm backend against js: coverage', () => {
  test('at least 200 random and edge configurations were compared', (t) => {
    t.diagnostic(`${configurations} configurations, each run on foreign and on resident inputs, on ${wasm.threads ?? 1} thread(s)`);
    assert.ok(configurations >= 200, `only ${configurations} configurations compared`);
  });
});

// ---------------------------------------------------------------------------------------------
// Memory

/** Bytes of WebAssembly memory behind the backend. */
function reservedBytes(b: Backend): number {
  return memoryStats(b).reserved;
}

/** The backend's own memory: bytes in use (live arrays) and reserved (WebAssembly memory size). */
function memoryStats(b: Backend): { inUse: number; reserved: number } {
  assert.ok(b.memoryStats, `backend '${b.name}' has no memoryStats()`);
  return b.memoryStats();
}

const exposeGc = (): (() => void) => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
};

async function collectGarbage(gc: () => void): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    // FinalizationRegistry callbacks run on a later task.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('wasm backend memory', () => {
  test('kernels give the same bits inside a scope as outside one', () => {
    const rng = new Rng(80);
    const c = fixedConv([2, 9, 8, 3], [3, 3, 3, 6], [2, 1], [1, 1], 'same');
    const x = randomArray(rng, sizeOfShape(c.xShape));
    const w = randomArray(rng, sizeOfShape(c.wShape));
    const logits = randomArray(rng, 40, -4, 4);
    const labels = Int32Array.from([1, 0, 3, 9]);
    const run = () => {
      const y = wasm.conv2d(x, w, c.info);
      const z = wasm.gemm(y, w, (y.length / 3) | 0, 6, 3, false, false);
      const { losses, probs } = wasm.softmaxCrossEntropy(logits, labels, 4, 10);
      return [y, z, losses, probs].map((a) => Float32Array.from(a));
    };
    const outside = run();
    const inside = wasm.scope(run);
    const nested = wasm.scope(() => wasm.scope(run));
    outside.forEach((o, i) => {
      assertSameBits(inside[i], o, `output ${i} inside a scope`);
      assertSameBits(nested[i], o, `output ${i} inside nested scopes`);
    });
  });

  test('an array returned by a kernel outside any scope keeps its values while later kernels run, in and out of scopes', () => {
    const rng = new Rng(81);
    const x = randomArray(rng, 5000);
    const kept = wasm.unary('neg', x, 0);
    const keptOther = wasm.gemm(x, x, 50, 50, 100, false, true);
    const before = Float32Array.from(kept);
    const beforeOther = Float32Array.from(keptOther);
    for (let i = 0; i < 30; i++) {
      wasm.unary('square', x, 0); // dropped at once
      wasm.scope(() => {
        for (let j = 0; j < 5; j++) wasm.scale(wasm.unary('exp', x, 0), 2).fill(i);
      });
      const live = wasm.alloc(5000);
      live.fill(-i);
      // A live array never shares bytes with another live array.
      const [a0, a1] = [kept.byteOffset, kept.byteOffset + kept.byteLength];
      assert.ok(live.byteOffset >= a1 || live.byteOffset + live.byteLength <= a0, 'a new array overlaps a live one');
    }
    assertSameBits(kept, before, 'kept output');
    assertSameBits(keptOther, beforeOther, 'kept gemm output');
  });

  test('an array kept alive survives a garbage collection that reclaims dropped kernel outputs', async () => {
    const gc = exposeGc();
    const rng = new Rng(82);
    const x = randomArray(rng, 4096);
    const kept = wasm.unary('tanh', x, 0);
    const before = Float32Array.from(kept);
    for (let i = 0; i < 20; i++) wasm.unary('neg', x, 0);
    await collectGarbage(gc);
    for (let i = 0; i < 40; i++) wasm.alloc(4096).fill(123);
    assertSameBits(kept, before, 'kept output after GC and reuse');
  });

  test('kernel outputs dropped outside any scope are reclaimed by the garbage collector: memory stays flat', async () => {
    const gc = exposeGc();
    const x = new Float32Array(1 << 18).fill(1); // 1 MiB
    const round = async () => {
      for (let i = 0; i < 64; i++) wasm.scale(x, 2);
      await collectGarbage(gc);
    };
    await round();
    const reserved = reservedBytes(wasm);
    for (let r = 0; r < 4; r++) await round();
    assert.equal(reservedBytes(wasm), reserved, 'WebAssembly memory grew although every output was dropped');
  });

  test('adopt of a foreign Float32Array (or Float64Array) returns a resident copy with equal values, independent of the original', () => {
    const foreign = Float32Array.from([1.5, -2.25, 3, 0, 7e-8]);
    const adopted = wasm.adopt(foreign);
    assert.notEqual(adopted, foreign);
    assert.ok(adopted instanceof Float32Array);
    assert.ok(adopted.buffer instanceof SharedArrayBuffer, 'adopted array is not in the shared WebAssembly memory');
    assertSameBits(adopted, foreign, 'adopted values');
    assert.equal(wasm.adopt(adopted), adopted, 'adopting a resident array should not copy it again');
    foreign[0] = 99;
    assert.equal(adopted[0], 1.5, 'the copy follows the original');
    const f64 = Float64Array.from([0.1, 1 / 3]);
    assertSameBits(wasm.adopt(f64), Float32Array.from(f64), 'adopted float64 values (rounded to float32)');
  });

  test('an array adopted inside a scope outlives the scope', () => {
    const adopted = wasm.scope(() => wasm.adopt(Float32Array.from([1, 2, 3, 4])));
    wasm.scope(() => {
      for (let i = 0; i < 8; i++) wasm.alloc(4).fill(-7);
    });
    assertSameBits(adopted, [1, 2, 3, 4], 'adopted array after later scopes');
  });

  test('adopt of a kernel output made inside a scope outlives the scope (Backend.adopt: "outliving scopes")', () => {
    // A parameter computed on the backend inside a step, then kept: adopt must detach it from the scope.
    const adopted = wasm.scope(() => wasm.adopt(wasm.unary('neg', Float32Array.from([1, 2, 3, 4]), 0)));
    wasm.scope(() => {
      for (let i = 0; i < 8; i++) wasm.alloc(4).fill(-7);
    });
    assertSameBits(adopted, [-1, -2, -3, -4], 'adopted kernel output after later scopes');
  });

  test('allocPersistent inside a scope outlives the scope', () => {
    const state = wasm.scope(() => {
      const s = wasm.allocPersistent(16);
      s.fill(5);
      return s;
    });
    wasm.scope(() => {
      for (let i = 0; i < 8; i++) wasm.alloc(16).fill(-7);
    });
    assertSameBits(state, new Float32Array(16).fill(5), 'persistent array after later scopes');
  });

  test('every array wasm.alloc hands out is 64-byte aligned (docs/architecture.md, heap.ts)', () => {
    const misaligned = [1, 5, 16, 17, 20, 24, 28, 33, 40, 48, 60, 64, 65, 100, 1000].map((n) => ({ n, offset: wasm.alloc(n).byteOffset })).filter((a) => a.offset % 64 !== 0);
    assert.deepEqual(misaligned, [], `alloc(n) returned arrays not on a 64-byte boundary`);
  });

  test('memory allocated inside a scope is reused by the next scope: WebAssembly memory does not grow over repeated big steps', () => {
    const step = () =>
      wasm.scope(() => {
        for (let i = 0; i < 40; i++) wasm.alloc(1 << 18).fill(i); // 40 MiB in 1 MiB arrays
        return wasm.alloc(1 << 18).byteOffset;
      });
    const first = step();
    const reserved = reservedBytes(wasm);
    for (let i = 0; i < 5; i++) step();
    assert.equal(reservedBytes(wasm), reserved, 'WebAssembly memory grew over repeated scopes');
    // An array made after the scopes lands in the memory they returned.
    assert.ok(wasm.alloc(1 << 18).byteOffset + (1 << 20) <= reserved, 'no reuse of the freed blocks');
    assert.ok(first > 0);
  });

  test("the backend heap's bytesInUse returns to its previous value after a scope of kernels that allocated a lot", () => {
    const rng = new Rng(85);
    const x = randomArray(rng, 100_000);
    const c = fixedConv([4, 20, 20, 6], [3, 3, 6, 12], [1, 1], [1, 1], 'same');
    const cx = randomArray(rng, sizeOfShape(c.xShape));
    const cw = randomArray(rng, sizeOfShape(c.wShape));
    const kept = wasm.scale(x, 2); // outside any scope: stays in use
    const inUse = memoryStats(wasm).inUse;
    let peak = 0;
    const step = () =>
      wasm.scope(() => {
        for (let i = 0; i < 20; i++) {
          const y = wasm.conv2d(cx, cw, c.info);
          wasm.conv2dBackwardFilter(cx, y, c.info);
          wasm.unary('tanh', wasm.binary('add', x, [100_000], x, [100_000], [100_000]), 0);
          peak = Math.max(peak, memoryStats(wasm).inUse);
        }
      });
    step();
    // (Synchronous: no FinalizationRegistry callback can run in between and change the count.)
    assert.ok(peak > inUse + 20 * 400_000, `the scope allocated only ${peak - inUse} bytes`);
    assert.equal(memoryStats(wasm).inUse, inUse, 'bytesInUse after the scope');
    const reserved = memoryStats(wasm).reserved;
    step();
    assert.equal(memoryStats(wasm).inUse, inUse, 'bytesInUse after a second scope');
    assert.equal(memoryStats(wasm).reserved, reserved, 'a repeated scope grew the memory');
    assert.equal(kept.length, 100_000);
  });

  test('WasmHeap bytesInUse returns to its previous value after a scope that allocated a lot, and a repeated scope does not grow the memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
    const heap = new WasmHeap(memory, 1000);
    const persistent = heap.f32(100, true);
    const outside = heap.f32(333);
    const inUse = heap.bytesInUse;
    assert.ok(inUse >= (100 + 333) * 4);
    heap.beginScope();
    for (let i = 1; i <= 200; i++) heap.f32(i * 97);
    heap.i32(5000);
    heap.beginScope();
    heap.f32(1 << 16);
    heap.endScope();
    assert.ok(heap.bytesInUse > inUse + 200 * 97 * 4);
    heap.endScope();
    assert.equal(heap.bytesInUse, inUse, 'bytesInUse after the scope');
    const reserved = heap.bytesReserved;
    heap.beginScope();
    for (let i = 1; i <= 200; i++) heap.f32(i * 97);
    heap.endScope();
    assert.equal(heap.bytesReserved, reserved, 'a repeated scope grew the memory');
    assert.equal(heap.bytesInUse, inUse);
    assert.ok(persistent.length === 100 && outside.length === 333);
  });

  test('WasmHeap reuses a free block of up to twice the size before growing (a smaller last batch fits in the full batches\' blocks), never a block more than twice as large while it can grow', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
    const heap = new WasmHeap(memory, 0);
    const offset = (a: Float32Array) => a.byteOffset;
    heap.beginScope();
    const full = [heap.f32(1024 * 100), heap.f32(1024 * 50)].map(offset);
    heap.endScope();
    const reserved = heap.bytesReserved;
    heap.beginScope();
    const partial = [heap.f32(848 * 100), heap.f32(848 * 50)].map(offset);
    heap.endScope();
    assert.deepEqual(partial, full, 'the 848-image arrays took the 1024-image blocks');
    assert.equal(heap.bytesReserved, reserved);
    heap.beginScope();
    const small = heap.f32(1024 * 20);
    heap.endScope();
    assert.ok(!full.includes(offset(small)), 'a block over twice the size is not used while memory can grow');
  });

  test('resident arrays made before the memory grows stay valid and are used in place afterwards', () => {
    const rng = new Rng(83);
    const x = randomArray(rng, 1000);
    const resident = wasm.adopt(x);
    const out = wasm.unary('relu', resident, 0);
    const reservedBefore = reservedBytes(wasm);
    // One array larger than the whole memory now: it has to grow.
    wasm.scope(() => wasm.alloc(Math.ceil((reservedBefore / 4) * 1.25)).fill(3));
    assert.ok(reservedBytes(wasm) > reservedBefore, 'the memory did not grow');
    assertSameBits(resident, x, 'resident input after growth');
    assertSameBits(out, js.unary('relu', x, 0), 'kernel output after growth');
    assertSameBits(wasm.unary('neg', resident, 0), js.unary('neg', x, 0), 'a kernel on a pre-growth array');
    const p = wasm.adopt(x);
    const g = randomArray(rng, 1000);
    const pj = Float32Array.from(x);
    wasm.sgdUpdate(p, g, null, { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 });
    js.sgdUpdate(pj, g, null, { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 });
    assertSameBits(p, pj, 'in-place update of a resident array after growth');
  });

  test('arrays resident in another wasm backend are treated as foreign and give the same results', async () => {
    const other = await createWasmBackend();
    const rng = new Rng(84);
    const a = randomArray(rng, 12 * 7);
    const b = randomArray(rng, 7 * 9);
    const g = randomArray(rng, 12 * 7);
    const aOther = other.adopt(a);
    const bOther = other.adopt(b);
    assertSameBits(wasm.gemm(aOther, bOther, 12, 9, 7, false, false), wasm.gemm(a, b, 12, 9, 7, false, false), 'gemm on another backend’s arrays');
    const p = other.adopt(a);
    const pHere = wasm.adopt(a);
    wasm.sgdUpdate(p, g, null, { lr: 0.5, momentum: 0, nesterov: false, weightDecay: 0 });
    wasm.sgdUpdate(pHere, g, null, { lr: 0.5, momentum: 0, nesterov: false, weightDecay: 0 });
    assertSameBits(p, pHere, 'in-place update of another backend’s array');
  });

  test('a scope whose callback throws rethrows and still returns the memory it allocated', () => {
    const inUse = memoryStats(wasm).inUse;
    assert.throws(
      () =>
        wasm.scope(() => {
          wasm.unary('exp', new Float32Array(50_000), 0);
          wasm.alloc(70_000);
          throw new Error('inside the step');
        }),
      /inside the step/,
    );
    assert.equal(memoryStats(wasm).inUse, inUse);
  });

  test('kernels on empty arrays return empty arrays, as js, also when split between threads', () => {
    const empty = new Float32Array(0);
    assert.equal(wasm.unary('relu', empty, 0).length, 0);
    assert.equal(wasm.scale(empty, 2).length, 0);
    assert.equal(wasm.binary('add', empty, [0], empty, [0], [0]).length, 0);
    assert.equal(wasm.gemm(empty, new Float32Array(12), 0, 4, 3, false, false).length, 0);
    assert.equal(wasm.gemm(new Float32Array(12), empty, 4, 0, 3, false, false).length, 0);
    assert.equal(wasm.softmax(empty, 0, 10).length, 0);
    assert.equal(wasm.sum(empty), 0);
    // And the backend still computes correctly afterwards.
    const x = randomArray(new Rng(86), 300_001);
    assertSameBits(wasm.unary('neg', x, 0), js.unary('neg', x, 0), 'unary after empty kernels');
  });

  test('after an allocation beyond the maximum WebAssembly memory fails, the backend still allocates and runs kernels', async () => {
    const fresh = await createWasmBackend({ threads: 1 });
    assert.throws(() => fresh.alloc(2 ** 30 + 16)); // 4 GiB + 64 bytes: more than the memory's maximum
    const x = randomArray(new Rng(87), 5_000_000); // 20 MB: more than the memory holds now, so it must grow
    const y = fresh.unary('neg', x, 0);
    assertSameBits(y, js.unary('neg', x, 0), 'unary after a failed allocation');
  });

  test('an allocation beyond the maximum WebAssembly memory throws a FoveaError that names the size asked for', async () => {
    const fresh = await createWasmBackend({ threads: 1 });
    assert.throws(
      () => fresh.alloc(2 ** 30 + 16),
      (e: unknown) => e instanceof FoveaError && /4294967360|4\.0\d* ?GiB|4 GiB|1073741840/.test(e.message),
    );
  });

  test('with more threads than cores, results stay bit-identical to one thread while tasks alternate between 2, 3, 4 and 8 participating threads', async (t) => {
    // Each gemm below is split between up to 8 threads: by row blocks of 4 when it is at least as
    // tall as it is wide, else by column blocks of 8. A worker that sits out one task and wakes
    // late can run the next task's part twice and count itself done twice, letting the caller
    // return before another worker has written its part. The race needs an unlucky preemption,
    // so this runs for up to 3 s ($FOVEA_STRESS_SECONDS to change it) and stops at the first
    // wrong result.
    const seconds = Number(process.env.FOVEA_STRESS_SECONDS ?? 3);
    const threaded = await createWasmBackend({ threads: 8 });
    const single = await createWasmBackend({ threads: 1 });
    const rng = new Rng(88);
    // Row splits (n = 4, k = 1024): m / 4 parts, so 2, 3, 4 and 8; column splits (n = k = 128):
    // 2, 4 and 8 parts for m = 2, 4, 8.
    const shapes = [
      ...[8, 32, 12, 16].map((m) => ({ m, n: 4, k: 1024 })),
      ...[8, 2, 4].map((m) => ({ m, n: 128, k: 128 })),
    ];
    // Each shape twice, with different B: the two outputs of a shape swap memory blocks from one
    // iteration to the next, so a part a worker failed to write holds the other product's values.
    const cases = shapes.flatMap(({ m, n, k }) => {
      const a = threaded.adopt(randomArray(rng, m * k));
      return [0, 1].map(() => {
        const b = threaded.adopt(randomArray(rng, k * n));
        return { m, n, k, a, b, expected: Float32Array.from(single.gemm(a, b, m, n, k, false, false)) };
      });
    });
    const start = Date.now();
    let iterations = 0;
    while (Date.now() - start < seconds * 1000) {
      threaded.scope(() => {
        for (const c of cases) {
          const y = threaded.gemm(c.a, c.b, c.m, c.n, c.k, false, false);
          for (let i = 0; i < y.length; i++) {
            const returned = y[i];
            if (!Object.is(returned, c.expected[i])) {
              assert.fail(
                `iteration ${iterations}: gemm ${c.m}×${c.n}×${c.k} on 8 threads returned C[${i}] (row ${Math.floor(i / c.n)}, column ${i % c.n}) = ${returned}, ` +
                  `one thread gives ${c.expected[i]}; a moment later it reads ${y[i]}`,
              );
            }
          }
        }
      });
      iterations++;
    }
    t.diagnostic(`${iterations} iterations of ${cases.length} gemms on 8 threads, all bit-identical to one thread`);
    assert.ok(iterations > 0);
  });

  test('a subarray of a kernel output keeps its values after the output itself is dropped and collected', async () => {
    const gc = exposeGc();
    let view: Float32Array;
    (() => {
      const out = wasm.unary('neg', new Float32Array(1000).fill(1), 0) as Float32Array;
      view = out.subarray(10, 20);
    })();
    await collectGarbage(gc);
    const keep: Float32Array[] = [];
    for (let i = 0; i < 8; i++) keep.push((wasm.alloc(1000) as Float32Array).fill(7));
    assertSameBits(view!, new Float32Array(10).fill(-1), 'subarray after its parent was collected');
  });

  test('a subarray of a subarray also keeps the block: the block returns only once every view is collected', async () => {
    const gc = exposeGc();
    await collectGarbage(gc); // earlier tests' garbage returns now, not during this test
    const inUse = memoryStats(wasm).inUse;
    let inner: Float32Array | null;
    (() => {
      const out = wasm.unary('neg', new Float32Array(1000).fill(2), 0) as Float32Array;
      inner = out.subarray(100, 200).subarray(5, 10);
    })();
    await collectGarbage(gc);
    const keep: Float32Array[] = [];
    for (let i = 0; i < 8; i++) keep.push((wasm.alloc(1000) as Float32Array).fill(7));
    assertSameBits(inner!, new Float32Array(5).fill(-2), 'view of a view after both parents were collected');
    assert.ok(memoryStats(wasm).inUse > inUse, 'the block is still in use while a view of it lives');
    keep.length = 0;
    inner = null;
    await collectGarbage(gc);
    assert.equal(memoryStats(wasm).inUse, inUse, 'the block returns once the last view is collected');
  });

  test('arrays handed out outside a scope still behave as Float32Array: slice and map copy, instanceof holds', () => {
    const out = wasm.unary('neg', Float32Array.from([1, 2, 3]), 0) as Float32Array;
    assert.ok(out instanceof Float32Array);
    const copy = out.slice();
    copy[0] = 5;
    assert.equal(out[0], -1);
    assert.deepEqual(Array.from(out.map((v) => v * 2)), [-2, -4, -6]);
    assert.deepEqual(Array.from(out.subarray(1)), [-2, -3]);
  });
});
