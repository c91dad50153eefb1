/**
 * The wasm backend's direct convolution kernels (assembly/conv-direct.ts), taken for small patches
 * by conv2d and conv2dBackwardFilter: against the JS reference on random small-patch geometries
 * (every padding kind, strides, dilation, channel counts around the 8-wide blocks), against an
 * exact model of their summation order (which shows the dispatch really takes them), bit for bit
 * across thread counts, and the dispatch predicate itself; conv2dBackwardInput of stride-1
 * convolutions, which runs the forward kernel on dY with the turned filter.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend, Conv2DInfo } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/index.js';
import { backwardInputAsConv, DIRECT_FILTER_CHUNK, directConvOptions, directConvWorkspaceBytes, flipFilterForBackward, usesDirectBackwardInput, usesDirectConv } from '../../src/backend/wasm/conv-direct.js';
import { createWasmBackend, kernelWorkspaceBytes } from '../../src/backend/wasm/index.js';
import { winogradOptions } from '../../src/backend/wasm/winograd.js';
import { conv2dInfo } from '../../src/ops/conv.js';
import { Rng } from '../../src/tensor/index.js';
import {
  assertCloseToScale,
  assertSameBits,
  between,
  type ConvConfig,
  describeConv,
  fixedConv,
  type PaddingKind,
  paddingKinds,
  pick,
  randomArray,
  randomPadding,
} from '../helpers/random-configs.js';

// 3×3 stride-1 convolutions with enough channels go to the Winograd kernel first; this file checks
// the direct kernels, so it turns that one off (test/backend/wasm-winograd.test.ts checks it).
winogradOptions.enabled = false;

const js = createJsBackend('float32');
const one = await createWasmBackend({ threads: 1 });
const two = await createWasmBackend({ threads: 2 });
const three = await createWasmBackend({ threads: 3 });
/** The per-thread workspace the backends have (the kernels' gemm workspace). */
const workspaceBytes = await kernelWorkspaceBytes();

/** Relative tolerance against the output's largest magnitude, as for the other wasm sums. */
const SUM_TOLERANCE = 1e-5;

const patchOf = (i: Conv2DInfo) => i.kH * i.kW * i.inC;

/**
 * A random small-patch convolution: inC 1–4, kernel sides 1–5, image sides 1–15, stride 1–3,
 * dilation 1–2, outC 1–20 (mostly not a multiple of 8), the given padding kind (explicit:
 * asymmetric, up to 4, so some windows lie wholly in the padding); redrawn until the geometry is
 * valid and its patch is one the backend convolves directly.
 */
function randomSmallConv(rng: Rng, kind: PaddingKind, batch = 1): ConvConfig {
  for (;;) {
    const kH = between(rng, 1, 5);
    const kW = rng.uniform() < 0.6 ? kH : between(rng, 1, 5);
    const inC = between(rng, 1, 4);
    const outC = rng.uniform() < 0.25 ? pick(rng, [1, 7, 8, 9, 16, 17]) : between(rng, 1, 20);
    const xShape: [number, number, number, number] = [batch, between(rng, 1, 15), between(rng, 1, 15), inC];
    const wShape: [number, number, number, number] = [kH, kW, inC, outC];
    const strides: [number, number] = [between(rng, 1, 3), between(rng, 1, 3)];
    const dilation: [number, number] = [between(rng, 1, 2), between(rng, 1, 2)];
    const padding = randomPadding(rng, kind, 4);
    try {
      const info = conv2dInfo(xShape, wShape, { strides, dilation, padding });
      if (!usesDirectConv(info, workspaceBytes) || !usesDirectConv(info, workspaceBytes, true)) continue;
      return { xShape, wShape, strides, dilation, padding, info };
    } catch {
      // Output size below 1: draw again.
    }
  }
}

/**
 * A geometry with negative padding (cropping: the ops never make one, the kernels accept it), as
 * fixedConv with pads [top, bottom, left, right].
 */
function croppedConv(xShape: ConvConfig['xShape'], wShape: ConvConfig['wShape'], strides: [number, number], dilation: [number, number], pads: [number, number, number, number]): ConvConfig {
  const [padTop, padBottom, padLeft, padRight] = pads;
  const [kH, kW] = wShape;
  const info: Conv2DInfo = {
    batch: xShape[0], inH: xShape[1], inW: xShape[2], inC: xShape[3], outC: wShape[3], kH, kW,
    strideH: strides[0], strideW: strides[1], dilationH: dilation[0], dilationW: dilation[1], padTop, padBottom, padLeft, padRight,
    outH: Math.floor((xShape[1] + padTop + padBottom - dilation[0] * (kH - 1) - 1) / strides[0]) + 1,
    outW: Math.floor((xShape[2] + padLeft + padRight - dilation[1] * (kW - 1) - 1) / strides[1]) + 1,
  };
  return { xShape, wShape, strides, dilation, padding: [[padTop, padBottom], [padLeft, padRight]], info };
}

/** Fills freed wasm memory with NaN, so outputs a kernel forgets to write show up. */
function poison(b: Backend, lengths: number[]): void {
  b.scope(() => {
    for (const n of lengths) for (let i = 0; i < 3; i++) (b.alloc(n) as Float32Array).fill(NaN);
  });
}

interface ConvData {
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
}

function dataFor(rng: Rng, info: Conv2DInfo): ConvData {
  return {
    x: randomArray(rng, info.batch * info.inH * info.inW * info.inC),
    w: randomArray(rng, info.kH * info.kW * info.inC * info.outC),
    dy: randomArray(rng, info.batch * info.outH * info.outW * info.outC),
  };
}

/** conv2d and conv2dBackwardFilter of `b`, on NaN-poisoned memory: foreign inputs, then resident ones in a scope (same bits). */
function run(b: Backend, info: Conv2DInfo, d: ConvData, what: string): { y: Float32Array; dw: Float32Array } {
  poison(b, [d.dy.length, d.w.length, d.x.length]);
  const y = Float32Array.from(b.conv2d(d.x, d.w, info));
  const dw = Float32Array.from(b.conv2dBackwardFilter(d.x, d.dy, info));
  poison(b, [d.dy.length, d.w.length, d.x.length]);
  b.scope(() => {
    const [x, w, dy] = [d.x, d.w, d.dy].map((a) => {
      const r = b.alloc(a.length);
      r.set(a);
      return r;
    });
    assertSameBits(b.conv2d(x, w, info), y, `${what}: conv2d on resident inputs vs foreign`);
    assertSameBits(b.conv2dBackwardFilter(x, dy, info), dw, `${what}: conv2dBackwardFilter on resident inputs vs foreign`);
  });
  return { y, dw };
}

function checkAgainstJs(c: ConvConfig, rng: Rng): void {
  const { info } = c;
  assert.ok(usesDirectConv(info, workspaceBytes), `${describeConv(c)}: conv2d should be direct`);
  assert.equal(usesDirectConv(info, workspaceBytes, true), patchOf(info) <= directConvOptions.maxFilterPatch, `${describeConv(c)}: conv2dBackwardFilter direct or not`);
  const d = dataFor(rng, info);
  const what = describeConv(c);
  const { y, dw } = run(two, info, d, what);
  assertCloseToScale(y, js.conv2d(d.x, d.w, info), SUM_TOLERANCE, `conv2d ${what}`);
  assertCloseToScale(dw, js.conv2dBackwardFilter(d.x, d.dy, info), SUM_TOLERANCE, `conv2dBackwardFilter ${what}`);
}

/** x[n, ih, iw, c], 0 outside the image. */
function pixel(x: Float32Array, i: Conv2DInfo, n: number, ih: number, iw: number, c: number): number {
  if (ih < 0 || ih >= i.inH || iw < 0 || iw >= i.inW) return 0;
  return x[((n * i.inH + ih) * i.inW + iw) * i.inC + c];
}

/** Patch entry t = (kh, kw, c) of output pixel p (flat over batch·outH·outW). */
function patchEntry(x: Float32Array, i: Conv2DInfo, p: number, t: number): number {
  const n = Math.floor(p / (i.outH * i.outW));
  const oh = Math.floor((p % (i.outH * i.outW)) / i.outW);
  const ow = p % i.outW;
  const c = t % i.inC;
  const kw = Math.floor(t / i.inC) % i.kW;
  const kh = Math.floor(t / (i.inC * i.kW));
  return pixel(x, i, n, oh * i.strideH + kh * i.dilationH - i.padTop, ow * i.strideW + kw * i.dilationW - i.padLeft, c);
}

/** The direct forward kernel's exact arithmetic: each output a float32 sum over the patch in order, from +0. */
function modelForward(x: Float32Array, w: Float32Array, i: Conv2DInfo): Float32Array {
  const pixels = i.batch * i.outH * i.outW;
  const patch = patchOf(i);
  const y = new Float32Array(pixels * i.outC);
  for (let p = 0; p < pixels; p++) {
    for (let co = 0; co < i.outC; co++) {
      let acc = 0;
      for (let t = 0; t < patch; t++) acc = Math.fround(acc + Math.fround(patchEntry(x, i, p, t) * w[t * i.outC + co]));
      y[p * i.outC + co] = acc;
    }
  }
  return y;
}

/**
 * The direct backward-filter kernel's exact arithmetic: per chunk of DIRECT_FILTER_CHUNK pixels a
 * float32 sum in pixel order from +0, then the chunks' sums added in chunk order. (im2col + gemm
 * adds in blocks of 256 pixels instead, so it rounds differently on more than 256 pixels.)
 */
function modelFilter(x: Float32Array, dy: Float32Array, i: Conv2DInfo): Float32Array {
  const pixels = i.batch * i.outH * i.outW;
  const patch = patchOf(i);
  const dw = new Float32Array(patch * i.outC);
  for (let t = 0; t < patch; t++) {
    for (let co = 0; co < i.outC; co++) {
      let total = 0;
      for (let c0 = 0; c0 < pixels; c0 += DIRECT_FILTER_CHUNK) {
        let acc = 0;
        for (let p = c0; p < Math.min(pixels, c0 + DIRECT_FILTER_CHUNK); p++) acc = Math.fround(acc + Math.fround(patchEntry(x, i, p, t) * dy[p * i.outC + co]));
        total = c0 === 0 ? acc : Math.fround(total + acc);
      }
      dw[t * i.outC + co] = total;
    }
  }
  return dw;
}

describe('wasm direct convolution against js, small patches', () => {
  for (const kind of paddingKinds) {
    test(`55 random batch-1 geometries with padding '${kind}' (inC 1–4, kernels 1–5, sides 1–15, strides 1–3, dilation 1–2, outC 1–20)`, () => {
      const rng = new Rng(300 + paddingKinds.indexOf(kind));
      for (let n = 0; n < 55; n++) checkAgainstJs(randomSmallConv(rng, kind), rng);
    });
  }

  test('20 random geometries with batch 2–3 and every padding kind', () => {
    const rng = new Rng(310);
    for (let n = 0; n < 20; n++) checkAgainstJs(randomSmallConv(rng, paddingKinds[n % 4], between(rng, 2, 3)), rng);
  });

  test('fixed geometries: the first layers of seed-cnn and keras-cifar-cnn, negative and huge padding, 1×1, wide rows, more than one filter chunk', () => {
    const rng = new Rng(311);
    const cases = [
      fixedConv([3, 28, 28, 1], [3, 3, 1, 8], [1, 1], [1, 1], 'same'),
      fixedConv([2, 32, 32, 3], [3, 3, 3, 32], [1, 1], [1, 1], 'same'),
      croppedConv([1, 9, 11, 2], [3, 3, 2, 12], [2, 1], [1, 2], [-1, 0, 2, -2]),
      fixedConv([1, 3, 2, 1], [2, 2, 1, 3], [1, 1], [1, 1], [[4, 4], [4, 4]]),
      fixedConv([2, 7, 5, 4], [1, 1, 4, 9], [1, 1], [1, 1], 'valid'),
      fixedConv([1, 5, 301, 3], [3, 5, 3, 6], [1, 2], [1, 1], 'same'),
      fixedConv([1, 1, 1, 1], [1, 1, 1, 1], [1, 1], [1, 1], 'valid'),
      fixedConv([4, 30, 30, 1], [5, 5, 1, 4], [1, 1], [1, 1], 'same'),
    ];
    for (const c of cases) checkAgainstJs(c, rng);
  });
});

describe('wasm direct convolution against js, larger patches (forward up to maxPatch, filter up to maxFilterPatch)', () => {
  test('10 geometries with 8–128 input channels, window bands of one row, blocks of 8 channels and an overlapping last block', () => {
    const rng = new Rng(312);
    const cases = [
      fixedConv([2, 15, 15, 32], [3, 3, 32, 64], [1, 1], [1, 1], 'same'),
      fixedConv([2, 14, 14, 8], [5, 5, 8, 16], [1, 1], [1, 1], 'valid'),
      fixedConv([1, 8, 8, 128], [3, 3, 128, 20], [1, 1], [1, 1], 'same'),
      fixedConv([1, 9, 7, 64], [3, 3, 64, 13], [2, 2], [1, 1], [[1, 0], [2, 1]]),
      fixedConv([1, 40, 300, 48], [3, 3, 48, 8], [1, 1], [1, 1], 'same'),
      fixedConv([3, 6, 5, 33], [3, 3, 33, 3], [1, 2], [2, 1], 2),
      fixedConv([1, 11, 11, 16], [7, 7, 16, 10], [3, 3], [1, 1], 'same'),
      fixedConv([2, 5, 5, 100], [1, 1, 100, 130], [1, 1], [1, 1], 'valid'),
      fixedConv([1, 17, 13, 24], [3, 4, 24, 9], [2, 1], [2, 2], [[3, 1], [0, 4]]),
      fixedConv([2, 4, 4, 128], [3, 3, 128, 8], [1, 1], [1, 1], 'same'),
    ];
    for (const c of cases) {
      const { info } = c;
      const d = dataFor(rng, info);
      const what = describeConv(c);
      assert.ok(usesDirectConv(info, workspaceBytes), `${what}: conv2d should be direct`);
      const { y, dw } = run(two, info, d, what);
      assertCloseToScale(y, js.conv2d(d.x, d.w, info), SUM_TOLERANCE, `conv2d ${what}`);
      assertCloseToScale(dw, js.conv2dBackwardFilter(d.x, d.dy, info), SUM_TOLERANCE, `conv2dBackwardFilter ${what}`);
    }
  });
});

describe('wasm direct convolution: results independent of the thread count', () => {
  test('1, 2 and 3 threads give the same bits on geometries split between threads (forward by pixels, filter by chunks)', () => {
    const rng = new Rng(320);
    const cases = [
      fixedConv([8, 28, 28, 1], [3, 3, 1, 8], [1, 1], [1, 1], 'same'),
      fixedConv([6, 32, 32, 3], [3, 3, 3, 32], [1, 1], [1, 1], 'same'),
      fixedConv([5, 23, 19, 2], [5, 3, 2, 13], [2, 1], [1, 2], [[2, 1], [0, 3]]),
      fixedConv([7, 17, 31, 3], [3, 3, 3, 5], [1, 1], [2, 2], 'same'),
      fixedConv([9, 25, 27, 4], [2, 2, 4, 20], [1, 1], [1, 1], 3),
      fixedConv([20, 15, 15, 32], [3, 3, 32, 24], [1, 1], [1, 1], 'same'),
    ];
    for (let n = 0; n < 6; n++) {
      const c = randomSmallConv(rng, paddingKinds[n % 4], between(rng, 20, 40));
      cases.push(c);
    }
    for (const c of cases) {
      const d = dataFor(rng, c.info);
      const what = describeConv(c);
      const r1 = run(one, c.info, d, what);
      const r2 = run(two, c.info, d, what);
      const r3 = run(three, c.info, d, what);
      assertSameBits(r2.y, r1.y, `conv2d ${what}: 2 threads vs 1`);
      assertSameBits(r3.y, r1.y, `conv2d ${what}: 3 threads vs 1`);
      assertSameBits(r2.dw, r1.dw, `conv2dBackwardFilter ${what}: 2 threads vs 1`);
      assertSameBits(r3.dw, r1.dw, `conv2dBackwardFilter ${what}: 3 threads vs 1`);
    }
  });
});

describe('wasm direct convolution: dispatch', () => {
  test('usesDirectConv: first layers yes; patches above maxPatch (forward) or maxFilterPatch (filter), groups and windows or filters larger than the workspace no', () => {
    const info = (x: number[], w: number[], groups?: number) => conv2dInfo(x, w, { padding: 'same', groups });
    for (const filter of [false, true]) {
      assert.equal(usesDirectConv(info([64, 28, 28, 1], [3, 3, 1, 8]), workspaceBytes, filter), true, 'seed-cnn first layer');
      assert.equal(usesDirectConv(info([64, 32, 32, 3], [3, 3, 3, 32]), workspaceBytes, filter), true, 'keras-cifar-cnn first layer');
    }
    for (const filter of [false, true]) {
      const max = filter ? directConvOptions.maxFilterPatch : directConvOptions.maxPatch;
      assert.equal(usesDirectConv(info([1, 9, 9, 4], [5, 5, 4, 7]), workspaceBytes, filter), true, 'a 5×5×4 patch');
      assert.equal(usesDirectConv(info([1, 9, 9, max], [1, 1, max, 8]), workspaceBytes, filter), true, 'a patch of maxPatch');
      assert.equal(usesDirectConv(info([1, 9, 9, max + 1], [1, 1, max + 1, 8]), workspaceBytes, filter), false, 'a patch above maxPatch');
    }
    assert.equal(usesDirectConv(info([64, 15, 15, 32], [3, 3, 32, 64]), workspaceBytes, true), true, 'keras-cifar-cnn 3×3 32→64: filter direct');
    assert.equal(usesDirectConv(info([64, 15, 15, 64], [3, 3, 64, 64]), workspaceBytes), true, 'keras-cifar-cnn 3×3 64→64: forward direct');
    assert.equal(usesDirectConv(info([64, 15, 15, 64], [3, 3, 64, 64]), workspaceBytes, true), false, 'keras-cifar-cnn 3×3 64→64: filter by gemm');
    assert.equal(usesDirectConv(info([1, 9, 9, 64], [3, 3, 64, 4096]), workspaceBytes), false, 'packed filter larger than the workspace');
    assert.equal(usesDirectConv(info([1, 9, 9, 4], [3, 3, 2, 8], 2), workspaceBytes), false, 'groups > 1');
    assert.equal(usesDirectConv(info([1, 9, 9, 4], [3, 3, 2, 8], 2), workspaceBytes, true), false, 'groups > 1 (filter)');
    const wide = info([1, 3, 200_000, 3], [3, 3, 3, 8]);
    assert.ok(directConvWorkspaceBytes(wide) > workspaceBytes);
    assert.equal(usesDirectConv(wide, workspaceBytes), false, 'a window row wider than the workspace');
    assert.equal(usesDirectConv(info([1, 3, 20_000, 3], [3, 3, 3, 8]), workspaceBytes), true, 'a wide row that fits');
    directConvOptions.enabled = false;
    try {
      assert.equal(usesDirectConv(info([64, 28, 28, 1], [3, 3, 1, 8]), workspaceBytes), false, 'turned off');
    } finally {
      directConvOptions.enabled = true;
    }
  });

  test("conv2d and conv2dBackwardFilter take the direct kernels: the backend's bits are those of their summation order, which im2col + gemm's differ from", () => {
    const rng = new Rng(330);
    const c = fixedConv([3, 28, 28, 1], [3, 3, 1, 8], [1, 1], [1, 1], 'same');
    const w = fixedConv([2, 23, 25, 3], [3, 2, 3, 10], [2, 1], [1, 2], [[1, 2], [3, 0]]);
    for (const { info } of [c, w]) {
      const d = dataFor(rng, info);
      assert.ok(info.batch * info.outH * info.outW > 256, 'enough pixels for gemm to add in several blocks');
      const expectedY = modelForward(d.x, d.w, info);
      const expectedDw = modelFilter(d.x, d.dy, info);
      for (const b of [one, two]) {
        assertSameBits(b.conv2d(d.x, d.w, info), expectedY, `conv2d on ${b.threads} threads vs the direct kernel's model`);
        assertSameBits(b.conv2dBackwardFilter(d.x, d.dy, info), expectedDw, `conv2dBackwardFilter on ${b.threads} threads vs the direct kernel's model`);
      }
      // The model tells the paths apart: im2col + gemm gives other bits for the filter gradient.
      directConvOptions.enabled = false;
      try {
        const viaGemm = Float32Array.from(two.conv2dBackwardFilter(d.x, d.dy, info));
        assert.ok(viaGemm.some((v, k) => !Object.is(v, expectedDw[k])), 'im2col + gemm matched the direct model bit for bit');
        assertCloseToScale(viaGemm, expectedDw, SUM_TOLERANCE, 'im2col + gemm vs the direct model');
      } finally {
        directConvOptions.enabled = true;
      }
    }
  });

  test('a batch of zero images gives empty outputs and a zero filter gradient', () => {
    const info = { ...conv2dInfo([1, 5, 5, 2], [3, 3, 2, 8], { padding: 'same' }), batch: 0 };
    assert.equal(two.conv2d(new Float32Array(0), new Float32Array(144), info).length, 0);
    assertSameBits(two.conv2dBackwardFilter(new Float32Array(0), new Float32Array(0), info), new Float32Array(144), 'filter gradient over no pixels');
  });
});

describe('wasm conv2dBackwardInput of stride-1 convolutions as a forward convolution of dY with the turned filter', () => {
  /** A random stride-1 geometry whose turned convolution (patch kH·kW·outC) the forward kernel takes. */
  function randomStride1(rng: Rng, kind: PaddingKind): ConvConfig {
    for (;;) {
      const kH = between(rng, 1, 5);
      const kW = rng.uniform() < 0.6 ? kH : between(rng, 1, 5);
      const inC = rng.uniform() < 0.3 ? pick(rng, [8, 9, 16, 17]) : between(rng, 8, 24);
      const outC = rng.uniform() < 0.3 ? pick(rng, [1, 8, 16, 17, 32]) : between(rng, 1, 20);
      const xShape: [number, number, number, number] = [between(rng, 1, 3), between(rng, 1, 14), between(rng, 1, 14), inC];
      const wShape: [number, number, number, number] = [kH, kW, inC, outC];
      const dilation: [number, number] = [between(rng, 1, 2), between(rng, 1, 2)];
      try {
        const c = fixedConv(xShape, wShape, [1, 1], dilation, randomPadding(rng, kind, 3));
        if (usesDirectBackwardInput(c.info, workspaceBytes)) return c;
      } catch {
        // Output size below 1: draw again.
      }
    }
  }

  test('backwardInputAsConv: the turned geometry has dY as input and dX as output, padded by d·(k − 1) − p; null for strides, groups and padding wider than the kernel', () => {
    const same = conv2dInfo([2, 9, 8, 3], [3, 5, 3, 6], { padding: 'same', dilation: [2, 1] });
    const t = backwardInputAsConv(same)!;
    assert.deepEqual([t.inH, t.inW, t.inC, t.outH, t.outW, t.outC], [same.outH, same.outW, 6, 9, 8, 3]);
    assert.deepEqual([t.padTop, t.padBottom, t.padLeft, t.padRight], [4 - same.padTop, 4 - same.padBottom, 4 - same.padLeft, 4 - same.padRight]);
    const valid = backwardInputAsConv(conv2dInfo([1, 30, 30, 32], [3, 3, 32, 32], { padding: 'valid' }))!;
    assert.deepEqual([valid.padTop, valid.padBottom, valid.inH, valid.outH], [2, 2, 28, 30], 'valid: the full convolution');
    assert.equal(backwardInputAsConv(conv2dInfo([1, 8, 8, 2], [3, 3, 2, 4], { padding: 'same', strides: 2 })), null, 'stride 2');
    assert.equal(backwardInputAsConv({ ...conv2dInfo([1, 8, 8, 4], [3, 3, 2, 4], { padding: 'same', groups: 2 }), groups: 2 }), null, 'groups');
    assert.equal(backwardInputAsConv(conv2dInfo([1, 4, 4, 1], [3, 3, 1, 1], { padding: 3 })), null, 'padding 3 with a 3×3 kernel');
  });

  test('usesDirectBackwardInput: resnet20 and keras-cifar-cnn layers yes; fewer than 8 input channels, more than 64 output channels, dX much larger than dY, or turned off: no', () => {
    const info = (x: [number, number, number, number], w: [number, number, number, number], padding: 'same' | 'valid' = 'same') => conv2dInfo(x, w, { padding });
    assert.ok(usesDirectBackwardInput(info([64, 32, 32, 16], [3, 3, 16, 16]), workspaceBytes));
    assert.ok(usesDirectBackwardInput(info([64, 8, 8, 64], [3, 3, 64, 64]), workspaceBytes));
    assert.ok(usesDirectBackwardInput(info([32, 32, 32, 32], [3, 3, 32, 32], 'valid'), workspaceBytes), '32 → 30: 1.14× the pixels');
    assert.equal(usesDirectBackwardInput(info([64, 32, 32, 3], [3, 3, 3, 32]), workspaceBytes), null, '3 input channels');
    assert.equal(usesDirectBackwardInput(info([64, 8, 8, 64], [3, 3, 64, 128]), workspaceBytes), null, '128 output channels');
    assert.equal(usesDirectBackwardInput(info([64, 15, 15, 64], [3, 3, 64, 64], 'valid'), workspaceBytes), null, '15 → 13: 1.33× the pixels');
    directConvOptions.backwardInput = false;
    try {
      assert.equal(usesDirectBackwardInput(info([64, 32, 32, 16], [3, 3, 16, 16]), workspaceBytes), null, 'turned off');
    } finally {
      directConvOptions.backwardInput = true;
    }
  });

  for (const kind of paddingKinds) {
    test(`40 random stride-1 geometries with padding '${kind}': dX as js computes it, and bit for bit the forward kernel's sums on dY and the turned filter`, () => {
      const rng = new Rng(340 + paddingKinds.indexOf(kind));
      for (let n = 0; n < 40; n++) {
        const c = randomStride1(rng, kind);
        const { info } = c;
        const d = dataFor(rng, info);
        const what = describeConv(c);
        poison(two, [d.x.length, d.w.length]);
        const dx = Float32Array.from(two.conv2dBackwardInput(d.dy, d.w, info));
        assertCloseToScale(dx, js.conv2dBackwardInput(d.dy, d.w, info), SUM_TOLERANCE, `conv2dBackwardInput ${what}`);
        const t = backwardInputAsConv(info)!;
        assertSameBits(dx, modelForward(d.dy, flipFilterForBackward(d.w, info, new Float32Array(d.w.length)), t), `${what}: the turned forward convolution`);
      }
    });
  }

  test('the geometries of resnet20 and keras-cifar-cnn, on 1, 2 and 3 threads with the same bits; stride 2 still goes through gemm + col2im', () => {
    const rng = new Rng(345);
    const cases = [
      fixedConv([4, 32, 32, 16], [3, 3, 16, 16], [1, 1], [1, 1], 'same'),
      fixedConv([4, 8, 8, 64], [3, 3, 64, 64], [1, 1], [1, 1], 'same'),
      fixedConv([3, 30, 30, 32], [3, 3, 32, 32], [1, 1], [1, 1], 'valid'),
      fixedConv([2, 32, 32, 3], [3, 3, 3, 16], [1, 1], [1, 1], 'same'),
    ];
    for (const c of cases) {
      const d = dataFor(rng, c.info);
      const expected = Float32Array.from(one.conv2dBackwardInput(d.dy, d.w, c.info));
      assertCloseToScale(expected, js.conv2dBackwardInput(d.dy, d.w, c.info), SUM_TOLERANCE, describeConv(c));
      for (const b of [two, three]) assertSameBits(b.conv2dBackwardInput(d.dy, d.w, c.info), expected, `${describeConv(c)} on ${b.threads} threads`);
    }
    const strided = fixedConv([2, 16, 16, 16], [3, 3, 16, 32], [2, 2], [1, 1], 'same');
    const d = dataFor(rng, strided.info);
    assertCloseToScale(two.conv2dBackwardInput(d.dy, d.w, strided.info), js.conv2dBackwardInput(d.dy, d.w, strided.info), SUM_TOLERANCE, 'stride 2');
  });
});
