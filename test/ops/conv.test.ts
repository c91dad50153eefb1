import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ShapeError } from '../../src/errors.js';
import { conv2d, type Conv2DOptions, conv2dInfo } from '../../src/ops/index.js';
import { type Padding, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';
import { assertClose, naiveConv2d, type Pads, samePadding } from '../helpers/reference.js';

const f64 = createJsBackend('float64');

interface ConvCase {
  batch: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  kernel: [number, number];
  strides: [number, number];
  padding: Padding;
  dilation?: [number, number];
  bias?: boolean;
}

const cases: ConvCase[] = [
  { batch: 1, h: 5, w: 5, inC: 1, outC: 1, kernel: [3, 3], strides: [1, 1], padding: 'valid' },
  { batch: 2, h: 7, w: 5, inC: 3, outC: 4, kernel: [3, 3], strides: [1, 1], padding: 'same', bias: true },
  { batch: 1, h: 7, w: 5, inC: 3, outC: 4, kernel: [3, 3], strides: [2, 2], padding: 'same' },
  { batch: 2, h: 7, w: 5, inC: 1, outC: 4, kernel: [3, 3], strides: [2, 2], padding: 'valid' },
  { batch: 1, h: 6, w: 6, inC: 3, outC: 1, kernel: [1, 1], strides: [1, 1], padding: 'valid' },
  { batch: 1, h: 5, w: 7, inC: 1, outC: 4, kernel: [1, 1], strides: [2, 2], padding: 'same', bias: true },
  { batch: 1, h: 9, w: 8, inC: 1, outC: 1, kernel: [5, 5], strides: [1, 1], padding: 'same' },
  { batch: 2, h: 9, w: 7, inC: 3, outC: 4, kernel: [5, 5], strides: [2, 2], padding: 'valid', bias: true },
  { batch: 1, h: 7, w: 5, inC: 3, outC: 4, kernel: [2, 3], strides: [1, 1], padding: 'valid' },
  { batch: 1, h: 7, w: 5, inC: 3, outC: 1, kernel: [2, 3], strides: [2, 2], padding: 'same' },
  { batch: 1, h: 6, w: 7, inC: 1, outC: 4, kernel: [2, 2], strides: [1, 1], padding: 'same' },
  { batch: 1, h: 7, w: 5, inC: 1, outC: 4, kernel: [3, 3], strides: [1, 1], padding: 1 },
  { batch: 2, h: 6, w: 5, inC: 3, outC: 4, kernel: [3, 3], strides: [2, 2], padding: 2 },
  { batch: 1, h: 5, w: 5, inC: 1, outC: 1, kernel: [3, 3], strides: [1, 1], padding: 3 },
  { batch: 1, h: 7, w: 5, inC: 3, outC: 4, kernel: [3, 3], strides: [1, 1], padding: [[0, 2], [1, 0]] },
  { batch: 1, h: 7, w: 6, inC: 1, outC: 4, kernel: [2, 3], strides: [2, 1], padding: [[1, 0], [2, 1]], bias: true },
  { batch: 1, h: 6, w: 7, inC: 3, outC: 1, kernel: [3, 3], strides: [1, 2], padding: [1, 2] },
  { batch: 1, h: 9, w: 9, inC: 1, outC: 1, kernel: [3, 3], strides: [1, 1], padding: 'valid', dilation: [2, 2] },
  { batch: 2, h: 9, w: 7, inC: 3, outC: 4, kernel: [3, 3], strides: [1, 1], padding: 'same', dilation: [2, 2], bias: true },
  { batch: 1, h: 9, w: 8, inC: 3, outC: 1, kernel: [3, 3], strides: [2, 2], padding: 'same', dilation: [2, 2] },
  { batch: 1, h: 8, w: 9, inC: 1, outC: 4, kernel: [2, 3], strides: [2, 2], padding: 1, dilation: [2, 1] },
  { batch: 1, h: 4, w: 4, inC: 1, outC: 1, kernel: [4, 4], strides: [1, 1], padding: 'valid' },
  { batch: 1, h: 7, w: 7, inC: 1, outC: 4, kernel: [2, 2], strides: [3, 3], padding: 'valid' },
  { batch: 2, h: 1, w: 1, inC: 3, outC: 4, kernel: [3, 3], strides: [1, 1], padding: 'same', bias: true },
  { batch: 1, h: 8, w: 7, inC: 3, outC: 4, kernel: [2, 2], strides: [3, 3], padding: 'same' },
  { batch: 2, h: 9, w: 8, inC: 1, outC: 4, kernel: [3, 2], strides: [2, 3], padding: [[2, 0], [0, 1]], dilation: [2, 2], bias: true },
  { batch: 1, h: 5, w: 9, inC: 3, outC: 1, kernel: [5, 3], strides: [1, 2], padding: 'same', dilation: [1, 3] },
];

function explicitPads(c: ConvCase): Pads {
  const [dH, dW] = c.dilation ?? [1, 1];
  const p = c.padding;
  if (p === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (p === 'same') {
    const [top, bottom] = samePadding(c.h, c.kernel[0], c.strides[0], dH);
    const [left, right] = samePadding(c.w, c.kernel[1], c.strides[1], dW);
    return { top, bottom, left, right };
  }
  if (typeof p === 'number') return { top: p, bottom: p, left: p, right: p };
  const [ph, pw] = p;
  const [top, bottom] = typeof ph === 'number' ? [ph, ph] : ph;
  const [left, right] = typeof pw === 'number' ? [pw, pw] : pw;
  return { top, bottom, left, right };
}

function describeCase(c: ConvCase): string {
  const parts = [
    `batch ${c.batch}`,
    `${c.h}×${c.w}×${c.inC} → ${c.outC} filters`,
    `kernel ${c.kernel.join('×')}`,
    `strides ${c.strides.join('×')}`,
    `padding ${typeof c.padding === 'string' ? c.padding : JSON.stringify(c.padding)}`,
  ];
  if (c.dilation) parts.push(`dilation ${c.dilation.join('×')}`);
  if (c.bias) parts.push('with bias');
  return parts.join(', ');
}

function makeInputs(c: ConvCase, seed: number): Tensor[] {
  const rng = new Rng(seed);
  const inputs = [randomTensor(rng, [c.batch, c.h, c.w, c.inC]), randomTensor(rng, [...c.kernel, c.inC, c.outC])];
  if (c.bias) inputs.push(randomTensor(rng, [c.outC]));
  return inputs;
}

function options(c: ConvCase): Conv2DOptions {
  return { strides: c.strides, padding: c.padding, dilation: c.dilation ?? 1 };
}

describe('conv2d: forward against a naive loop', () => {
  cases.forEach((c, i) => {
    test(`conv2d forward, ${describeCase(c)}`, () => {
      const [x, w, b] = makeInputs(c, 1000 + i);
      const expected = naiveConv2d(x, w, c.strides, explicitPads(c), c.dilation, b);
      const actual = withBackend(f64, () => conv2d(x, w, options(c), b));
      assertClose(actual, expected, 1e-12, describeCase(c));
    });
  });

  test('conv2d forward on the float32 backend agrees with float64 to float32 precision', () => {
    const c = cases[1];
    const [x, w, b] = makeInputs(c, 77);
    const expected = naiveConv2d(x, w, c.strides, explicitPads(c), c.dilation, b);
    const x32 = tensor(x.data, x.shape);
    const w32 = tensor(w.data, w.shape);
    const b32 = tensor(b.data, b.shape);
    const actual = withBackend(createJsBackend('float32'), () => conv2d(x32, w32, options(c), b32));
    assert.equal(actual.dtype, 'float32');
    assertClose(actual, expected, 1e-5);
  });
});

describe('conv2d: gradients against central differences', () => {
  cases.forEach((c, i) => {
    test(`conv2d gradient (input, filter${c.bias ? ', bias' : ''}), ${describeCase(c)}`, () => {
      const inputs = makeInputs(c, 2000 + i);
      checkGradients((x, w, b) => conv2d(x, w, options(c), b), inputs);
    });
  });
});

describe('conv2d: shape checks', () => {
  test('conv2dInfo resolves same padding to ⌈i/s⌉ outputs with the odd pixel after', () => {
    const info = conv2dInfo([1, 7, 5, 3], [3, 3, 3, 4], { strides: 2, padding: 'same' });
    assert.deepEqual([info.outH, info.outW], [4, 3]);
    assert.deepEqual([info.padTop, info.padBottom, info.padLeft, info.padRight], [1, 1, 1, 1]);
    const even = conv2dInfo([1, 6, 6, 1], [2, 2, 1, 1], { strides: 1, padding: 'same' });
    assert.deepEqual([even.padTop, even.padBottom, even.padLeft, even.padRight], [0, 1, 0, 1]);
  });

  test('conv2d with mismatched input channels throws ShapeError naming both shapes', () => {
    assert.throws(
      () => conv2d(tensor(new Array(18).fill(0), [1, 3, 3, 2]), tensor(new Array(27).fill(0), [3, 3, 3, 1])),
      (e: unknown) => e instanceof ShapeError && e.message.includes('[3, 3, 3, 1]') && e.message.includes('[1, 3, 3, 2]'),
    );
  });

  test('conv2d with a non-NHWC input throws ShapeError', () => {
    assert.throws(() => conv2d(tensor(new Array(9).fill(0), [3, 3]), tensor(new Array(9).fill(0), [3, 3, 1, 1])), ShapeError);
  });

  test('conv2d with stride 0, negative padding or zero dilation throws ShapeError', () => {
    const x = tensor(new Array(25).fill(0), [1, 5, 5, 1]);
    const w = tensor(new Array(9).fill(0), [3, 3, 1, 1]);
    assert.throws(() => conv2d(x, w, { strides: 0 }), ShapeError);
    assert.throws(() => conv2d(x, w, { padding: -1 }), ShapeError);
    assert.throws(() => conv2d(x, w, { dilation: 0 }), ShapeError);
  });
});
