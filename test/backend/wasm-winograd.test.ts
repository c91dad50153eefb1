/**
 * The wasm backend's Winograd kernels (assembly/winograd.ts, assembly/winograd4.ts), taken by
 * conv2d and conv2dBackwardInput (F(4×4, 3×3), or F(2×2, 3×3) with `tile4` off) and
 * conv2dBackwardFilter (F(3×3, 4×4) in one stage or, from 128 × 128 channels, two; or F(3×3, 2×2)) for 3×3 stride-1
 * convolutions with enough channels: both
 * filter transforms against G·g·Gᵀ written out, the kernels
 * against the JS reference on random geometries (every padding kind, odd and even sizes, channel
 * counts around the 8-wide slivers, blocks and chunks of tiles split across threads), bit for bit
 * across thread counts, and the dispatch rules.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Conv2DInfo } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/index.js';
import { createWasmBackend, kernelWorkspaceBytes, WASM_KERNELS_URL } from '../../src/backend/wasm/index.js';
import { MAX_FILTER4_SLOTS, MAX_FILTER_SLOTS, usesWinograd, usesWinograd4, usesWinograd4Filter, usesWinograd4FilterPlanes, usesWinogradFilter, winograd4BlockTiles, winograd4FilterChunkTiles, winograd4PlanesBytes, winograd4PlaneTiles, winogradBlockTiles, winogradFilterChunkTiles, winogradOptions } from '../../src/backend/wasm/winograd.js';
import { instantiateKernels } from '../../src/backend/wasm/worker-loop.js';
import { conv2dInfo } from '../../src/ops/conv.js';
import { Rng } from '../../src/tensor/index.js';
import { assertCloseToScale, assertSameBits, between, type ConvConfig, describeConv, fixedConv, type PaddingKind, paddingKinds, pick, randomArray, randomPadding } from '../helpers/random-configs.js';

const js = createJsBackend('float32');
const one = await createWasmBackend({ threads: 1 });
const two = await createWasmBackend({ threads: 2 });
const three = await createWasmBackend({ threads: 3 });
const workspaceBytes = await kernelWorkspaceBytes();

/** The transforms add and subtract up to 16 terms before and after the sums: a little looser than the direct kernels' 1e-5. */
const TOLERANCE = 2e-5;
/**
 * F(4×4, 3×3)'s transforms weigh terms by up to 5 (Bᵀ) and 8 (Aᵀ): on random data its error is
 * about 10× F(2×2, 3×3)'s (worst 8e-6 of the largest output measured, as f32 emulation of the
 * same arithmetic predicts).
 */
const TOLERANCE_4 = 5e-5;

/** Runs `fn` with y and dX on F(2×2, 3×3) instead of F(4×4, 3×3). */
function withTile2<T>(fn: () => T): T {
  winogradOptions.tile4 = false;
  try {
    return fn();
  } finally {
    winogradOptions.tile4 = true;
  }
}

/** Transformed filter `u` from a kernel, checked against G·g·Gᵀ of w [3, 3, inC, outC]: `positions` per side, slivers of 8 output channels, zero past outC. */
function assertFilterTransform(u: Float32Array, w: Float32Array, G: number[][], inC: number, outC: number): void {
  const side = G.length;
  const outPad = Math.ceil(outC / 8) * 8;
  for (let ci = 0; ci < inC; ci++) {
    for (let co = 0; co < outPad; co++) {
      for (let a = 0; a < side; a++) {
        for (let b = 0; b < side; b++) {
          let expected = 0;
          if (co < outC) for (let r = 0; r < 3; r++) for (let s = 0; s < 3; s++) expected += G[a][r] * w[((r * 3 + s) * inC + ci) * outC + co] * G[b][s];
          const sliver = co - (co % 8);
          const got = u[(side * a + b) * inC * outPad + sliver * inC + ci * 8 + (co - sliver)];
          assert.ok(Math.abs(got - expected) <= 1e-6, `U[ξ=${side * a + b}][${ci}][${co}] = ${got}, expected ${expected}`);
        }
      }
    }
  }
}

/** A random geometry the kernel takes: 3×3, stride 1, channels multiples of 4 (4–72), sides 1–13, batch 1–3. */
function randomWinogradConv(rng: Rng, kind: PaddingKind): ConvConfig {
  for (;;) {
    const inC = 4 * (rng.uniform() < 0.3 ? pick(rng, [2, 4, 8, 16]) : between(rng, 1, 18));
    const outC = 4 * (rng.uniform() < 0.3 ? pick(rng, [1, 2, 3, 4, 16]) : between(rng, 1, 18));
    const xShape: [number, number, number, number] = [between(rng, 1, 3), between(rng, 1, 13), between(rng, 1, 13), inC];
    try {
      const c = fixedConv(xShape, [3, 3, inC, outC], [1, 1], [1, 1], randomPadding(rng, kind, 3));
      if (usesWinograd(c.info, workspaceBytes)) return c;
    } catch {
      // Output size below 1: draw again.
    }
  }
}

function dataFor(rng: Rng, info: Conv2DInfo) {
  return {
    x: randomArray(rng, info.batch * info.inH * info.inW * info.inC),
    w: randomArray(rng, 9 * info.inC * info.outC),
    dy: randomArray(rng, info.batch * info.outH * info.outW * info.outC),
  };
}

describe('wasm Winograd convolution: F(4×4, 3×3), F(2×2, 3×3) and F(3×3, 2×2)', () => {
  test('the filter transforms (winogradFilterTransform 4×4, winograd4FilterTransform 6×6) are G·g·Gᵀ for every channel pair, packed in slivers of 8 output channels, zero past outC', async () => {
    const inC = 3;
    const outC = 12;
    const rng = new Rng(7);
    const w = randomArray(rng, 9 * inC * outC);
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    const k = await instantiateKernels(await WebAssembly.compile(readFileSync(WASM_KERNELS_URL)), memory);
    const wPtr = Math.ceil(k.staticDataEnd() / 64) * 64;
    const uPtr = wPtr + Math.ceil((w.length * 4) / 64) * 64;
    const scratchPtr = uPtr + 36 * inC * 16 * 4;
    new Float32Array(memory.buffer, wPtr, w.length).set(w);
    const u2 = new Float32Array(memory.buffer, uPtr, 16 * inC * 16).fill(NaN);
    k.winogradFilterTransform(wPtr, inC, outC, uPtr, 0, inC);
    assertFilterTransform(u2, w, [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], inC, outC);
    const u4 = new Float32Array(memory.buffer, uPtr, 36 * inC * 16).fill(NaN);
    k.winograd4FilterTransform(wPtr, inC, outC, uPtr, 0, inC, scratchPtr);
    const G4 = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]];
    assertFilterTransform(u4, w, G4, inC, outC);
  });

  for (const kind of paddingKinds) {
    test(`30 random geometries with padding '${kind}': y and dX by F(4×4, 3×3) and by F(2×2, 3×3), and dW, as js computes them, the same bits on 1, 2 and 3 threads`, () => {
      const rng = new Rng(kind.length * 101);
      for (let n = 0; n < 30; n++) {
        const c = randomWinogradConv(rng, kind);
        const { info } = c;
        const d = dataFor(rng, info);
        assert.ok(usesWinograd4(info, workspaceBytes), `${describeConv(c)}: y and dX by F(4×4, 3×3)`);
        const expectedY = js.conv2d(d.x, d.w, info);
        const expectedDx = js.conv2dBackwardInput(d.dy, d.w, info);
        for (const tile of [4, 2]) {
          const what = `${describeConv(c)}, F(${tile}×${tile}, 3×3)`;
          const tolerance = tile === 4 ? TOLERANCE_4 : TOLERANCE;
          const onTile = <T>(fn: () => T): T => (tile === 4 ? fn() : withTile2(fn));
          const y = onTile(() => one.scope(() => Float32Array.from(one.conv2d(d.x, d.w, info))));
          assertCloseToScale(y, expectedY, tolerance, `conv2d ${what}`);
          for (const b of [two, three]) assertSameBits(onTile(() => b.scope(() => Float32Array.from(b.conv2d(d.x, d.w, info)))), y, `conv2d ${what}, ${b.threads} threads vs 1`);
          const dx = onTile(() => one.scope(() => Float32Array.from(one.conv2dBackwardInput(d.dy, d.w, info))));
          assertCloseToScale(dx, expectedDx, tolerance, `conv2dBackwardInput ${what}`);
          for (const b of [two, three]) assertSameBits(onTile(() => b.scope(() => Float32Array.from(b.conv2dBackwardInput(d.dy, d.w, info)))), dx, `conv2dBackwardInput ${what}, ${b.threads} threads vs 1`);
        }
        assert.ok(usesWinograd4Filter(info, workspaceBytes), `${describeConv(c)}: dW by F(3×3, 4×4)`);
        const expectedDw = js.conv2dBackwardFilter(d.x, d.dy, info);
        for (const tile of [4, 2]) {
          const what = `${describeConv(c)}, F(3×3, ${tile}×${tile})`;
          const onTile = <T>(fn: () => T): T => (tile === 4 ? fn() : withTile2(fn));
          const dw = onTile(() => one.scope(() => Float32Array.from(one.conv2dBackwardFilter(d.x, d.dy, info))));
          assertCloseToScale(dw, expectedDw, tile === 4 ? TOLERANCE_4 : TOLERANCE, `conv2dBackwardFilter ${what}`);
          for (const b of [two, three]) assertSameBits(onTile(() => b.scope(() => Float32Array.from(b.conv2dBackwardFilter(d.x, d.dy, info)))), dw, `conv2dBackwardFilter ${what}, ${b.threads} threads vs 1`);
        }
      }
    });
  }

  test('more tiles than one block or chunk (resnet20 16 → 16 at 32×32, batch 8 and 72, and 64 → 64 at 8×8, batch 64; 3 threads), and the kernels really run: their bits differ from the direct and gemm kernels', () => {
    const rng = new Rng(3);
    for (const [batch, h, ch] of [[8, 32, 16], [64, 8, 64], [72, 32, 16]]) {
      const info = conv2dInfo([batch, h, h, ch], [3, 3, ch, ch], { padding: 'same' });
      const tiles = batch * (h / 2) ** 2;
      assert.ok(tiles > 3 * winogradBlockTiles(ch, ch), 'several blocks per thread');
      assert.ok(tiles / 4 > 3 * winograd4BlockTiles(ch, ch), 'several F(4×4, 3×3) blocks per thread');
      const chunks = Math.ceil(tiles / winogradFilterChunkTiles(ch, ch, workspaceBytes));
      assert.ok(chunks > 3, 'several F(3×3, 2×2) dW chunks');
      assert.ok(Math.ceil(tiles / 4 / winograd4FilterChunkTiles(ch, ch, workspaceBytes)) > 1, 'several F(3×3, 4×4) dW chunks');
      if (batch === 72) assert.ok(chunks > MAX_FILTER_SLOTS, 'more dW chunks than slots: several chunks summed into each slot');
      const d = dataFor(rng, info);
      const y = Float32Array.from(three.scope(() => three.conv2d(d.x, d.w, info)));
      const dw = Float32Array.from(three.scope(() => three.conv2dBackwardFilter(d.x, d.dy, info)));
      assertCloseToScale(y, js.conv2d(d.x, d.w, info), TOLERANCE_4, `conv2d ${h}×${h}×${ch}`);
      const dw2 = withTile2(() => Float32Array.from(three.scope(() => three.conv2dBackwardFilter(d.x, d.dy, info))));
      assertCloseToScale(dw2, js.conv2dBackwardFilter(d.x, d.dy, info), TOLERANCE, `conv2dBackwardFilter ${h}×${h}×${ch}, F(3×3, 2×2)`);
      assert.ok(dw2.some((v, i) => !Object.is(v, dw[i])), 'conv2dBackwardFilter: F(3×3, 2×2) and F(3×3, 4×4) give different bits, so each ran');
      const y2 = withTile2(() => Float32Array.from(three.scope(() => three.conv2d(d.x, d.w, info))));
      assertCloseToScale(y2, js.conv2d(d.x, d.w, info), TOLERANCE, `conv2d ${h}×${h}×${ch}, F(2×2, 3×3)`);
      assert.ok(y2.some((v, i) => !Object.is(v, y[i])), 'conv2d: F(2×2, 3×3) and F(4×4, 3×3) give different bits, so each ran');
      assertCloseToScale(dw, js.conv2dBackwardFilter(d.x, d.dy, info), TOLERANCE_4, `conv2dBackwardFilter ${h}×${h}×${ch}`);
      winogradOptions.enabled = false;
      try {
        const otherY = Float32Array.from(three.scope(() => three.conv2d(d.x, d.w, info)));
        const otherDw = Float32Array.from(three.scope(() => three.conv2dBackwardFilter(d.x, d.dy, info)));
        assert.ok(otherY.some((v, i) => !Object.is(v, y[i])), 'conv2d: not the same bits as without Winograd, so it took the Winograd kernel');
        assert.ok(otherDw.some((v, i) => !Object.is(v, dw[i])), 'conv2dBackwardFilter: not the same bits as without Winograd');
      } finally {
        winogradOptions.enabled = true;
      }
    }
  });

  test('F(3×3, 4×4) dW with more chunks than slots (8 → 16 at 32×32, batch 136: 17 chunks of 512 tiles in 9 slots of 2), as js computes it, the same bits on 1, 2 and 3 threads', () => {
    const info = conv2dInfo([136, 32, 32, 8], [3, 3, 8, 16], { padding: 'same' });
    const chunkTiles = winograd4FilterChunkTiles(8, 16, workspaceBytes);
    assert.ok(usesWinograd4Filter(info, workspaceBytes));
    assert.ok(Math.ceil((136 * 64) / chunkTiles) > MAX_FILTER4_SLOTS, `${chunkTiles}-tile chunks: more than ${MAX_FILTER4_SLOTS}`);
    const rng = new Rng(11);
    const d = dataFor(rng, info);
    const dw = Float32Array.from(one.scope(() => one.conv2dBackwardFilter(d.x, d.dy, info)));
    assertCloseToScale(dw, js.conv2dBackwardFilter(d.x, d.dy, info), TOLERANCE_4, 'conv2dBackwardFilter 8 → 16, batch 136');
    for (const b of [two, three]) assertSameBits(b.scope(() => Float32Array.from(b.conv2dBackwardFilter(d.x, d.dy, info))), dw, `conv2dBackwardFilter 8 → 16, batch 136, ${b.threads} threads vs 1`);
  });

  test('two-stage F(3×3, 4×4) dW (128 → 128 and 192 → 192, odd and even sides, every padding kind; blocks of 64 tiles, so several): as js computes it, the same bits on 1, 2 and 3 threads, and not the one-stage kernel\'s bits', () => {
    const rng = new Rng(17);
    const saved = winogradOptions.filterPlanesBytes;
    winogradOptions.filterPlanesBytes = 1;
    try {
      const cases: Array<[[number, number, number, number], number, PaddingKind]> = [
        [[40, 7, 7, 192], 192, 'same'],
        [[12, 9, 14, 128], 128, 'valid'],
        [[6, 11, 13, 128], 132, 'explicit'],
        [[80, 3, 3, 192], 192, 'same'],
      ];
      for (const [xShape, outC, kind] of cases) {
        const c = fixedConv(xShape, [3, 3, xShape[3], outC], [1, 1], [1, 1], randomPadding(rng, kind, 2));
        const { info } = c;
        assert.ok(usesWinograd4FilterPlanes(info, workspaceBytes), `${describeConv(c)}: two-stage dW`);
        assert.equal(winograd4PlaneTiles(info.inC, info.outC), 64, 'blocks of the fewest tiles');
        assert.ok(info.batch * Math.ceil(info.outH / 4) * Math.ceil(info.outW / 4) > 64, `${describeConv(c)}: more tiles than one block`);
        const d = dataFor(rng, info);
        const dw = Float32Array.from(one.scope(() => one.conv2dBackwardFilter(d.x, d.dy, info)));
        assertCloseToScale(dw, js.conv2dBackwardFilter(d.x, d.dy, info), TOLERANCE_4, `conv2dBackwardFilter ${describeConv(c)}`);
        for (const b of [two, three]) assertSameBits(b.scope(() => Float32Array.from(b.conv2dBackwardFilter(d.x, d.dy, info))), dw, `conv2dBackwardFilter ${describeConv(c)}, ${b.threads} threads vs 1`);
        winogradOptions.filterPlanes = false;
        try {
          const oneStage = Float32Array.from(three.scope(() => three.conv2dBackwardFilter(d.x, d.dy, info)));
          assert.ok(oneStage.some((v, i) => !Object.is(v, dw[i])), `${describeConv(c)}: the one-stage kernel gives other bits, so the two-stage one ran`);
        } finally {
          winogradOptions.filterPlanes = true;
        }
      }
    } finally {
      winogradOptions.filterPlanesBytes = saved;
    }
  });

  test('two-stage dW blocks: a multiple of 4 tiles, 64 to 2048, whose planes fit filterPlanesBytes, fewer for more channels', () => {
    for (const [inC, outC] of [[128, 128], [192, 192], [256, 256], [128, 260]]) {
      const t = winograd4PlaneTiles(inC, outC);
      assert.equal(t % 4, 0);
      assert.ok(t >= 64 && t <= 2048, `${inC} → ${outC}: ${t} tiles`);
      assert.ok(winograd4PlanesBytes(t, inC, outC) <= winogradOptions.filterPlanesBytes, `${inC} → ${outC}: fits`);
    }
    assert.ok(winograd4PlaneTiles(256, 256) < winograd4PlaneTiles(128, 128));
  });

  test('an empty batch gives an empty output and a zero filter gradient, as js does', () => {
    const info = conv2dInfo([0, 8, 8, 16], [3, 3, 16, 16], { padding: 'same' });
    assert.ok(usesWinogradFilter(info, workspaceBytes));
    const w = new Float32Array(9 * 16 * 16).fill(1);
    for (const b of [one, three]) {
      assert.equal(b.scope(() => b.conv2d(new Float32Array(0), w, info).length), 0);
      assertSameBits(b.scope(() => Float32Array.from(b.conv2dBackwardFilter(new Float32Array(0), new Float32Array(0), info))), js.conv2dBackwardFilter(new Float32Array(0), new Float32Array(0), info), `dW of an empty batch, ${b.threads} thread(s)`);
    }
  });

  test('dispatch: only 3×3, stride 1, undilated, one group, channels multiples of 4, at most 256 inputs, and enough channel pairs', () => {
    const takes = (x: [number, number, number, number], w: [number, number, number, number], options: Parameters<typeof conv2dInfo>[2] = {}) => usesWinograd(conv2dInfo(x, w, options), workspaceBytes);
    assert.equal(takes([1, 8, 8, 16], [3, 3, 16, 16], { padding: 'same' }), true, '16 → 16');
    assert.equal(takes([1, 8, 8, 16], [3, 3, 16, 16], { strides: 2 }), false, 'stride 2');
    assert.equal(takes([1, 8, 8, 16], [3, 3, 16, 16], { dilation: 2 }), false, 'dilation 2');
    assert.equal(takes([1, 8, 8, 16], [5, 5, 16, 16]), false, '5×5');
    assert.equal(takes([1, 8, 8, 18], [3, 3, 18, 16]), false, '18 input channels');
    assert.equal(takes([1, 8, 8, 16], [3, 3, 16, 10]), false, '10 output channels');
    assert.equal(takes([1, 8, 8, 8], [3, 3, 8, 8]), false, '8 → 8: too few channel pairs to pay for the transforms');
    assert.equal(takes([1, 4, 4, 260], [3, 3, 260, 8]), false, '260 input channels: deeper than one gemm block');
    assert.equal(usesWinograd({ ...conv2dInfo([1, 8, 8, 16], [3, 3, 16, 16]), groups: 2 }, workspaceBytes), false, 'groups');
    winogradOptions.enabled = false;
    try {
      assert.equal(takes([1, 8, 8, 16], [3, 3, 16, 16]), false, 'turned off');
    } finally {
      winogradOptions.enabled = true;
    }
    assert.equal(usesWinograd4(conv2dInfo([1, 8, 8, 8], [3, 3, 8, 16]), workspaceBytes), true, 'F(4×4, 3×3) for 8 → 16, the fewest channels Winograd takes');
    assert.equal(usesWinograd4(conv2dInfo([1, 8, 8, 16], [3, 3, 16, 16], { strides: 2 }), workspaceBytes), false, 'F(4×4, 3×3) only where Winograd applies');
    withTile2(() => assert.equal(usesWinograd4(conv2dInfo([1, 8, 8, 16], [3, 3, 16, 16]), workspaceBytes), false, 'tile4 off'));
    const filterInfo = conv2dInfo([1, 8, 8, 16], [3, 3, 16, 16]);
    assert.equal(usesWinogradFilter(filterInfo, workspaceBytes), true, 'dW of 16 → 16');
    winogradOptions.filter = false;
    try {
      assert.equal(usesWinogradFilter(filterInfo, workspaceBytes), false, 'dW turned off alone');
      assert.equal(usesWinograd(filterInfo, workspaceBytes), true, 'forward still on');
    } finally {
      winogradOptions.filter = true;
    }
    assert.equal(usesWinogradFilter(conv2dInfo([1, 8, 8, 8], [3, 3, 8, 8]), workspaceBytes), false, 'dW of 8 → 8, as forward');
    assert.equal(usesWinograd4Filter(filterInfo, workspaceBytes), true, 'dW of 16 → 16 by F(3×3, 4×4)');
    withTile2(() => assert.equal(usesWinograd4Filter(filterInfo, workspaceBytes), false, 'dW by F(3×3, 2×2) with tile4 off'));
    assert.equal(usesWinograd4Filter(conv2dInfo([1, 4, 4, 256], [3, 3, 256, 256], { padding: 'same' }), workspaceBytes), false, 'dW of 256 → 256 by F(3×3, 2×2): its F(3×3, 4×4) chunks would be too short');
    assert.equal(usesWinograd4FilterPlanes(conv2dInfo([1, 4, 4, 256], [3, 3, 256, 256], { padding: 'same' }), workspaceBytes), true, 'so it goes to the two-stage F(3×3, 4×4), whose blocks are not bounded by the workspace');
    assert.equal(usesWinograd4FilterPlanes(conv2dInfo([1, 8, 8, 128], [3, 3, 128, 128]), workspaceBytes), true, 'two-stage dW from 128 × 128 channel pairs');
    assert.equal(usesWinograd4FilterPlanes(conv2dInfo([1, 8, 8, 64], [3, 3, 64, 192]), workspaceBytes), false, '64 → 192: the one-stage F(3×3, 4×4)');
    assert.equal(usesWinograd4Filter(conv2dInfo([1, 8, 8, 64], [3, 3, 64, 192]), workspaceBytes), true);
    withTile2(() => assert.equal(usesWinograd4FilterPlanes(conv2dInfo([1, 8, 8, 128], [3, 3, 128, 128]), workspaceBytes), false, 'not with tile4 off'));
    winogradOptions.filterPlanes = false;
    try {
      assert.equal(usesWinograd4FilterPlanes(conv2dInfo([1, 8, 8, 128], [3, 3, 128, 128]), workspaceBytes), false, 'filterPlanes off');
    } finally {
      winogradOptions.filterPlanes = true;
    }
    assert.equal(usesWinograd4(conv2dInfo([1, 4, 4, 256], [3, 3, 256, 256], { padding: 'same' }), workspaceBytes), true, 'while y and dX of 256 → 256 take F(4×4, 3×3)');
  });

  test('dW chunks: a multiple of 4 tiles fixed by the channel counts, smaller for more channels, whose planes fit the workspace', () => {
    for (const [inC, outC] of [[16, 16], [64, 64], [256, 256], [8, 20]]) {
      const t = winogradFilterChunkTiles(inC, outC, workspaceBytes);
      assert.equal(t % 4, 0);
      assert.ok(t >= 4 && t <= 512, `${inC} → ${outC}: ${t} tiles`);
      assert.ok(16 * (t * (inC + Math.ceil(outC / 8) * 8) * 4 + 128) + 128 <= workspaceBytes, `${inC} → ${outC}: fits`);
    }
    assert.ok(winogradFilterChunkTiles(256, 256, workspaceBytes) < winogradFilterChunkTiles(16, 16, workspaceBytes));
    for (const [inC, outC] of [[16, 16], [64, 64], [256, 256], [8, 20]]) {
      const t = winograd4FilterChunkTiles(inC, outC, workspaceBytes);
      assert.equal(t % 4, 0);
      assert.ok(t >= 16 && t <= 512, `F(3×3, 4×4) ${inC} → ${outC}: ${t} tiles`);
      assert.ok(36 * (t * (inC + Math.ceil(outC / 8) * 8) * 4 + 128) + 768 <= workspaceBytes, `F(3×3, 4×4) ${inC} → ${outC}: fits`);
    }
  });
});
