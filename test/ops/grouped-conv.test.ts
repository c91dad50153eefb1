/**
 * Grouped and depthwise convolution: forward against a hand-computed case and against naive
 * per-group convolutions, gradients against float64 central differences (strides, every padding
 * mode, dilation, depth multipliers, bias), and the shape errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { conv2d, conv2dInfo, depthwiseConv2d } from '../../src/ops/index.js';
import { type Padding, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';
import { assertClose, naiveConv2d, type Pads, samePadding } from '../helpers/reference.js';

const f64 = createJsBackend('float64');

/** Channels [from, from + count) of an NHWC (or any channels-last) tensor. */
function channels(t: Tensor, from: number, count: number): Tensor {
  const C = t.shape[t.rank - 1];
  const rows = t.size / C;
  const out = new Float64Array(rows * count);
  for (let r = 0; r < rows; r++) for (let j = 0; j < count; j++) out[r * count + j] = t.data[r * C + from + j];
  return tensor(out, [...t.shape.slice(0, -1), count], 'float64');
}

/** Concatenation along the last axis. */
function concatChannels(parts: Tensor[]): Tensor {
  const rows = parts[0].size / parts[0].shape[parts[0].rank - 1];
  const total = parts.reduce((n, p) => n + p.shape[p.rank - 1], 0);
  const out = new Float64Array(rows * total);
  let offset = 0;
  for (const p of parts) {
    const c = p.shape[p.rank - 1];
    for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) out[r * total + offset + j] = p.data[r * c + j];
    offset += c;
  }
  return tensor(out, [...parts[0].shape.slice(0, -1), total], 'float64');
}

function padsOf(padding: Padding, h: number, w: number, k: [number, number], s: [number, number], d: [number, number]): Pads {
  if (padding === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (padding === 'same') {
    const [top, bottom] = samePadding(h, k[0], s[0], d[0]);
    const [left, right] = samePadding(w, k[1], s[1], d[1]);
    return { top, bottom, left, right };
  }
  if (typeof padding === 'number') return { top: padding, bottom: padding, left: padding, right: padding };
  const [ph, pw] = padding;
  const [top, bottom] = typeof ph === 'number' ? [ph, ph] : ph;
  const [left, right] = typeof pw === 'number' ? [pw, pw] : pw;
  return { top, bottom, left, right };
}

describe('depthwise convolution forward, by hand', () => {
  test('two channels, 3×3 input, 2×2 filters, valid: each channel convolved with its own filter', () => {
    withBackend(f64, () => {
      // Channel 0: 1…9; channel 1: all 1. Filter of channel 0 [[1, 0], [0, -1]]; of channel 1 [[1, 2], [3, 4]].
      const x = tensor([1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 7, 1, 8, 1, 9, 1], [1, 3, 3, 2], 'float64');
      const w = tensor([1, 1, 0, 2, 0, 3, -1, 4], [2, 2, 2, 1], 'float64');
      const y = depthwiseConv2d(x, w);
      assert.deepEqual(y.shape, [1, 2, 2, 2]);
      // Channel 0: x[i,j] − x[i+1,j+1] = −4 everywhere; channel 1: 1 + 2 + 3 + 4 = 10.
      assert.deepEqual([...y.data], [-4, 10, -4, 10, -4, 10, -4, 10]);
    });
  });

  test('depth multiplier 2: output channel c·2 + m is channel c with filter m', () => {
    withBackend(f64, () => {
      const x = tensor([1, 10, 2, 20], [1, 1, 2, 2], 'float64');
      // [1, 1, 2, 2]: w[c=0] = (1, −1), w[c=1] = (0.5, 2).
      const w = tensor([1, -1, 0.5, 2], [1, 1, 2, 2], 'float64');
      const y = depthwiseConv2d(x, w);
      assert.deepEqual([...y.data], [1, -1, 5, 20, 2, -2, 10, 40]);
    });
  });
});

describe('grouped convolution forward against naive per-group convolutions', () => {
  const cases: { x: [number, number, number, number]; k: [number, number]; groups: number; perGroupIn: number; perGroupOut: number; s: [number, number]; d: [number, number]; padding: Padding }[] = [
    { x: [2, 6, 5, 4], k: [3, 3], groups: 2, perGroupIn: 2, perGroupOut: 3, s: [1, 1], d: [1, 1], padding: 'same' },
    { x: [1, 7, 7, 6], k: [3, 2], groups: 3, perGroupIn: 2, perGroupOut: 1, s: [2, 1], d: [1, 2], padding: 'valid' },
    { x: [1, 5, 6, 3], k: [3, 3], groups: 3, perGroupIn: 1, perGroupOut: 2, s: [2, 2], d: [2, 2], padding: [[1, 2], [0, 3]] },
    { x: [3, 4, 4, 8], k: [1, 1], groups: 4, perGroupIn: 2, perGroupOut: 2, s: [1, 1], d: [1, 1], padding: 1 },
  ];
  for (const c of cases) {
    test(`x [${c.x}], groups ${c.groups}, ${c.perGroupIn}→${c.perGroupOut} per group, kernel ${c.k}, strides ${c.s}, dilation ${c.d}, padding ${JSON.stringify(c.padding)}`, () => {
      withBackend(f64, () => {
        const rng = new Rng(c.groups * 13 + c.x[3]);
        const x = randomTensor(rng, c.x);
        const w = randomTensor(rng, [...c.k, c.perGroupIn, c.groups * c.perGroupOut]);
        const bias = randomTensor(rng, [c.groups * c.perGroupOut]);
        const y = conv2d(x, w, { strides: c.s, dilation: c.d, padding: c.padding, groups: c.groups }, bias);
        const pads = padsOf(c.padding, c.x[1], c.x[2], c.k, c.s, c.d);
        const expected = concatChannels(
          Array.from({ length: c.groups }, (_, g) =>
            naiveConv2d(channels(x, g * c.perGroupIn, c.perGroupIn), channels(w, g * c.perGroupOut, c.perGroupOut), c.s, pads, c.d, channels(bias, g * c.perGroupOut, c.perGroupOut)),
          ),
        );
        assertClose(y, expected, 1e-12, 'grouped conv2d');
      });
    });
  }
});

describe('grouped and depthwise convolution gradients (float64 central differences)', () => {
  const cases: { x: number[]; k: [number, number]; groups: number | 'depthwise'; perGroupIn?: number; out: number; s: [number, number]; d: [number, number]; padding: Padding; bias?: boolean }[] = [
    { x: [2, 5, 5, 4], k: [3, 3], groups: 2, perGroupIn: 2, out: 4, s: [1, 1], d: [1, 1], padding: 'same', bias: true },
    { x: [1, 6, 5, 6], k: [3, 3], groups: 3, perGroupIn: 2, out: 3, s: [2, 2], d: [1, 1], padding: 'valid' },
    { x: [1, 7, 7, 4], k: [3, 2], groups: 4, perGroupIn: 1, out: 8, s: [1, 2], d: [2, 1], padding: [[2, 0], [1, 1]] },
    { x: [2, 5, 4, 3], k: [3, 3], groups: 'depthwise', out: 1, s: [1, 1], d: [1, 1], padding: 'same', bias: true },
    { x: [1, 7, 6, 2], k: [3, 3], groups: 'depthwise', out: 2, s: [2, 2], d: [1, 1], padding: 'same' },
    { x: [1, 8, 8, 3], k: [3, 3], groups: 'depthwise', out: 1, s: [1, 1], d: [2, 2], padding: 1 },
    { x: [2, 6, 7, 2], k: [2, 3], groups: 'depthwise', out: 3, s: [2, 1], d: [2, 1], padding: 'valid', bias: true },
  ];
  for (const c of cases) {
    const label = c.groups === 'depthwise' ? `depthwise ×${c.out}` : `groups ${c.groups} (${c.perGroupIn} in per group, ${c.out} filters)`;
    test(`${label}: x [${c.x}], kernel ${c.k}, strides ${c.s}, dilation ${c.d}, padding ${JSON.stringify(c.padding)}${c.bias ? ', bias' : ''}`, () => {
      const rng = new Rng(c.x.reduce((a, b) => a * 5 + b, 2));
      const x = randomTensor(rng, c.x);
      const C = c.x[3];
      if (c.groups === 'depthwise') {
        const w = randomTensor(rng, [...c.k, C, c.out]);
        const opts = { strides: c.s, dilation: c.d, padding: c.padding };
        if (c.bias) {
          checkGradients((xx: Tensor, ww: Tensor, b: Tensor) => depthwiseConv2d(xx, ww, opts, b), [x, w, randomTensor(rng, [C * c.out])]);
        } else {
          checkGradients((xx: Tensor, ww: Tensor) => depthwiseConv2d(xx, ww, opts), [x, w]);
        }
      } else {
        const w = randomTensor(rng, [...c.k, c.perGroupIn!, c.out]);
        const opts = { strides: c.s, dilation: c.d, padding: c.padding, groups: c.groups };
        if (c.bias) {
          checkGradients((xx: Tensor, ww: Tensor, b: Tensor) => conv2d(xx, ww, opts, b), [x, w, randomTensor(rng, [c.out])]);
        } else {
          checkGradients((xx: Tensor, ww: Tensor) => conv2d(xx, ww, opts), [x, w]);
        }
      }
    });
  }
});

describe('grouped convolution shape errors', () => {
  test('input channels or filters not divisible by groups, or a filter depth that does not match, are ShapeErrors naming both', () => {
    assert.throws(() => conv2dInfo([1, 5, 5, 6], [3, 3, 2, 4], { groups: 4 }), (e: unknown) => e instanceof ShapeError && /6 input channels.*not divisible by groups = 4/.test(e.message));
    assert.throws(() => conv2dInfo([1, 5, 5, 6], [3, 3, 3, 5], { groups: 2 }), (e: unknown) => e instanceof ShapeError && /5 filters.*not divisible by groups = 2/.test(e.message));
    assert.throws(() => conv2dInfo([1, 5, 5, 6], [3, 3, 2, 6], { groups: 2 }), (e: unknown) => e instanceof ShapeError && /2 input channels per group × 2 groups = 4.*has 6/.test(e.message));
    assert.throws(() => conv2dInfo([1, 5, 5, 6], [3, 3, 6, 6], { groups: 0 }), ShapeError);
    withBackend(f64, () => {
      const x = tensor(new Float64Array(2 * 3 * 3 * 2), [2, 3, 3, 2], 'float64');
      assert.throws(() => depthwiseConv2d(x, tensor(new Float64Array(9 * 3), [3, 3, 3, 1], 'float64')), (e: unknown) => e instanceof ShapeError && /\[kH, kW, 2 \(input channels\), depthMultiplier\], got \[3, 3, 3, 1\]/.test(e.message));
    });
  });

  test('groups = 1 gives the same geometry as before (no groups field)', () => {
    assert.equal(conv2dInfo([1, 5, 5, 6], [3, 3, 6, 4], { groups: 1 }).groups, undefined);
    assert.equal(conv2dInfo([1, 5, 5, 6], [3, 3, 3, 4], { groups: 2 }).groups, 2);
  });
});
