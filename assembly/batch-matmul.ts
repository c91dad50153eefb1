// Batched matrix products C[p] = op(A[p])·op(B[p]), sized for capsule networks: many small
// matrices (per-capsule transforms, routing's matrix-vector products). Small products run
// unpacked, with SIMD vectors along whatever the layout makes contiguous: C's rows (rows of
// op(B)), C's columns (columns of op(A)), or the inner dimension (dot products). Large ones go to
// the packed gemm.
//
// Element (r, c) of op(A[p]) is at a + 4·(p·strideA + r·rsA + c·csA), likewise for B; C[p] is
// row-major m×n at c + 4·p·m·n. A batch stride of 0 shares one matrix across the batch.

import { gemm } from './gemm';
import { zeroF32 } from './util';

/** Products with every side at least this long are worth gemm's packing. */
const GEMM_MIN: i32 = 32;

/**
 * Batch entries [start, end) of C = op(A)·op(B). Each entry is computed by one call, in a fixed
 * order, so the result does not depend on how the batch is split. `work` is gemm's workspace.
 */
export function batchMatmul(
  a: usize, strideA: i32, rsA: i32, csA: i32,
  b: usize, strideB: i32, rsB: i32, csB: i32,
  c: usize, m: i32, n: i32, k: i32,
  start: i32, end: i32, work: usize,
): void {
  const size = <usize>m * <usize>n;
  for (let p = start; p < end; p++) {
    const ap = a + ((<usize>p * <usize>strideA) << 2);
    const bp = b + ((<usize>p * <usize>strideB) << 2);
    const cp = c + ((<usize>p * size) << 2);
    product(ap, rsA, csA, bp, rsB, csB, cp, m, n, k, work);
  }
}

function product(a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, m: i32, n: i32, k: i32, work: usize): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    zeroF32(c, m * n);
    return;
  }
  if (m >= GEMM_MIN && n >= GEMM_MIN && k >= GEMM_MIN) {
    gemm(a, rsA, csA, b, rsB, csB, c, m, n, k, 0, m, false, work, false);
    return;
  }
  // Rows of op(B) contiguous: vectors along C's rows.
  if (csB == 1 && n >= 4) {
    rowsTimesMatrix(a, rsA, csA, b, rsB, c, n, 1, m, n, k);
  } else if (rsA == 1 && m >= 4) {
    // Columns of op(A) contiguous: the same loop on Cᵀ = op(B)ᵀ·op(A)ᵀ, vectors along C's columns.
    rowsTimesMatrix(b, csB, rsB, a, csA, c, 1, n, n, m, k);
  } else if (csA == 1 && rsB == 1) {
    dots(a, rsA, b, csB, c, m, n, k);
  } else if (csB == 1) {
    rowsTimesMatrix(a, rsA, csA, b, rsB, c, n, 1, m, n, k);
  } else {
    rowsTimesMatrix(b, csB, rsB, a, csA, c, 1, n, n, m, k);
  }
}

/**
 * C = A·B where B's rows are contiguous (element (p, j) at b + 4·(p·rsB + j)); A and C have any
 * strides (in elements). Tiles of 4 rows × 8 columns, then single rows for what is left.
 */
function rowsTimesMatrix(a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, c: usize, rsC: i32, csC: i32, m: i32, n: i32, k: i32): void {
  const rowA = <usize>rsA << 2;
  const colA = <usize>csA << 2;
  const rowB = <usize>rsB << 2;
  const rowC = <usize>rsC << 2;
  const colC = <usize>csC << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ai = a + <usize>i * rowA;
    const ci = c + <usize>i * rowC;
    let j = 0;
    for (; j + 8 <= n; j += 8) tile4x8(ai, rowA, colA, b + (<usize>j << 2), rowB, ci + <usize>j * colC, rowC, colC, k);
    if (j < n) {
      for (let r: usize = 0; r < 4; r++) rowTimesMatrix(ai + r * rowA, colA, b + (<usize>j << 2), rowB, ci + r * rowC + <usize>j * colC, colC, n - j, k);
    }
  }
  for (; i < m; i++) rowTimesMatrix(a + <usize>i * rowA, colA, b, rowB, c + <usize>i * rowC, colC, n, k);
}

/** Stores the four lanes of `v` at p, p + stride, … (stride in bytes). */
// @ts-ignore: decorator
@inline function storeLanes(p: usize, stride: usize, v: v128): void {
  if (stride == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  store<f32>(p + stride, f32x4.extract_lane(v, 1));
  store<f32>(p + 2 * stride, f32x4.extract_lane(v, 2));
  store<f32>(p + 3 * stride, f32x4.extract_lane(v, 3));
}

/** A 4×8 tile of C in eight f32x4 accumulators; strides in bytes. */
function tile4x8(a: usize, rowA: usize, colA: usize, b: usize, rowB: usize, c: usize, rowC: usize, colC: usize, k: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const a1 = rowA;
  const a2 = rowA + rowA;
  const a3 = a2 + rowA;
  let pa = a;
  let pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(pa + a1);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(pa + a2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(pa + a3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    pa += colA;
    pb += rowB;
  }
  const half = colC << 2;
  storeLanes(c, colC, c00);
  storeLanes(c + half, colC, c01);
  c += rowC;
  storeLanes(c, colC, c10);
  storeLanes(c + half, colC, c11);
  c += rowC;
  storeLanes(c, colC, c20);
  storeLanes(c + half, colC, c21);
  c += rowC;
  storeLanes(c, colC, c30);
  storeLanes(c + half, colC, c31);
}

/** One row of C (n entries, `colC` bytes apart) = a row of A (`colA` bytes apart) · B; 16, 8, 4 columns at a time, then one. */
function rowTimesMatrix(a: usize, colA: usize, b: usize, rowB: usize, c: usize, colC: usize, n: i32, k: i32): void {
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let pa = a;
    let pb = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      const x = v128.load32_splat(pa);
      s0 = f32x4.add(s0, f32x4.mul(x, v128.load(pb)));
      s1 = f32x4.add(s1, f32x4.mul(x, v128.load(pb, 16)));
      s2 = f32x4.add(s2, f32x4.mul(x, v128.load(pb, 32)));
      s3 = f32x4.add(s3, f32x4.mul(x, v128.load(pb, 48)));
      pa += colA;
      pb += rowB;
    }
    const cj = c + <usize>j * colC;
    const quarter = colC << 2;
    storeLanes(cj, colC, s0);
    storeLanes(cj + quarter, colC, s1);
    storeLanes(cj + 2 * quarter, colC, s2);
    storeLanes(cj + 3 * quarter, colC, s3);
  }
  for (; j + 4 <= n; j += 4) {
    let s = f32x4.splat(0);
    let pa = a;
    let pb = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      s = f32x4.add(s, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
      pa += colA;
      pb += rowB;
    }
    storeLanes(c + <usize>j * colC, colC, s);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    let pa = a;
    let pb = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      s += load<f32>(pa) * load<f32>(pb);
      pa += colA;
      pb += rowB;
    }
    store<f32>(c + <usize>j * colC, s);
  }
}

/**
 * C (row-major m×n) = A·B where A's rows and B's columns are contiguous (row i of A at
 * a + 4·i·rsA, column j of B at b + 4·j·csB): one SIMD dot product per entry.
 */
function dots(a: usize, rsA: i32, b: usize, csB: i32, c: usize, m: i32, n: i32, k: i32): void {
  for (let i = 0; i < m; i++) {
    const ai = a + ((<usize>i * <usize>rsA) << 2);
    const ci = c + ((<usize>i * <usize>n) << 2);
    for (let j = 0; j < n; j++) store<f32>(ci + (<usize>j << 2), dot(ai, b + ((<usize>j * <usize>csB) << 2), k));
  }
}

/** Σ x[q]·y[q] for q < k: two 4-lane partial sums, reduced in a fixed order, then the tail. */
function dot(x: usize, y: usize, k: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let q = 0;
  for (; q + 8 <= k; q += 8) {
    const off = <usize>q << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(x + off), v128.load(y + off)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(x + off, 16), v128.load(y + off, 16)));
  }
  if (q + 4 <= k) {
    const off = <usize>q << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(x + off), v128.load(y + off)));
    q += 4;
  }
  const s = f32x4.add(s0, s1);
  let total: f32 = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (; q < k; q++) total += load<f32>(x + (<usize>q << 2)) * load<f32>(y + (<usize>q << 2));
  return total;
}
