/**
 * The WebAssembly kernels (assembly/*.ts → dist/wasm/fovea-kernels.wasm) against the JS reference
 * kernels in float32, called directly on one shared memory, and the invariance of every ranged
 * kernel to how its output range is split (two calls must give the bits of one call).
 */
import type { WasmKernels } from '../../src/backend/wasm/kernels.js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { Conv2DInfo, Pool2DInfo, UnaryOp } from '../../src/backend/backend.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from '../../src/backend/js/conv.js';
import { biasAdd, biasGrad, binary, scale, sum, unary, unaryBackward } from '../../src/backend/js/elementwise.js';
import { gemm as jsGemm } from '../../src/backend/js/gemm.js';
import { adamUpdate, sgdUpdate } from '../../src/backend/js/optimizers.js';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from '../../src/backend/js/pool.js';
import { logSoftmax, softmax, softmaxCrossEntropy } from '../../src/backend/js/softmax.js';
import { type Padding, resolveWindow2D, Rng } from '../../src/tensor/index.js';
import { assertWithin } from '../helpers/random-configs.js';

type Kernels = WasmKernels;

const wasmUrl = new URL('../../wasm/fovea-kernels.wasm', import.meta.url);
if (!existsSync(wasmUrl)) {
  throw new Error(`${fileURLToPath(wasmUrl)} is missing: build it with \`node scripts/build-wasm.mjs\``);
}
const wasmModule = await WebAssembly.compile(readFileSync(wasmUrl));
const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
const instantiate = async () => (await WebAssembly.instantiate(wasmModule, { env: { memory } })).exports as unknown as Kernels;
// Two instances on the same memory, as worker threads would have: ranged calls alternate between them.
const wasm = await instantiate();
const wasm2 = await instantiate();

const alloc32 = (n: number) => new Float32Array(n);

/** A bump allocator over the shared memory, from staticDataEnd() up, 16-byte aligned. */
class Heap {
  private top: number;
  constructor() {
    this.top = wasm.staticDataEnd();
  }
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = (ptr + Math.max(bytes, 1) + 15) & ~15;
    const needed = this.top - memory.buffer.byteLength;
    if (needed > 0) memory.grow(Math.ceil(needed / 65536));
    return ptr;
  }
  floats(n: number): number {
    return this.alloc(n * 4);
  }
  put(data: ArrayLike<number>): number {
    const ptr = this.floats(data.length);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }
  putI32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4);
    new Int32Array(memory.buffer, ptr, data.length).set(data);
    return ptr;
  }
  /** A live view (rebuilt from memory.buffer, which a grow replaces). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(memory.buffer, ptr, n);
  }
  /** A copy, safe to keep. */
  read(ptr: number, n: number): Float32Array {
    return this.f32(ptr, n).slice();
  }
}

function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

/** Values from a small set, so that pooling windows hold ties. */
function tiedArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(4) - 2;
  return a;
}

const f32Bits = new Float32Array(1);
const i32Bits = new Int32Array(f32Bits.buffer);
/** Distance in units in the last place between two f32 values (0 for two NaNs). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  const key = (v: number) => {
    f32Bits[0] = v;
    const i = i32Bits[0];
    return i < 0 ? -(i & 0x7fffffff) : i;
  };
  return Math.abs(key(a) - key(b));
}

/** Bit-identical, except that any NaN matches any NaN. */
function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    assert.ok(Object.is(a, e), `${what}[${i}]: ${a} vs ${e}`);
  }
}

/**
 * |a − e| ≤ tol·(|e| + rms(e)): relative, with the output's typical size as a floor. Returns the
 * largest |a − e| / (|e| + rms(e)) seen.
 */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let sq = 0;
  for (let i = 0; i < expected.length; i++) sq += expected[i] * expected[i];
  const rms = Math.sqrt(sq / Math.max(1, expected.length));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) / (Math.abs(expected[i]) + rms || 1);
    assert.ok(error <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
    worst = Math.max(worst, error);
  }
  return worst;
}

/** Largest ulp distance, and how many entries differ at all. */
function ulpStats(actual: ArrayLike<number>, expected: ArrayLike<number>): { max: number; differing: number } {
  let max = 0;
  let differing = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = ulps(actual[i], expected[i]);
    if (d > 0) differing++;
    max = Math.max(max, d);
  }
  return { max, differing };
}

/**
 * Runs a ranged kernel over [0, total) once whole (instance 1) and once in two parts split at
 * `cut` (one part per instance), into fresh outputs; asserts both give the same bits and returns
 * the whole-range result. `call(k, out, start, end)` runs the kernel on instance k into `out`.
 */
function splitInvariant(heap: Heap, outLength: number, total: number, cut: number, what: string, call: (k: Kernels, out: number, start: number, end: number) => void): Float32Array {
  const whole = heap.floats(outLength);
  const parts = heap.floats(outLength);
  heap.f32(whole, outLength).fill(NaN);
  heap.f32(parts, outLength).fill(NaN);
  call(wasm, whole, 0, total);
  call(wasm2, parts, cut, total);
  call(wasm, parts, 0, cut);
  const result = heap.read(whole, outLength);
  assertSameBits(heap.read(parts, outLength), result, `${what} split at ${cut}/${total}`);
  return result;
}

interface ConvCase {
  name: string;
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  k: [number, number];
  strides: [number, number];
  padding: Padding;
  dilation: [number, number];
}

const convCases: ConvCase[] = [
  { name: '1×5×5×1, 3×3 valid', batch: 1, inH: 5, inW: 5, inC: 1, outC: 1, k: [3, 3], strides: [1, 1], padding: 'valid', dilation: [1, 1] },
  { name: '2×7×6×3 → 5, 3×3 same', batch: 2, inH: 7, inW: 6, inC: 3, outC: 5, k: [3, 3], strides: [1, 1], padding: 'same', dilation: [1, 1] },
  { name: '3×9×11×4 → 9, 3×3 stride 2 same', batch: 3, inH: 9, inW: 11, inC: 4, outC: 9, k: [3, 3], strides: [2, 2], padding: 'same', dilation: [1, 1] },
  { name: '2×10×9×5 → 7, 3×2 dilation 2 same', batch: 2, inH: 10, inW: 9, inC: 5, outC: 7, k: [3, 2], strides: [1, 1], padding: 'same', dilation: [2, 2] },
  { name: '1×12×12×8 → 16, 5×5 stride 2×1 explicit pad [[2,1],[0,3]]', batch: 1, inH: 12, inW: 12, inC: 8, outC: 16, k: [5, 5], strides: [2, 1], padding: [[2, 1], [0, 3]], dilation: [1, 1] },
  { name: '2×8×8×6 → 3, 1×1 valid', batch: 2, inH: 8, inW: 8, inC: 6, outC: 3, k: [1, 1], strides: [1, 1], padding: 'valid', dilation: [1, 1] },
  { name: '4×13×7×2 → 11, 4×3 stride 3×2 dilation 1×2 pad 2', batch: 4, inH: 13, inW: 7, inC: 2, outC: 11, k: [4, 3], strides: [3, 2], padding: 2, dilation: [1, 2] },
  { name: '2×4×5×3 → 2, 2×3 stride 3 pad 4 (windows wholly in the padding)', batch: 2, inH: 4, inW: 5, inC: 3, outC: 2, k: [2, 3], strides: [3, 3], padding: 4, dilation: [1, 1] },
  { name: '1×3×3×37 → 33, 3×3 pad 1 (patch of 333 > one 256-deep gemm block)', batch: 1, inH: 3, inW: 3, inC: 37, outC: 33, k: [3, 3], strides: [1, 1], padding: 1, dilation: [1, 1] },
];

function convInfo(c: ConvCase): Conv2DInfo {
  return { ...resolveWindow2D('test', c.inH, c.inW, c.k, c.strides, c.padding, c.dilation), batch: c.batch, inC: c.inC, outC: c.outC };
}

/** The geometry arguments of im2col and col2im, in order. */
type ConvGeometry = [number, number, number, number, number, number, number, number, number, number, number, number, number, number];

function geometry(info: Conv2DInfo): ConvGeometry {
  const { batch, inH, inW, inC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = info;
  return [batch, inH, inW, inC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW];
}

describe('wasm kernels: convolution by im2col + gemm and col2im', () => {
  convCases.forEach((c, index) => {
    test(`conv forward, backward-input and backward-filter, ${c.name}`, (t) => {
      const heap = new Heap();
      const rng = new Rng(100 + index);
      const info = convInfo(c);
      const g = geometry(info);
      const { batch, inH, inW, inC, outC, outH, outW, kH, kW } = info;
      const M = batch * outH * outW;
      const patch = kH * kW * inC;
      const x = randomArray(rng, batch * inH * inW * inC);
      const w = randomArray(rng, patch * outC);
      const dy = randomArray(rng, M * outC);
      const xP = heap.put(x);
      const wP = heap.put(w);
      const dyP = heap.put(dy);
      const work = heap.alloc(wasm.gemmWorkspaceBytes());
      const work2 = heap.alloc(wasm.gemmWorkspaceBytes());

      // Forward: cols = im2col(x); y = cols · w.
      const cut = 1 + rng.int(M - 1 || 1);
      splitInvariant(heap, M * patch, M, Math.min(cut, M), 'im2col', (k, out, s, e) => k.im2col(xP, ...g, out, s, e));
      const cols = heap.floats(M * patch);
      wasm.im2col(xP, ...g, cols, 0, M);
      const y = splitInvariant(heap, M * outC, M, Math.min(cut, M), 'conv gemm', (k, out, s, e) =>
        k.gemm(cols, patch, 1, wP, outC, 1, out, M, outC, patch, s, e, 0, k === wasm ? work : work2, 0),
      );
      const errForward = assertClose(y, conv2d(x, w, info, alloc32), 1e-5, 'conv2d');

      // Backward input: dcols = dy · wᵀ; dx = col2im(dcols).
      const dcols = heap.floats(M * patch);
      wasm.gemm(dyP, outC, 1, wP, 1, outC, dcols, M, patch, outC, 0, M, 0, work, 0);
      const imageCut = batch > 1 ? 1 + rng.int(batch - 1) : 0;
      const dx = splitInvariant(heap, batch * inH * inW * inC, batch, imageCut, 'col2im', (k, out, s, e) =>
        k.col2im(dcols, ...g, out, s, e),
      );
      const errInput = assertClose(dx, conv2dBackwardInput(dy, w, info, alloc32), 1e-5, 'conv2dBackwardInput');

      // Backward filter: dw = colsᵀ · dy.
      const dw = splitInvariant(heap, patch * outC, patch, 1 + rng.int(patch), 'filter gemm', (k, out, s, e) =>
        k.gemm(cols, 1, patch, dyP, outC, 1, out, patch, outC, M, s, e, 0, k === wasm ? work : work2, 0),
      );
      const errFilter = assertClose(dw, conv2dBackwardFilter(x, dy, info, alloc32), 1e-5, 'conv2dBackwardFilter');
      t.diagnostic(`largest error / (|ref| + rms): forward ${errForward.toExponential(1)}, backward-input ${errInput.toExponential(1)}, backward-filter ${errFilter.toExponential(1)}`);
    });
  });

  test('im2col and col2im with negative padding (a cropped input), as the JS reference allows', () => {
    const heap = new Heap();
    const rng = new Rng(7);
    const batch = 2, inH = 9, inW = 8, inC = 3, outC = 4, kH = 3, kW = 2;
    const padTop = -2, padLeft = -1, padBottom = 1, padRight = -1;
    const outH = inH + padTop + padBottom - kH + 1;
    const outW = inW + padLeft + padRight - kW + 1;
    const info: Conv2DInfo = { batch, inH, inW, inC, outC, kH, kW, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop, padBottom, padLeft, padRight, outH, outW };
    const g = geometry(info);
    const M = batch * outH * outW;
    const patch = kH * kW * inC;
    const x = randomArray(rng, batch * inH * inW * inC);
    const w = randomArray(rng, patch * outC);
    const cols = heap.floats(M * patch);
    wasm.im2col(heap.put(x), ...g, cols, 0, M);
    const y = heap.floats(M * outC);
    wasm.gemm(cols, patch, 1, heap.put(w), outC, 1, y, M, outC, patch, 0, M, 0, heap.alloc(wasm.gemmWorkspaceBytes()), 0);
    assertClose(heap.read(y, M * outC), conv2d(x, w, info, alloc32), 1e-5, 'conv2d with negative padding');
    // col2im is im2col's adjoint: <im2col(x), c> = <x, col2im(c)>.
    const c = randomArray(rng, M * patch);
    const back = heap.floats(x.length);
    wasm.col2im(heap.put(c), ...g, back, 0, batch);
    const colsNow = heap.read(cols, M * patch);
    const backNow = heap.read(back, x.length);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < c.length; i++) lhs += colsNow[i] * c[i];
    for (let i = 0; i < x.length; i++) rhs += x[i] * backNow[i];
    assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), `adjoint: ${lhs} vs ${rhs}`);
  });

  test('gemm matches the JS gemm on odd sizes, all transposes, and split by columns gives the bits split by rows gives', () => {
    const heap = new Heap();
    const rng = new Rng(3);
    const work = heap.alloc(wasm.gemmWorkspaceBytes());
    for (const [m, n, k] of [[1, 1, 1], [5, 3, 7], [13, 17, 300], [33, 9, 2], [3, 37, 301]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randomArray(rng, m * k);
          const b = randomArray(rng, k * n);
          const c = heap.floats(m * n);
          const [rsA, csA] = transA ? [1, m] : [k, 1];
          const [rsB, csB] = transB ? [1, k] : [n, 1];
          const [pa, pb] = [heap.put(a), heap.put(b)];
          wasm.gemm(pa, rsA, csA, pb, rsB, csB, c, m, n, k, 0, m, 0, work, 0);
          const byRows = heap.read(c, m * n);
          assertClose(byRows, jsGemm(a, b, m, n, k, transA, transB, alloc32), 1e-5, `gemm ${m}×${n}×${k} ${transA} ${transB}`);
          // The same product in two column parts (cut at a multiple of 8, as the backend splits): the same bits.
          const cut = Math.min(n, 8);
          const byColumns = heap.floats(m * n);
          wasm.gemm(pa, rsA, csA, pb, rsB, csB, byColumns, m, n, k, 0, cut, 0, work, 1);
          wasm.gemm(pa, rsA, csA, pb, rsB, csB, byColumns, m, n, k, cut, n, 0, work, 1);
          assert.deepEqual(heap.read(byColumns, m * n), byRows, `gemm ${m}×${n}×${k} ${transA} ${transB} by columns [0, ${cut}) and [${cut}, ${n})`);
        }
      }
    }
  });
});

interface PoolCase {
  name: string;
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  pool: [number, number];
  strides: [number, number];
  padding: Padding;
}

const poolCases: PoolCase[] = [
  { name: '1×4×4×1, 2×2', batch: 1, inH: 4, inW: 4, channels: 1, pool: [2, 2], strides: [2, 2], padding: 'valid' },
  { name: '2×7×9×5, 2×2 same (odd sizes)', batch: 2, inH: 7, inW: 9, channels: 5, pool: [2, 2], strides: [2, 2], padding: 'same' },
  { name: '3×9×8×8, 3×3 stride 2 same (overlapping)', batch: 3, inH: 9, inW: 8, channels: 8, pool: [3, 3], strides: [2, 2], padding: 'same' },
  { name: '2×11×10×7, 3×2 stride 1×2 explicit pad [[1,2],[1,0]]', batch: 2, inH: 11, inW: 10, channels: 7, pool: [3, 2], strides: [1, 2], padding: [[1, 2], [1, 0]] },
  { name: '1×6×6×12, 4×4 stride 1 pad 3', batch: 1, inH: 6, inW: 6, channels: 12, pool: [4, 4], strides: [1, 1], padding: 3 },
];

describe('wasm kernels: pooling, bit-identical to the JS reference', () => {
  poolCases.forEach((c, index) => {
    for (const values of ['random', 'ties', 'NaNs'] as const) {
      test(`max and average pooling, ${c.name}, ${values} values`, () => {
        const heap = new Heap();
        const rng = new Rng(200 + index);
        const info: Pool2DInfo = { ...resolveWindow2D('test', c.inH, c.inW, c.pool, c.strides, c.padding), batch: c.batch, channels: c.channels };
        const { batch, inH, inW, channels, kH, kW, strideH, strideW, padTop, padLeft, outH, outW } = info;
        const g = [batch, inH, inW, channels, outH, outW, kH, kW, strideH, strideW, padTop, padLeft] as const;
        const size = batch * inH * inW * channels;
        const outPixels = batch * outH * outW;
        const outSize = outPixels * channels;
        const x = values === 'random' ? randomArray(rng, size) : tiedArray(rng, size);
        if (values === 'NaNs') for (let i = 0; i < size; i += 1 + rng.int(5)) x[i] = NaN;
        const dy = randomArray(rng, outSize);
        const xP = heap.put(x);
        const dyP = heap.put(dy);
        const cut = 1 + rng.int(outPixels - 1 || 1);
        const imageCut = batch > 1 ? 1 + rng.int(batch - 1) : 1;

        const y = splitInvariant(heap, outSize, outPixels, cut, 'maxPool', (k, out, s, e) => k.maxPool(xP, ...g, out, s, e));
        assertSameBits(y, maxPool(x, info, alloc32), 'maxPool');
        const dx = splitInvariant(heap, size, batch, imageCut, 'maxPoolBackward', (k, out, s, e) => k.maxPoolBackward(dyP, xP, ...g, out, s, e));
        assertSameBits(dx, maxPoolBackward(dy, x, info, alloc32), 'maxPoolBackward');
        const ya = splitInvariant(heap, outSize, outPixels, cut, 'avgPool', (k, out, s, e) => k.avgPool(xP, ...g, out, s, e));
        assertSameBits(ya, avgPool(x, info, alloc32), 'avgPool');
        const dxa = splitInvariant(heap, size, batch, imageCut, 'avgPoolBackward', (k, out, s, e) => k.avgPoolBackward(dyP, ...g, out, s, e));
        assertSameBits(dxa, avgPoolBackward(dy, info, alloc32), 'avgPoolBackward');
      });
    }
  });
});

const unaryOps: UnaryOp[] = ['relu', 'leakyRelu', 'sigmoid', 'tanh', 'exp', 'log', 'neg', 'square', 'sqrt', 'abs'];
/** Ops whose forward pass calls a transcendental function: wasm (musl) and V8 (fdlibm) may differ by 1 ulp. */
const transcendental = new Set<UnaryOp>(['sigmoid', 'tanh', 'exp', 'log']);

function unaryInput(rng: Rng, n: number): Float32Array {
  const x = randomArray(rng, n, -6, 6);
  // Special values: zeros of both signs, NaN, infinities, tiny and huge values, exact ties at 0.
  const specials = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40, 3e38, -3e38, 1, -1, 88.5, -104, 20, -20];
  specials.forEach((v, i) => (x[(i * 7) % n] = v));
  for (let i = 0; i < n; i += 11) x[i] = Math.fround(x[i] * 1e-3);
  return x;
}

describe('wasm kernels: element-wise', () => {
  unaryOps.forEach((op, index) => {
    test(`unary ${op} and its backward pass`, (t) => {
      const heap = new Heap();
      const rng = new Rng(300 + index);
      const n = 1003;
      const alpha = 0.1;
      const x = unaryInput(rng, n);
      const dy = randomArray(rng, n, -2, 2);
      const xP = heap.put(x);
      const cut = 1 + rng.int(n - 2);
      const y = splitInvariant(heap, n, n, cut, `unary ${op}`, (k, out, s, e) => k.unary(index, xP, out, alpha, s, e));
      const expected = unary(op, x, alpha, alloc32);
      if (transcendental.has(op)) {
        const { max, differing } = ulpStats(y, expected);
        t.diagnostic(`${op}: ${differing} of ${n} differ from JS, by at most ${max} ulp`);
        assert.ok(max <= 1, `${op}: ${max} ulp from the JS reference`);
      } else {
        assertSameBits(y, expected, `unary ${op}`);
      }
      // The backward pass is given the JS forward output, so both see the same y.
      const yP = heap.put(expected);
      const dyP = heap.put(dy);
      const dx = splitInvariant(heap, n, n, cut, `unaryBackward ${op}`, (k, out, s, e) => k.unaryBackward(index, dyP, xP, yP, out, alpha, s, e));
      assertSameBits(dx, unaryBackward(op, dy, x, expected, alpha, alloc32), `unaryBackward ${op}`);
    });
  });

  test('transcendental unary ops on a large sample: how close to the JS results', (t) => {
    const heap = new Heap();
    const rng = new Rng(399);
    const n = 200_000;
    const wide = randomArray(rng, n, -30, 30);
    const positive = randomArray(rng, n, 0, 50);
    for (const [op, code, x] of [['sigmoid', 2, wide], ['tanh', 3, wide], ['exp', 4, wide], ['log', 5, positive]] as const) {
      const y = heap.floats(n);
      wasm.unary(code, heap.put(x), y, 0, 0, n);
      const { max, differing } = ulpStats(heap.read(y, n), unary(op, x, 0, alloc32));
      t.diagnostic(`${op}: ${differing} of ${n} differ from JS, by at most ${max} ulp`);
      assert.ok(max <= 1, `${op}: ${max} ulp`);
    }
  });

  test('gelu (code 10), a fast f32 approximation: within 1.2e−6 of the f64 reference forward and 5e−7 backward, split-invariant', (t) => {
    const heap = new Heap();
    const rng = new Rng(398);
    const n = 20_003;
    const x = randomArray(rng, n, -12, 12);
    for (let i = 0; i < n; i += 13) x[i] = Math.fround(x[i] * 1e-3);
    const specials = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40, 3e38, -3e38, 1, -1, -10.0001, -9.9999, 10.0001, 5.65, -5.65, 1e-3, -1e-3];
    specials.forEach((v, i) => (x[(i * 7) % n] = v));
    const dy = randomArray(rng, n, -2, 2);
    const xP = heap.put(x);
    const cut = 1 + rng.int(n - 2);
    const y = splitInvariant(heap, n, n, cut, 'unary gelu', (k, out, s, e) => k.unary(10, xP, out, 0, s, e));
    const worstForward = assertWithin(y, unary('gelu', x, 0, alloc32), 1.2e-6, 3e-7, 'gelu');
    // The kernel reads Φ(x) back from its own forward output.
    const yP = heap.put(y);
    const dyP = heap.put(dy);
    const dx = splitInvariant(heap, n, n, cut, 'unaryBackward gelu', (k, out, s, e) => k.unaryBackward(10, dyP, xP, yP, out, 0, s, e));
    const worstBackward = assertWithin(dx, unaryBackward('gelu', dy, x, y, 0, alloc32), 5e-7, 3e-7, 'gelu backward');
    t.diagnostic(`gelu: worst forward error ${worstForward.toExponential(2)}, backward ${worstBackward.toExponential(2)}`);
    // Odd lengths end in the scalar tail: lengths 1–3 give the same values as the vector body.
    for (const m of [1, 2, 3]) {
      const part = heap.floats(m);
      wasm.unary(10, xP, part, 0, 0, m);
      assertSameBits(heap.read(part, m), y.subarray(0, m), `gelu tail of ${m}`);
    }
  });

  test('binary ops on same-shape arrays and with a scalar b', () => {
    const heap = new Heap();
    const rng = new Rng(400);
    const n = 517;
    const a = randomArray(rng, n, -3, 3);
    const b = randomArray(rng, n, -3, 3);
    b[5] = 0;
    b[6] = -0;
    const aP = heap.put(a);
    const bP = heap.put(b);
    const bScalar = Math.fround(-0.7);
    (['add', 'sub', 'mul', 'div'] as const).forEach((op, code) => {
      const cut = 1 + rng.int(n - 2);
      const out = splitInvariant(heap, n, n, cut, `binary ${op}`, (k, o, s, e) => k.binary(code, aP, bP, o, s, e));
      assertSameBits(out, binary(op, a, [n], b, [n], [n], alloc32), `binary ${op}`);
      const outS = splitInvariant(heap, n, n, cut, `binaryScalarB ${op}`, (k, o, s, e) => k.binaryScalarB(code, aP, bScalar, o, s, e));
      assertSameBits(outS, binary(op, a, [n], Float32Array.of(bScalar), [1], [n], alloc32), `binaryScalarB ${op}`);
    });
  });

  test('scale by a factor that is not an f32 value, bias add, bias gradient and sum', () => {
    const heap = new Heap();
    const rng = new Rng(401);
    const n = 1001;
    const x = randomArray(rng, n, -5, 5);
    const xP = heap.put(x);
    for (const factor of [1 / 3, -2.5, 1e-7 / 7]) {
      const y = splitInvariant(heap, n, n, 1 + rng.int(n - 2), 'scale', (k, o, s, e) => k.scale(xP, factor, o, s, e));
      assertSameBits(y, scale(x, factor, alloc32), `scale by ${factor}`);
    }
    for (const channels of [1, 3, 4, 7, 16, 21, 37]) {
      const rows = 1 + rng.int(300);
      const size = rows * channels;
      const dy = randomArray(rng, size, -1, 1);
      const bias = randomArray(rng, channels);
      const dyP = heap.put(dy);
      const biasP = heap.put(bias);
      const cut = (1 + rng.int(Math.max(1, rows - 1))) * channels;
      const y = splitInvariant(heap, size, size, Math.min(cut, size), 'biasAdd', (k, o, s, e) => k.biasAdd(dyP, biasP, o, channels, s, e, 0));
      assertSameBits(y, biasAdd(dy, bias, alloc32), `biasAdd C=${channels}`);
      const yRelu = splitInvariant(heap, size, size, Math.min(cut, size), 'biasAdd+relu', (k, o, s, e) => k.biasAdd(dyP, biasP, o, channels, s, e, 1));
      assertSameBits(yRelu, biasAdd(dy, bias, alloc32, 'relu'), `biasAdd+relu C=${channels}`);
      assert.ok(yRelu.some((v) => v === 0) && yRelu.some((v) => v > 0), 'the fused ReLU case has both signs');
      const g = heap.floats(channels);
      wasm.biasGrad(dyP, g, channels, rows);
      assertSameBits(heap.read(g, channels), biasGrad(dy, channels, alloc32), `biasGrad C=${channels} rows=${rows}`);
      assert.equal(wasm.sum(dyP, size), sum(dy), `sum of ${size}`);
    }
    assert.equal(wasm.sum(xP, 0), 0);
  });
});

describe('wasm kernels: softmax and cross-entropy', () => {
  for (const [rows, cols, spread] of [[1, 1, 1], [7, 10, 3], [33, 5, 40], [16, 100, 10]] as const) {
    test(`${rows} rows × ${cols} columns, logits in ±${spread}`, (t) => {
      const heap = new Heap();
      const rng = new Rng(500 + rows * cols);
      const x = randomArray(rng, rows * cols, -spread, spread);
      if (rows * cols > 3) x[3] = 88; // an exponent that would overflow without the max shift
      const labels = Int32Array.from({ length: rows }, () => rng.int(cols));
      const xP = heap.put(x);
      const labelsP = heap.putI32(labels);
      const cut = rows > 1 ? 1 + rng.int(rows - 1) : 1;
      const size = rows * cols;
      const report = (what: string, actual: Float32Array, expected: Float32Array, maxUlps: number) => {
        const { max, differing } = ulpStats(actual, expected);
        t.diagnostic(`${what}: ${differing} of ${expected.length} differ from JS, by at most ${max} ulp`);
        assert.ok(max <= maxUlps, `${what}: ${max} ulp from the JS reference`);
      };
      const ls = splitInvariant(heap, size, rows, cut, 'logSoftmax', (k, o, s, e) => k.logSoftmax(xP, o, cols, s, e));
      report('logSoftmax', ls, logSoftmax(x, rows, cols, alloc32) as Float32Array, 1);
      const sm = splitInvariant(heap, size, rows, cut, 'softmax', (k, o, s, e) => k.softmax(xP, o, cols, s, e));
      report('softmax', sm, softmax(x, rows, cols, alloc32) as Float32Array, 1);
      const lossesW = heap.floats(rows);
      const probsW = heap.floats(size);
      wasm2.softmaxCrossEntropy(xP, labelsP, lossesW, probsW, cols, cut, rows);
      wasm.softmaxCrossEntropy(xP, labelsP, lossesW, probsW, cols, 0, cut);
      const ref = softmaxCrossEntropy(x, labels, rows, cols, alloc32);
      report('cross-entropy losses', heap.read(lossesW, rows), ref.losses as Float32Array, 1);
      report('cross-entropy probs', heap.read(probsW, size), ref.probs as Float32Array, 1);
      assertSameBits(heap.read(probsW, size), sm, 'cross-entropy probs vs softmax');
    });
  }

  test('a label outside [0, cols) gives a NaN loss', () => {
    const heap = new Heap();
    const x = heap.put([1, 2, 3, 4, 5, 6]);
    const losses = heap.floats(2);
    wasm.softmaxCrossEntropy(x, heap.putI32([3, -1]), losses, heap.floats(6), 3, 0, 2);
    const out = heap.read(losses, 2);
    assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
  });
});

describe('wasm kernels: optimizers, bit-identical to the JS reference', () => {
  const n = 1001;
  for (const [momentum, nesterov, weightDecay] of [[0, false, 0], [0, false, 1e-4], [0.9, false, 0], [0.9, true, 5e-4]] as const) {
    test(`sgd momentum=${momentum} nesterov=${nesterov} weightDecay=${weightDecay}, three steps`, () => {
      const heap = new Heap();
      const rng = new Rng(600);
      const param = randomArray(rng, n);
      const velocity = momentum > 0 ? new Float32Array(n) : null;
      const pP = heap.put(param);
      const vP = velocity ? heap.put(velocity) : 0;
      const config = { lr: 0.01 / 3, momentum, nesterov, weightDecay };
      for (let step = 0; step < 3; step++) {
        const grad = randomArray(rng, n);
        const gP = heap.put(grad);
        const cut = 1 + rng.int(n - 2);
        wasm2.sgdUpdate(pP, gP, vP, config.lr, momentum, nesterov ? 1 : 0, weightDecay, cut, n);
        wasm.sgdUpdate(pP, gP, vP, config.lr, momentum, nesterov ? 1 : 0, weightDecay, 0, cut);
        sgdUpdate(param, grad, velocity, config);
        assertSameBits(heap.read(pP, n), param, `param after step ${step + 1}`);
        if (velocity) assertSameBits(heap.read(vP, n), velocity, `velocity after step ${step + 1}`);
      }
    });
  }

  for (const weightDecay of [0, 1e-3]) {
    test(`adam weightDecay=${weightDecay}, steps 1 to 4`, () => {
      const heap = new Heap();
      const rng = new Rng(700);
      const param = randomArray(rng, n);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      const pP = heap.put(param);
      const mP = heap.put(m);
      const vP = heap.put(v);
      for (let step = 1; step <= 4; step++) {
        const config = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step, weightDecay };
        const grad = randomArray(rng, n, -step, step);
        const gP = heap.put(grad);
        const cut = 1 + rng.int(n - 2);
        wasm2.adamUpdate(pP, gP, mP, vP, config.lr, config.beta1, config.beta2, config.epsilon, step, weightDecay, cut, n);
        wasm.adamUpdate(pP, gP, mP, vP, config.lr, config.beta1, config.beta2, config.epsilon, step, weightDecay, 0, cut);
        adamUpdate(param, grad, m, v, config);
        assertSameBits(heap.read(pP, n), param, `param after step ${step}`);
        assertSameBits(heap.read(mP, n), m, `m after step ${step}`);
        assertSameBits(heap.read(vP, n), v, `v after step ${step}`);
      }
    });
  }
});

test('instantiating another instance on the memory leaves buffers above staticDataEnd() alone', async () => {
  const heap = new Heap();
  const data = randomArray(new Rng(800), 4096);
  const p = heap.put(data);
  await instantiate();
  assertSameBits(heap.read(p, data.length), data, 'buffer after a new instance');
  assert.ok(wasm.staticDataEnd() % 16 === 0 && wasm.staticDataEnd() > 0);
});
