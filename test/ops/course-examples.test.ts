/**
 * The worked examples of the course notes (seed/000), as tests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grad, recordOp } from '../../src/autograd/index.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { avgPool2d, conv2d, flatten, maxPool2d } from '../../src/ops/index.js';
import { convOutputSize, poolOutputSize, resolveWindow2D, Rng, Tensor, tensor, zeros } from '../../src/tensor/index.js';
import { randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

describe('course: multi-channel convolution with bias 1 gives −25', () => {
  // Top-left 3×3 corner of each padded input channel, as printed in the course (first row and
  // column are the zero border).
  const red = [0, 0, 0, 0, 156, 155, 0, 153, 154];
  const green = [0, 0, 0, 0, 167, 166, 0, 164, 165];
  const blue = [0, 0, 0, 0, 163, 162, 0, 160, 161];
  const kernel1 = [-1, -1, 1, 0, 1, -1, 0, 1, 1];
  const kernel2 = [1, 0, 0, 1, -1, -1, 1, 0, -1];
  const kernel3 = [0, 1, 1, 0, 1, 0, 1, -1, 1];

  /** One channel alone: [1,3,3,1] input, [3,3,1,1] filter, valid → a single number. */
  const convolveChannel = (channel: number[], kernel: number[]) =>
    withBackend(f64, () => conv2d(tensor(channel, [1, 3, 3, 1], 'float64'), tensor(kernel, [3, 3, 1, 1], 'float64')).item());

  test('red channel with kernel #1 gives 308', () => assert.equal(convolveChannel(red, kernel1), 308));
  test('green channel with kernel #2 gives −498', () => assert.equal(convolveChannel(green, kernel2), -498));
  test('blue channel with kernel #3 gives 164', () => assert.equal(convolveChannel(blue, kernel3), 164));

  /** Interleaves per-channel planes into NHWC / [kh,kw,inC,outC] order. */
  const interleave = (planes: number[][]) => planes[0].flatMap((_, i) => planes.map((p) => p[i]));

  test('all three channels with bias 1 give 308 − 498 + 164 + 1 = −25 (valid, 3×3 corner)', () => {
    const x = tensor(interleave([red, green, blue]), [1, 3, 3, 3], 'float64');
    const w = tensor(interleave([kernel1, kernel2, kernel3]), [3, 3, 3, 1], 'float64');
    const y = withBackend(f64, () => conv2d(x, w, { padding: 'valid' }, tensor([1], [1], 'float64')));
    assert.deepEqual(y.shape, [1, 1, 1, 1]);
    assert.equal(y.item(), -25);
  });

  test('the same −25 is the first output of a padding-1 convolution of the unpadded image (float32 backend)', () => {
    // Unpadded 2×2 corner of the image; padding 1 supplies the zero border of the course's figure.
    const corner = (plane: number[]) => [plane[4], plane[5], plane[7], plane[8]];
    const x = tensor(interleave([corner(red), corner(green), corner(blue)]), [1, 2, 2, 3]);
    const w = tensor(interleave([kernel1, kernel2, kernel3]), [3, 3, 3, 1]);
    const y = conv2d(x, w, { padding: 1 }, tensor([1], [1]));
    assert.deepEqual(y.shape, [1, 2, 2, 1]);
    assert.equal(y.data[0], -25);
  });
});

describe('course: 3×3 average pooling of the 5×5 grid, stride 1', () => {
  const grid = [3, 3, 2, 1, 0, 0, 0, 1, 3, 1, 3, 1, 2, 2, 3, 2, 0, 0, 2, 2, 2, 0, 0, 0, 1];
  const expected = [1.7, 1.7, 1.7, 1.0, 1.2, 1.8, 1.1, 0.8, 1.3];

  test('gives [[1.7,1.7,1.7],[1.0,1.2,1.8],[1.1,0.8,1.3]] to one decimal', () => {
    const y = avgPool2d(tensor(grid, [1, 5, 5, 1]), { poolSize: 3, strides: 1 });
    assert.deepEqual(y.shape, [1, 3, 3, 1]);
    assert.deepEqual(Array.from(y.data, (v) => Number(v.toFixed(1))), expected);
  });

  test('each output is the window sum over 9 (exact values)', () => {
    const y = withBackend(f64, () => avgPool2d(tensor(grid, [1, 5, 5, 1], 'float64'), { poolSize: 3, strides: 1 }));
    const sums = [15, 15, 15, 9, 11, 16, 10, 7, 12];
    y.data.forEach((v, i) => assert.ok(Math.abs(v - sums[i] / 9) < 1e-15, `output ${i}: ${v}`));
  });
});

describe('course: output-size formulas', () => {
  test('convOutputSize equals ⌊(i + 2p − k)/s⌋ + 1 over a grid of i, k, p, s', () => {
    let checked = 0;
    for (let i = 1; i <= 12; i++)
      for (let k = 1; k <= 6; k++)
        for (let p = 0; p <= 3; p++)
          for (let s = 1; s <= 4; s++) {
            assert.equal(convOutputSize(i, k, s, p), Math.floor((i + 2 * p - k) / s) + 1, `i=${i} k=${k} p=${p} s=${s}`);
            checked++;
          }
    assert.equal(checked, 12 * 6 * 4 * 4);
  });

  test('convOutputSize with dilation d uses the effective kernel d·(k−1)+1', () => {
    assert.equal(convOutputSize(9, 3, 1, 0, 0, 2), 5);
    assert.equal(convOutputSize(9, 3, 2, 2, 2, 2), 5);
  });

  test('poolOutputSize equals ⌊(i − k)/s⌋ + 1 over a grid of i, k, s', () => {
    for (let i = 1; i <= 12; i++)
      for (let k = 1; k <= i; k++)
        for (let s = 1; s <= 4; s++) assert.equal(poolOutputSize(i, k, s), Math.floor((i - k) / s) + 1, `i=${i} k=${k} s=${s}`);
  });

  test("'same' padding gives ⌈i/s⌉ outputs for every i, k, s", () => {
    for (let i = 1; i <= 12; i++)
      for (let k = 1; k <= 6; k++)
        for (let s = 1; s <= 4; s++) {
          const win = resolveWindow2D('test', i, i + 1, [k, k], [s, s], 'same');
          assert.equal(win.outH, Math.ceil(i / s), `i=${i} k=${k} s=${s}`);
          assert.equal(win.outW, Math.ceil((i + 1) / s), `i=${i + 1} k=${k} s=${s}`);
        }
  });

  test("the course's seed CNN table: 28×28×1 → conv 3×3 same ×8 → 28×28×8 → pool → 14×14×8 → conv 5×5 valid ×16 → 10×10×16 → pool → 5×5×16 → flatten 400", () => {
    const rng = new Rng(1);
    let x: Tensor = zeros([1, 28, 28, 1]);
    x = conv2d(x, randomTensor(rng, [3, 3, 1, 8]), { padding: 'same' });
    assert.deepEqual(x.shape, [1, 28, 28, 8]);
    assert.equal(x.size, 6272);
    x = maxPool2d(x, { poolSize: 2, strides: 2 });
    assert.deepEqual(x.shape, [1, 14, 14, 8]);
    assert.equal(x.size, 1568);
    x = conv2d(x, randomTensor(rng, [5, 5, 8, 16]), { padding: 'valid' });
    assert.deepEqual(x.shape, [1, 10, 10, 16]);
    assert.equal(x.size, 1600);
    x = maxPool2d(x, { poolSize: 2, strides: 2 });
    assert.deepEqual(x.shape, [1, 5, 5, 16]);
    x = flatten(x);
    assert.deepEqual(x.shape, [1, 400]);
  });
});

describe('course: zero or negative output size is a ShapeError naming the formula and the input shape', () => {
  const formula = 'o = ⌊(i + p_before + p_after − (d·(k−1)+1))/s⌋ + 1';

  test('a 5×5 kernel on a 3×4 input (valid) throws ShapeError', () => {
    assert.throws(
      () => conv2d(zeros([1, 3, 4, 1]), zeros([5, 5, 1, 2])),
      (e: unknown) => {
        assert.ok(e instanceof ShapeError);
        assert.equal(e.code, 'E_SHAPE');
        assert.ok(e.message.includes(formula), e.message);
        assert.ok(e.message.includes('input 3×4'), e.message);
        assert.ok(e.message.includes('conv2d'), e.message);
        return true;
      },
    );
  });

  test('a dilated kernel too wide for the input throws ShapeError', () => {
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 1]), { dilation: 2 }), (e: unknown) => e instanceof ShapeError && e.message.includes(formula));
  });

  test('3×3 max pooling of a 2×2 input (valid) throws ShapeError naming maxPool2d', () => {
    assert.throws(
      () => maxPool2d(zeros([1, 2, 2, 1]), { poolSize: 3 }),
      (e: unknown) => e instanceof ShapeError && e.message.includes('maxPool2d') && e.message.includes('input 2×2') && e.message.includes(formula),
    );
  });

  test('resolveWindow2D names the layer it is given', () => {
    assert.throws(() => resolveWindow2D('conv2d_3', 2, 2, [3, 3], [1, 1], 'valid'), (e: unknown) => e instanceof ShapeError && e.message.startsWith('conv2d_3:'));
  });
});

/** Valid cross-correlation of one 2-D plane with another, by plain loops. */
function correlate(x: number[][], f: number[][]): number[][] {
  const oh = x.length - f.length + 1;
  const ow = x[0].length - f[0].length + 1;
  return Array.from({ length: oh }, (_, i) =>
    Array.from({ length: ow }, (_, j) => {
      let s = 0;
      for (let a = 0; a < f.length; a++) for (let b = 0; b < f[0].length; b++) s += x[i + a][j + b] * f[a][b];
      return s;
    }),
  );
}

/** 'Full' convolution: zero-pad g by k−1 on every side and correlate with f. */
function fullCorrelate(g: number[][], f: number[][]): number[][] {
  const kh = f.length;
  const kw = f[0].length;
  const padded = Array.from({ length: g.length + 2 * (kh - 1) }, (_, i) =>
    Array.from({ length: g[0].length + 2 * (kw - 1) }, (_, j) => g[i - (kh - 1)]?.[j - (kw - 1)] ?? 0),
  );
  return correlate(padded, f);
}

/** Σ o ⊙ g, recorded as an op whose backward hands g on as dL/do (independent of the ops under test). */
function dotWith(o: Tensor, g: Tensor): Tensor {
  let total = 0;
  for (let i = 0; i < o.size; i++) total += o.data[i] * g.data[i];
  return recordOp(new Tensor(Float64Array.of(total), []), [o], (dy) => [new Tensor(Float64Array.from(g.data, (v) => v * dy.data[0]), o.shape)]);
}

const rotate180 = (f: number[][]) => f.map((row) => [...row].reverse()).reverse();
const toGrid = (t: Tensor, h: number, w: number) => Array.from({ length: h }, (_, i) => Array.from(t.data.subarray(i * w, (i + 1) * w)));
const closeGrid = (actual: number[][], expected: number[][]) =>
  expected.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(actual[i][j] - v) < 1e-12, `[${i}][${j}]: ${actual[i][j]} vs ${v}`)));

describe('course: CNN backpropagation (stride 1, no padding)', () => {
  const rng = new Rng(2024);
  const [H, W, K] = [5, 6, 3];
  const X = randomTensor(rng, [1, H, W, 1]);
  const F = randomTensor(rng, [K, K, 1, 1]);
  const G = randomTensor(rng, [1, H - K + 1, W - K + 1, 1]); // dL/dO
  // L = Σ O ⊙ dL/dO, so autograd's dL/dF and dL/dX are the backprop of the given dL/dO.
  const loss = (x: Tensor, f: Tensor) => dotWith(conv2d(x, f), G);
  const [dX, dF] = withBackend(f64, () => grad(loss)(X, F));

  test('dL/dF = Convolution(input X, loss gradient dL/dO), by a naive loop', () => {
    closeGrid(toGrid(dF, K, K), correlate(toGrid(X, H, W), toGrid(G, H - K + 1, W - K + 1)));
  });

  test('dL/dF = conv2d(X, dL/dO used as the filter)', () => {
    const viaConv = withBackend(f64, () => conv2d(X, new Tensor(G.data, [H - K + 1, W - K + 1, 1, 1])));
    closeGrid(toGrid(dF, K, K), toGrid(viaConv, K, K));
  });

  test("dL/dX = 'full' convolution of the 180°-rotated filter F with dL/dO, by a naive loop", () => {
    closeGrid(toGrid(dX, H, W), fullCorrelate(toGrid(G, H - K + 1, W - K + 1), rotate180(toGrid(F, K, K))));
  });
});

