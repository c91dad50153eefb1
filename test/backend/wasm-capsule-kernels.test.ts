/**
 * The kernels of capsule networks. The batched matrix product: the js reference against
 * per-entry gemm, and the wasm kernel against it on seeded random shapes (batch 1, sizes 1 and
 * odd, every transpose, either operand shared across the batch) on 1, 2 and 3 threads; every
 * wasm run must give the same bits whatever the thread count and wherever its inputs live, and
 * match js within the tolerance of sums. The transpose: its reduced plan, and wasm bit-identical
 * to js on random shapes and permutations.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend, BatchMatmulInfo } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/index.js';
import { gemm as jsGemm } from '../../src/backend/js/gemm.js';
import { planTranspose } from '../../src/backend/js/transpose.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { Rng, type Shape } from '../../src/tensor/index.js';
import { assertCloseToScale, assertSameBits, between, pick, randomArray } from '../helpers/random-configs.js';

const js = createJsBackend('float32');
const js64 = createJsBackend('float64');
const wasmBackends = [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: 2 }), await createWasmBackend({ threads: 3 })];

const SUM_TOLERANCE = 1e-5;

function describeInfo(i: BatchMatmulInfo): string {
  return `batch ${i.batch} m ${i.m} n ${i.n} k ${i.k}${i.transA ? ' Aᵀ' : ''}${i.transB ? ' Bᵀ' : ''}${i.aBatched ? '' : ' A shared'}${i.bBatched ? '' : ' B shared'}`;
}

function operandSizes(i: BatchMatmulInfo): [number, number] {
  return [(i.aBatched ? i.batch : 1) * i.m * i.k, (i.bBatched ? i.batch : 1) * i.k * i.n];
}

/** Fills freed wasm memory with NaN, so an output element the kernel forgets to write shows up. */
function poison(b: Backend, lengths: readonly number[]): void {
  b.scope(() => {
    for (const n of lengths) for (let i = 0; i < 3; i++) (b.alloc(n) as Float32Array).fill(NaN);
  });
}

/**
 * wasm on 1, 2 and 3 threads, inputs foreign (plain arrays) and resident (inside a scope), against
 * js: all wasm results bit-identical, within sum tolerance of js, inputs unchanged.
 */
function compareCase(rng: Rng, info: BatchMatmulInfo): void {
  const what = describeInfo(info);
  const [sizeA, sizeB] = operandSizes(info);
  const a = randomArray(rng, sizeA);
  const b = randomArray(rng, sizeB);
  const expected = Float32Array.from(js.batchMatmul(a, b, info));
  let reference: Float32Array | null = null;
  for (const backend of wasmBackends) {
    poison(backend, [expected.length, sizeA, sizeB]);
    const foreign = [Float32Array.from(a), Float32Array.from(b)];
    const out = Float32Array.from(backend.batchMatmul(foreign[0], foreign[1], info));
    assertSameBits(foreign[0], a, `${what}: input A was modified`);
    assertSameBits(foreign[1], b, `${what}: input B was modified`);
    poison(backend, [expected.length, sizeA, sizeB]);
    const resident = backend.scope(() => {
      const [ra, rb] = [a, b].map((x) => {
        const r = backend.alloc(x.length);
        r.set(x);
        return r;
      });
      return Float32Array.from(backend.batchMatmul(ra, rb, info));
    });
    assertCloseToScale(out, expected, SUM_TOLERANCE, `${what} on ${backend.threads} thread(s)`);
    assertSameBits(resident, out, `${what} on ${backend.threads} thread(s): resident vs foreign inputs`);
    if (reference) assertSameBits(out, reference, `${what}: ${backend.threads} threads vs 1 thread`);
    reference ??= out;
  }
}

const transposes = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

const sharing = [
  [true, true],
  [false, true],
  [true, false],
] as const;

describe('batchMatmul: the js reference', () => {
  test('each entry equals gemm of that entry (float64), with shared operands reused', () => {
    const rng = new Rng(7);
    for (const [transA, transB] of transposes) {
      for (const [aBatched, bBatched] of sharing) {
        const info: BatchMatmulInfo = { batch: 3, m: 4, n: 5, k: 6, transA, transB, aBatched, bBatched };
        const [sizeA, sizeB] = operandSizes(info);
        const a = Float64Array.from(randomArray(rng, sizeA));
        const b = Float64Array.from(randomArray(rng, sizeB));
        const c = js64.batchMatmul(a, b, info);
        for (let p = 0; p < info.batch; p++) {
          const ap = aBatched ? a.subarray(p * 24, (p + 1) * 24) : a;
          const bp = bBatched ? b.subarray(p * 30, (p + 1) * 30) : b;
          const expected = jsGemm(ap, bp, 4, 5, 6, transA, transB, (n) => new Float64Array(n));
          const got = Array.from(c.subarray(p * 20, (p + 1) * 20));
          got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `${describeInfo(info)} entry ${p}[${i}]: ${v}, expected ${expected[i]}`));
        }
      }
    }
  });

  test('a hand-computed batch: [[1,2],[3,4]]·[[1],[1]] and [[1,0],[0,2]]·[[5],[6]], B shared or not', () => {
    const a = new Float64Array([1, 2, 3, 4, 1, 0, 0, 2]);
    assert.deepEqual(Array.from(js64.batchMatmul(a, new Float64Array([1, 1, 5, 6]), { batch: 2, m: 2, n: 1, k: 2, transA: false, transB: false, aBatched: true, bBatched: true })), [3, 7, 5, 12]);
    assert.deepEqual(Array.from(js64.batchMatmul(a, new Float64Array([1, 1]), { batch: 2, m: 2, n: 1, k: 2, transA: false, transB: false, aBatched: true, bBatched: false })), [3, 7, 1, 2]);
  });
});

describe('batchMatmul: wasm (1, 2 and 3 threads) against js', () => {
  test('edge sizes: 1, 2, 3, around the 4-row and 8/16-column tiles, k = 0, every transpose and sharing', () => {
    const rng = new Rng(21);
    const sizes: [number, number, number][] = [
      [1, 1, 1], [1, 16, 7], [7, 1, 16], [16, 1, 33], [1, 1, 40], [2, 3, 1], [3, 2, 5], [4, 8, 1], [5, 9, 3], [4, 17, 9], [9, 4, 2], [8, 16, 8], [13, 7, 0],
    ];
    for (const [m, n, k] of sizes) {
      for (const [transA, transB] of transposes) {
        for (const [aBatched, bBatched] of sharing) {
          compareCase(rng, { batch: pick(rng, [1, 2, 3, 5]), m, n, k, transA, transB, aBatched, bBatched });
        }
      }
    }
  });

  test('300 random shapes: batch 1–40, sides 1–40, random transposes and sharing', () => {
    const rng = new Rng(22);
    const side = () => (rng.uniform() < 0.3 ? pick(rng, [1, 2, 3, 4, 8, 16, 17]) : between(rng, 1, 40));
    for (let i = 0; i < 300; i++) {
      const [transA, transB] = pick(rng, transposes);
      const [aBatched, bBatched] = pick(rng, sharing);
      compareCase(rng, { batch: rng.uniform() < 0.2 ? 1 : between(rng, 2, 40), m: side(), n: side(), k: side(), transA, transB, aBatched, bBatched });
    }
  });

  test('large entries (every side ≥ 32, gemm inside the kernel), one entry (gemm split by rows), and odd sizes', () => {
    const rng = new Rng(23);
    for (const [transA, transB] of transposes) {
      compareCase(rng, { batch: 3, m: 33, n: 40, k: 257, transA, transB, aBatched: true, bBatched: pick(rng, [true, false]) });
      compareCase(rng, { batch: 1, m: 130, n: 37, k: 64, transA, transB, aBatched: true, bBatched: true });
    }
  });

  test("capsule-network shapes: predictions per input capsule, routing's sums and agreements and their gradients", () => {
    const rng = new Rng(24);
    const [B, J, I, D, dIn] = [6, 10, 72, 16, 8];
    const shapes: [number, number, number, number, boolean, boolean][] = [
      [I, B, J * D, dIn, false, false], // û_i = u_i·W_i
      [I, B, dIn, J * D, false, true], // du_i = dû_i·W_iᵀ
      [I, dIn, J * D, B, true, false], // dW_i = u_iᵀ·dû_i
      [B * J, 1, D, I, false, false], // s = c·û
      [B * J, I, 1, D, false, false], // agreement = û·v
      [B * J, 1, I, D, false, true], // dc = ds·ûᵀ
      [B * J, I, D, 1, true, false], // dû = cᵀ·ds
      [B * J, I, D, 1, false, true], // dû = da·vᵀ
      [B * J, D, 1, I, true, false], // dv = ûᵀ·da
    ];
    for (const [batch, m, n, k, transA, transB] of shapes) compareCase(rng, { batch, m, n, k, transA, transB, aBatched: true, bBatched: true });
  });
});

describe('transpose', () => {
  test('the plan drops axes of size 1, merges axes that stay adjacent, and copies a last axis that stays last as a block', () => {
    assert.deepEqual(planTranspose([288, 64, 10, 16], [1, 2, 0, 3]), { block: 16, sizes: [640, 288], steps: [16, 10240] });
    assert.deepEqual(planTranspose([64, 288, 8], [1, 0, 2]), { block: 8, sizes: [288, 64], steps: [8, 2304] });
    assert.deepEqual(planTranspose([2, 3, 4], [0, 2, 1]), { block: 1, sizes: [2, 4, 3], steps: [12, 1, 4] });
    assert.deepEqual(planTranspose([1, 5, 1, 3], [2, 3, 0, 1]), { block: 1, sizes: [3, 5], steps: [1, 3] });
    assert.deepEqual(planTranspose([2, 3, 4], [0, 1, 2]), { block: 24, sizes: [], steps: [] });
  });

  /** js, and wasm on 1, 2 and 3 threads with foreign and resident input: every result bit-identical. */
  function transposeCase(rng: Rng, shape: Shape, perm: number[]): void {
    const what = `transpose [${shape}] by [${perm}]`;
    const x = randomArray(rng, shape.reduce((p, d) => p * d, 1));
    const expected = Float32Array.from(js.transpose(x, shape, perm));
    for (const backend of wasmBackends) {
      poison(backend, [x.length]);
      assertSameBits(backend.transpose(Float32Array.from(x), shape, perm), expected, `${what} on ${backend.threads} thread(s)`);
      const resident = backend.scope(() => Float32Array.from(backend.transpose(backend.adopt(x), shape, perm)));
      assertSameBits(resident, expected, `${what} on ${backend.threads} thread(s), resident input`);
    }
  }

  test('js follows the definition: y[i0, i1, …] = x at the permuted index', () => {
    const x = Float64Array.from({ length: 24 }, (_, i) => i);
    // [2, 3, 4] by [2, 0, 1] → [4, 2, 3]: y[c, a, b] = x[a, b, c] = 12a + 4b + c.
    const y = js64.transpose(x, [2, 3, 4], [2, 0, 1]);
    for (let c = 0; c < 4; c++) for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) assert.equal(y[(c * 2 + a) * 3 + b], 12 * a + 4 * b + c);
  });

  test('250 random shapes of rank 1–6 (sizes 1–6) and permutations, including more axes than the kernel takes', () => {
    const rng = new Rng(31);
    for (let i = 0; i < 250; i++) {
      const rank = between(rng, 1, 6);
      const shape = Array.from({ length: rank }, () => (rng.uniform() < 0.2 ? 1 : between(rng, 2, 6)));
      transposeCase(rng, shape, rng.shuffle([...Array(rank).keys()]));
    }
  });

  test("large transposes split by rows: routing's predictions and input capsules", () => {
    const rng = new Rng(32);
    transposeCase(rng, [72, 9, 10, 16], [1, 2, 0, 3]);
    transposeCase(rng, [9, 10, 72, 16], [2, 0, 1, 3]);
    transposeCase(rng, [9, 300, 7], [1, 0, 2]);
    transposeCase(rng, [40, 33, 17], [2, 1, 0]);
  });
});
