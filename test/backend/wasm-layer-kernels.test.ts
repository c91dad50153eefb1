/**
 * The wasm backend's batch-normalisation and grouped / depthwise convolution kernels against the
 * JS reference on seeded random configurations (odd sizes, batch 1, strides 1–3, dilation 1–2,
 * every padding mode), on one thread and on two: both must match the reference (batch norm
 * bit-identically, convolutions within sum tolerance) and give the same bits as each other,
 * with inputs foreign (plain Float32Arrays, outside any scope) and resident (inside a scope).
 * Large configurations at the end are split between the two threads.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend, BatchNormInfo, Conv2DInfo } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/index.js';
import { groupedConvOptions } from '../../src/backend/wasm/grouped-conv.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { conv2dInfo } from '../../src/ops/conv.js';
import { type Padding, Rng, type TensorData } from '../../src/tensor/index.js';
import { assertCloseToScale, assertSameBits, between, type PaddingKind, paddingKinds, pick, randomArray, randomPadding } from '../helpers/random-configs.js';

const js = createJsBackend('float32');
const wasm1 = await createWasmBackend({ threads: 1 });
const wasm2 = await createWasmBackend({ threads: 2 });

const SUM_TOLERANCE = 1e-5;

type Check = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) => void;
const exact: Check = assertSameBits;
const sums: Check = (a, e, what) => void assertCloseToScale(a, e, SUM_TOLERANCE, what);

const counts = { batchNorm: 0, groupedConv: 0, depthwiseConv: 0 };

/** Fills freed wasm memory with NaN, so an output element a kernel forgets to write shows up. */
function poison(b: Backend, lengths: readonly number[]): void {
  b.scope(() => {
    for (const n of lengths) for (let i = 0; i < 3; i++) (b.alloc(n) as Float32Array).fill(NaN);
  });
}

/**
 * Runs `run` on js, then on wasm with 1 and 2 threads, each with foreign inputs (outside any
 * scope) and resident ones (inside a scope): every wasm run must give the same bits, match js by
 * `check`, and leave its inputs unchanged.
 */
function compare(what: string, inputs: Float32Array[], run: (b: Backend, xs: TensorData[]) => TensorData[], check: Check): void {
  const expected = run(js, inputs.map((x) => Float32Array.from(x))).map((e) => Float32Array.from(e));
  const lengths = [...expected.map((e) => e.length), ...inputs.map((x) => x.length)];
  let reference: Float32Array[] | null = null;
  for (const b of [wasm1, wasm2]) {
    poison(b, lengths);
    const foreign = inputs.map((x) => Float32Array.from(x));
    const outForeign = run(b, foreign).map((o) => Float32Array.from(o));
    foreign.forEach((x, i) => assertSameBits(x, inputs[i], `${what}: foreign input ${i} was modified`));
    poison(b, lengths);
    const outResident = b.scope(() => {
      const resident = inputs.map((x) => {
        const r = b.alloc(x.length);
        r.set(x);
        return r;
      });
      return run(b, resident).map((o) => Float32Array.from(o));
    });
    expected.forEach((e, i) => {
      check(outForeign[i], e, `${what} on ${b.threads} thread(s), output ${i}`);
      assertSameBits(outResident[i], outForeign[i], `${what} on ${b.threads} thread(s): resident vs foreign inputs, output ${i}`);
      if (reference) assertSameBits(outForeign[i], reference[i], `${what}: 2 threads vs 1 thread, output ${i}`);
    });
    reference ??= outForeign;
  }
}

// ---------------------------------------------------------------------------------------------
// Batch normalisation

function batchNormCase(rng: Rng, shape: number[], offset: number): void {
  counts.batchNorm++;
  const C = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  const info: BatchNormInfo = { rows: size / C, channels: C, epsilon: pick(rng, [1e-3, 1e-5, 0.1]) };
  const x = randomArray(rng, size, offset - 2, offset + 2);
  const gamma = randomArray(rng, C, 0.5, 1.5);
  const beta = randomArray(rng, C);
  const dy = randomArray(rng, size);
  const mean = randomArray(rng, C, offset - 1, offset + 1);
  const variance = randomArray(rng, C, 0, 3);
  const d = `[${shape}] offset ${offset} ε ${info.epsilon}`;
  compare(`batchNormTrain ${d}`, [x, gamma, beta], (b, [xx, g, bb]) => {
    const r = b.batchNormTrain(xx, g, bb, info);
    return [r.y, r.mean, r.variance, r.invStd];
  }, exact);
  compare(`batchNormInference ${d}`, [x, gamma, beta, mean, variance], (b, [xx, g, bb, m, v]) => [b.batchNormInference(xx, g, bb, m, v, info)], exact);
  // Backward with the statistics of the forward pass, as the op uses it (the js ones for both).
  const stats = js.batchNormTrain(x, gamma, beta, info);
  compare(`batchNormBackward ${d}`, [dy, x, gamma, Float32Array.from(stats.mean), Float32Array.from(stats.invStd)], (b, [g, xx, ga, m, s]) => {
    const r = b.batchNormBackward(g, xx, ga, m, s, info);
    return [r.dx, r.dgamma, r.dbeta];
  }, exact);
}

describe('batch normalisation: wasm (1 and 2 threads) against js, bit-identical', () => {
  test('200 random shapes: rank 2 and 4, batch 1–3, odd sizes, 1–19 channels (crossing the 2-wide f64 lanes and the 8-channel split), means far from 0', () => {
    const rng = new Rng(400);
    for (let i = 0; i < 200; i++) {
      const C = rng.uniform() < 0.3 ? pick(rng, [1, 2, 3, 7, 8, 9, 16, 17]) : between(rng, 1, 19);
      const shape = rng.uniform() < 0.25 ? [between(rng, 1, 40), C] : [pick(rng, [1, 1, 2, 3]), between(rng, 1, 9), between(rng, 1, 9), C];
      batchNormCase(rng, shape, pick(rng, [0, 0, 3, -50, 1000]));
    }
  });

  test('large shapes, split between threads by channel (sums) and by row (element-wise)', () => {
    const rng = new Rng(401);
    for (const shape of [[16, 30, 30, 24], [8, 17, 19, 33], [40_000, 16], [3, 64, 64, 8]]) batchNormCase(rng, shape, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Grouped and depthwise convolution

interface GroupedConfig {
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: Padding;
  groups: number;
  info: Conv2DInfo;
}

function describeGrouped(c: GroupedConfig): string {
  return `x [${c.xShape}] w [${c.wShape}] groups ${c.groups} strides ${c.strides} dilation ${c.dilation} padding ${JSON.stringify(c.padding)} → ${c.info.outH}×${c.info.outW}`;
}

/**
 * A random valid grouped convolution: depthwise (one input channel per group, 1–19 channels,
 * depth multiplier 1–3 — crossing the 16- and 4-channel SIMD blocks) or general (2–4 groups of
 * 2–3 input channels and 1–4 filters); batch 1–3, sizes 1–13, stride 1–3, dilation 1–2.
 */
function randomGrouped(rng: Rng, paddingKind: PaddingKind, depthwise: boolean): GroupedConfig {
  for (;;) {
    const kH = between(rng, 1, 5);
    const kW = rng.uniform() < 0.7 ? kH : between(rng, 1, 5);
    let groups: number, perGroupIn: number, perGroupOut: number;
    if (depthwise) {
      groups = rng.uniform() < 0.3 ? pick(rng, [1, 3, 4, 5, 15, 16, 17]) : between(rng, 1, 19);
      perGroupIn = 1;
      perGroupOut = pick(rng, [1, 1, 1, 2, 3, 4]);
    } else {
      groups = between(rng, 2, 4);
      perGroupIn = between(rng, 2, 3);
      perGroupOut = between(rng, 1, 4);
    }
    const xShape: [number, number, number, number] = [pick(rng, [1, 1, 2, 3]), between(rng, 1, 13), between(rng, 1, 13), groups * perGroupIn];
    const wShape: [number, number, number, number] = [kH, kW, perGroupIn, groups * perGroupOut];
    const strides: [number, number] = [pick(rng, [1, 1, 2, 2, 3]), pick(rng, [1, 1, 2, 2, 3])];
    const dilation: [number, number] = rng.uniform() < 0.35 ? [2, pick(rng, [1, 2])] : [1, 1];
    const padding = randomPadding(rng, paddingKind, 4);
    try {
      const info = conv2dInfo(xShape, wShape, { strides, dilation, padding, groups });
      // A one-channel depthwise convolution is an ordinary one (groups 1): keep the grouped path.
      if (groups === 1) continue;
      return { xShape, wShape, strides, dilation, padding, groups, info };
    } catch {
      // Output size below 1: draw again.
    }
  }
}

function groupedCase(rng: Rng, c: GroupedConfig): void {
  const { info } = c;
  if (info.inC === c.groups) counts.depthwiseConv++;
  else counts.groupedConv++;
  const x = randomArray(rng, c.xShape.reduce((a, b) => a * b, 1));
  const w = randomArray(rng, c.wShape.reduce((a, b) => a * b, 1));
  const dy = randomArray(rng, info.batch * info.outH * info.outW * info.outC);
  const d = describeGrouped(c);
  compare(`conv2d ${d}`, [x, w], (b, [xx, ww]) => [b.conv2d(xx, ww, info)], sums);
  compare(`conv2dBackwardInput ${d}`, [dy, w], (b, [g, ww]) => [b.conv2dBackwardInput(g, ww, info)], sums);
  compare(`conv2dBackwardFilter ${d}`, [x, dy], (b, [xx, g]) => [b.conv2dBackwardFilter(xx, g, info)], sums);
}

describe('grouped convolution: wasm (1 and 2 threads) against js (forward, backward-input, backward-filter)', () => {
  for (const kind of paddingKinds) {
    test(`50 random depthwise and 50 random grouped geometries with padding '${kind}'`, () => {
      const rng = new Rng(410 + paddingKinds.indexOf(kind));
      for (let i = 0; i < 50; i++) groupedCase(rng, randomGrouped(rng, kind, true));
      for (let i = 0; i < 50; i++) groupedCase(rng, randomGrouped(rng, kind, false));
    });
  }

  test('20 random depthwise geometries run per group (im2col + gemm) instead of the direct kernels', () => {
    const rng = new Rng(420);
    groupedConvOptions.directDepthwise = false;
    try {
      for (let i = 0; i < 20; i++) groupedCase(rng, randomGrouped(rng, pick(rng, paddingKinds), true));
    } finally {
      groupedConvOptions.directDepthwise = true;
    }
  });

  test('fixed geometries: batch 1 stride 2 dilation 2 same, padding wider than the kernel, 1×1 images, and large ones split between threads', () => {
    const rng = new Rng(421);
    const fixed = (xShape: GroupedConfig['xShape'], wShape: GroupedConfig['wShape'], groups: number, strides: [number, number], dilation: [number, number], padding: Padding): GroupedConfig => ({
      xShape, wShape, strides, dilation, padding, groups, info: conv2dInfo(xShape, wShape, { strides, dilation, padding, groups }),
    });
    const cases = [
      fixed([1, 9, 9, 5], [3, 3, 1, 5], 5, [2, 2], [2, 2], 'same'),
      fixed([1, 9, 9, 6], [3, 3, 2, 6], 3, [2, 2], [2, 2], 'same'),
      fixed([2, 4, 5, 3], [2, 3, 1, 6], 3, [3, 3], [1, 1], 4),
      fixed([1, 1, 1, 18], [3, 3, 1, 18], 18, [1, 1], [1, 1], 'same'),
      fixed([1, 5, 5, 4], [3, 3, 2, 4], 2, [2, 2], [2, 2], [[3, 0], [1, 4]]),
      // Split between threads: pixels (forward), input pixels (backward-input), channels (backward-filter).
      fixed([8, 28, 28, 32], [3, 3, 1, 32], 32, [1, 1], [1, 1], 'same'),
      fixed([4, 30, 29, 48], [3, 3, 1, 48], 48, [2, 2], [1, 1], 'same'),
      fixed([2, 33, 31, 20], [5, 5, 1, 40], 20, [1, 2], [2, 1], 'valid'),
      fixed([4, 20, 20, 16], [3, 3, 4, 32], 4, [1, 1], [1, 1], 'same'),
    ];
    for (const c of cases) groupedCase(rng, c);
  });
});

describe('coverage', () => {
  test('at least 200 random configurations of each new kernel family (batch norm, depthwise, grouped) were compared', (t) => {
    t.diagnostic(`batch norm ${counts.batchNorm}, depthwise ${counts.depthwiseConv}, grouped ${counts.groupedConv} configurations, on 1 and 2 threads`);
    assert.ok(counts.batchNorm >= 200, `batch norm: ${counts.batchNorm}`);
    assert.ok(counts.depthwiseConv >= 200 && counts.groupedConv >= 200, JSON.stringify(counts));
  });
});
