// Packed SGEMM with a 4×8 SIMD micro-kernel (BLIS-style), allocation-free: all memory is passed
// in as pointers, so instances sharing one memory never touch AssemblyScript's heap.
//
// C[m×n] (+)= op(A)·op(B), row-major. Element (i, p) of op(A) is at a + 4·(i·rsA + p·csA), and
// (p, j) of op(B) at b + 4·(p·rsB + j·csB): a transpose is only a swap of strides.

const MR: i32 = 4;
const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 120;
export const NC: i32 = 2048;

/** Bytes of workspace gemm needs for packed A and B blocks. */
export function gemmWorkspaceBytes(): i32 {
  return (MC * KC + KC * NC) * 4 + 4 * MR * NR;
}

// Packs rows [i0, i0+mc) × columns [p0, p0+kc) of A into slivers of MR rows, p-major, zero-padded.
function packA(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, p0: i32, kc: i32, m: i32, dst: usize): void {
  for (let s = 0; s < mc; s += MR) {
    const base = dst + <usize>(s * kc) * 4;
    if (rsA == 1 && i0 + s + MR <= m) {
      // A stored transposed: the sliver's four rows are adjacent in memory for every p.
      for (let p = 0; p < kc; p++) {
        v128.store(base + <usize>(p * MR) * 4, v128.load(a + <usize>(i0 + s + (p0 + p) * csA) * 4));
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const out = base + <usize>(p * MR) * 4;
      for (let r = 0; r < MR; r++) {
        const i = i0 + s + r;
        const v: f32 = i < m ? load<f32>(a + <usize>(i * rsA + (p0 + p) * csA) * 4) : 0;
        store<f32>(out + <usize>r * 4, v);
      }
    }
  }
}

// Writes the 4×4 block whose columns are the four vectors at src, src + stride, … as four rows of
// a packed B sliver (NR floats apart), at out.
// @ts-ignore: decorator
@inline
function transpose4x4Into(src: usize, stride: usize, out: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + stride);
  const r2 = v128.load(src + 2 * stride);
  const r3 = v128.load(src + 3 * stride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(out + <usize>NR * 4, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(out + <usize>NR * 8, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(out + <usize>NR * 12, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// Packs rows [p0, p0+kc) × columns [j0, j0+nc) of B into slivers of NR columns, p-major, zero-padded.
function packB(b: usize, rsB: i32, csB: i32, p0: i32, kc: i32, j0: i32, nc: i32, n: i32, dst: usize): void {
  for (let s = 0; s < nc; s += NR) {
    const base = dst + <usize>(s * kc) * 4;
    if (csB == 1 && j0 + s + NR <= n) {
      for (let p = 0; p < kc; p++) {
        const src = b + <usize>((p0 + p) * rsB + j0 + s) * 4;
        const out = base + <usize>(p * NR) * 4;
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
      }
      continue;
    }
    let p = 0;
    if (rsB == 1 && j0 + s + NR <= n) {
      // B stored transposed (a dense layer's dX = dY·Wᵀ): each column's values are adjacent in p,
      // so four p at a time load as one vector per column and two 4×4 transposes make the rows.
      const col = b + <usize>((j0 + s) * csB + p0) * 4;
      const colStride = <usize>csB * 4;
      for (; p + 4 <= kc; p += 4) {
        const src = col + <usize>p * 4;
        const out = base + <usize>(p * NR) * 4;
        transpose4x4Into(src, colStride, out);
        transpose4x4Into(src + 4 * colStride, colStride, out + 16);
      }
    }
    for (; p < kc; p++) {
      const out = base + <usize>(p * NR) * 4;
      for (let c = 0; c < NR; c++) {
        const j = j0 + s + c;
        const v: f32 = j < n ? load<f32>(b + <usize>((p0 + p) * rsB + j * csB) * 4) : 0;
        store<f32>(out + <usize>c * 4, v);
      }
    }
  }
}

// 4×8 tile of C from packed slivers: 8 f32x4 accumulators, kept in registers.
// Writes rows < mr and columns < nr; adds to C when `add` is set.
export function microKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, mr: i32, nr: i32, add: bool, scratch: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c, ldc, mr, nr, add, scratch);
}

// The same tile, reading A straight from four rows of a row-major matrix (no packing):
// for the tall, thin products of convolutions, packing A would copy it once more for nothing.
export function microKernelRowsA(a: usize, lda: usize, mr: i32, bp: usize, kc: i32, c: usize, ldc: i32, nr: i32, add: bool, scratch: usize): void {
  const a0 = a;
  const a1 = mr > 1 ? a + lda : a0;
  const a2 = mr > 2 ? a + 2 * lda : a0;
  const a3 = mr > 3 ? a + 3 * lda : a0;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let off: usize = 0, end = <usize>kc * 4; off < end; off += 4) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0 + off);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a1 + off);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a2 + off);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a3 + off);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    bp += 32;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c, ldc, mr, nr, add, scratch);
}

// Writes (or adds) a 4×8 tile held in eight f32x4 values to C: rows < mr, columns < nr.
// @ts-ignore: decorator
@inline
export function storeTile(
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
  c: usize, ldc: i32, mr: i32, nr: i32, add: bool, scratch: usize,
): void {
  const rowBytes = <usize>ldc * 4;
  if (mr == MR && nr == NR) {
    if (add) {
      v128.store(c, f32x4.add(v128.load(c), c00));
      v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
      c += rowBytes;
      v128.store(c, f32x4.add(v128.load(c), c10));
      v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
      c += rowBytes;
      v128.store(c, f32x4.add(v128.load(c), c20));
      v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
      c += rowBytes;
      v128.store(c, f32x4.add(v128.load(c), c30));
      v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
    } else {
      v128.store(c, c00);
      v128.store(c, c01, 16);
      c += rowBytes;
      v128.store(c, c10);
      v128.store(c, c11, 16);
      c += rowBytes;
      v128.store(c, c20);
      v128.store(c, c21, 16);
      c += rowBytes;
      v128.store(c, c30);
      v128.store(c, c31, 16);
    }
    return;
  }
  // Edge tile: spill to scratch, then copy the valid part.
  v128.store(scratch, c00);
  v128.store(scratch, c01, 16);
  v128.store(scratch, c10, 32);
  v128.store(scratch, c11, 48);
  v128.store(scratch, c20, 64);
  v128.store(scratch, c21, 80);
  v128.store(scratch, c30, 96);
  v128.store(scratch, c31, 112);
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const dst = c + <usize>(r * ldc + j) * 4;
      const v = load<f32>(scratch + <usize>(r * NR + j) * 4);
      store<f32>(dst, add ? load<f32>(dst) + v : v);
    }
  }
}

/**
 * Part [start, end) of C = op(A)·op(B) (+ C when `accumulate`): rows [start, end), or with
 * `byColumns` columns [start, end) of every row — the split for short, wide products (a dense
 * layer's few batch rows), where splitting rows would have every thread pack all of B. Each
 * element is summed in the same order either way. `work` points to gemmWorkspaceBytes() of
 * scratch owned by the caller (one per thread).
 */
export function gemm(
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, m: i32, n: i32, k: i32,
  start: i32, end: i32, accumulate: bool, work: usize, byColumns: bool,
): void {
  if (byColumns) gemmBlock(a, rsA, csA, b, rsB, csB, c, m, n, k, 0, m, start, end, accumulate, work);
  else gemmBlock(a, rsA, csA, b, rsB, csB, c, m, n, k, start, end, 0, n, accumulate, work);
}

// Rows [rowStart, rowEnd) × columns [colStart, colEnd) of C.
function gemmBlock(
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, m: i32, n: i32, k: i32,
  rowStart: i32, rowEnd: i32, colStart: i32, colEnd: i32, accumulate: bool, work: usize,
): void {
  const packedA = work;
  const packedB = work + <usize>(MC * KC) * 4;
  const scratch = packedB + <usize>(KC * NC) * 4;
  if (k == 0) {
    if (!accumulate) {
      for (let i = rowStart; i < rowEnd; i++) memory.fill(c + <usize>(i * n + colStart) * 4, 0, <usize>(colEnd - colStart) * 4);
    }
    return;
  }
  for (let j0 = colStart; j0 < colEnd; j0 += NC) {
    const nc = min(NC, colEnd - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      packB(b, rsB, csB, p0, kc, j0, nc, n, packedB);
      const add = accumulate || p0 > 0;
      for (let i0 = rowStart; i0 < rowEnd; i0 += MC) {
        const mc = min(MC, rowEnd - i0);
        // Row-major A feeding only a few column slivers: packing it would cost more than it saves.
        if (csA == 1 && nc <= 4 * NR) {
          const lda = <usize>rsA * 4;
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = min(NR, nc - jr);
            const bp = packedB + <usize>(jr * kc) * 4;
            for (let ir = 0; ir < mc; ir += MR) {
              const mr = min(MR, mc - ir);
              const rowA = a + <usize>((i0 + ir) * rsA + p0) * 4;
              microKernelRowsA(rowA, lda, mr, bp, kc, c + <usize>((i0 + ir) * n + j0 + jr) * 4, n, nr, add, scratch);
            }
          }
          continue;
        }
        packA(a, rsA, csA, i0, mc, p0, kc, rowEnd, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = packedB + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            microKernel(packedA + <usize>(ir * kc) * 4, bp, kc, c + <usize>((i0 + ir) * n + j0 + jr) * 4, n, mr, nr, add, scratch);
          }
        }
      }
    }
  }
}

/** First byte after the module's static data: JavaScript hands out memory from here on. */
export function staticDataEnd(): usize {
  return __heap_base;
}
