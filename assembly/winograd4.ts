// Winograd convolution F(4×4, 3×3) (Lavin & Gray 2016) for 3×3, stride-1, undilated
// convolutions on NHWC images: each 4×4 block of outputs ("tile") costs 36 products per input ×
// output channel pair instead of 144, against F(2×2, 3×3)'s 16 per 2×2 block (winograd.ts):
// 1.78× fewer multiplications, for transforms of 6×6 patches instead of 4×4. Per tile and
// channel, the 6×6 input patch d becomes V = Bᵀ·d·B, the filter g becomes U = G·g·Gᵀ (once per
// call, winograd4FilterTransform), the 36 positions ξ meet in 36 matrix products
// M[ξ] = V[ξ]·U[ξ] over the input channels, and the output tile is Y = Aᵀ·M·A. Threads take
// ranges of tiles; every output is computed by one call in a fixed order, so results do not
// depend on how tiles are split between threads.
//
// Interpolation points 0, ±1, ±2 and ∞:
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
// Each 2-D transform is the 1-D one applied to the columns, then to the rows, through a small
// scratch area (36 vectors do not fit the 16 SIMD registers).

import { filterProducts, pixelOrZero, tileProducts } from './winograd';

// Bytes after each of a block's 36 planes (see PLANE_PAD in winograd.ts): the planes are not a
// power of two apart, so the streams of one tile do not share cache sets.
const PLANE_PAD: i32 = 64;
// After the planes: 128 bytes of spill for the gemm micro-kernel's edge tiles, then 40 vectors of
// scratch (36 for a transform's intermediate columns, 4 for one output row).
// src/backend/wasm/winograd.ts sizes the workspace the same way (F4_SCRATCH_BYTES there).
const SPILL_BYTES: usize = 128;

// x ↦ Bᵀ·x for one column or row of six vectors; output i goes to dst + i·stride.
// @ts-ignore: decorator
@inline
function inputTransform6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, stride: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const s1 = f32x4.sub(d4, f32x4.mul(four, d2)); // d4 − 4d2
  const s2 = f32x4.sub(d3, f32x4.mul(four, d1)); // d3 − 4d1
  const s3 = f32x4.sub(d4, d2);
  const s4 = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(dst + stride, f32x4.add(s1, s2));
  v128.store(dst + 2 * stride, f32x4.sub(s1, s2));
  v128.store(dst + 3 * stride, f32x4.add(s3, s4));
  v128.store(dst + 4 * stride, f32x4.sub(s3, s4));
  v128.store(dst + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * The input transform of one tile: the 6×6 patch of image `img` from pixel (ih, iw), zeros
 * outside, becomes V = Bᵀ·d·B for every group of 4 channels. Group k's 36 positions are written
 * from dst + k·groupStep, position ξ = 6·row + column planeStride bytes after position 0. `t` is
 * 36 vectors of scratch.
 */
function transformInputPatch6(img: usize, ih: i32, iw: i32, inH: i32, inW: i32, rowBytes: usize, pixelBytes: usize, dst: usize, groupStep: usize, planeStride: usize, t: usize): void {
  const inside = ih >= 0 && ih + 6 <= inH && iw >= 0 && iw + 6 <= inW;
  for (let c: usize = 0; c < pixelBytes; c += 16) {
    const b = img + c;
    // Columns: t[·][j] = Bᵀ·d[·][j], t[i][j] at t + (6i + j)·16.
    for (let j = 0; j < 6; j++) {
      if (inside) {
        const p = b + <usize>ih * rowBytes + <usize>(iw + j) * pixelBytes;
        inputTransform6(v128.load(p), v128.load(p + rowBytes), v128.load(p + 2 * rowBytes), v128.load(p + 3 * rowBytes), v128.load(p + 4 * rowBytes), v128.load(p + 5 * rowBytes), t + <usize>j * 16, 96);
      } else {
        inputTransform6(
          pixelOrZero(b, ih, iw + j, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 1, iw + j, inH, inW, rowBytes, pixelBytes),
          pixelOrZero(b, ih + 2, iw + j, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 3, iw + j, inH, inW, rowBytes, pixelBytes),
          pixelOrZero(b, ih + 4, iw + j, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 5, iw + j, inH, inW, rowBytes, pixelBytes),
          t + <usize>j * 16, 96,
        );
      }
    }
    // Rows: V[i][·] = t[i][·]·B, position ξ = 6i + j.
    for (let i = 0; i < 6; i++) {
      const r = t + <usize>i * 96;
      inputTransform6(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80), dst + <usize>(6 * i) * planeStride, planeStride);
    }
    dst += groupStep;
  }
}

/**
 * Output tiles [start, end) of y = x ⊛ w for a 3×3, stride-1, undilated convolution. Tiles are
 * numbered (n, tileRow, tileCol) over ceil(outH/4) × ceil(outW/4) tiles per image. `u` holds the
 * transformed filter, packed for the gemm micro-kernel: for each ξ, slivers of 8 output channels,
 * input-channel-major (ceil(outC/8)·8 columns, zero-padded). inC and outC must be multiples of 4,
 * inC at most 256 (one gemm depth block); `work` holds the V and M planes of `block` tiles, then
 * the scratch areas.
 */
export function winograd4Conv(
  x: usize, u: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32, block: i32,
  y: usize, start: i32, end: i32, work: usize,
): void {
  if (start >= end) return;
  const tilesW = (outW + 3) >> 2;
  const tilesPerImage = ((outH + 3) >> 2) * tilesW;
  const pixelBytes = <usize>inC * 4;
  const rowBytes = <usize>inW * pixelBytes;
  const imageBytes = <usize>inH * rowBytes;
  const outPixelBytes = <usize>outC * 4;
  const outRowBytes = <usize>outW * outPixelBytes;
  const outImageBytes = <usize>outH * outRowBytes;
  const vStride = <usize>(block * inC * 4 + PLANE_PAD);
  const mStride = <usize>(block * outC * 4 + PLANE_PAD);
  const vBlock = work;
  const mBlock = work + 36 * vStride;
  const spill = mBlock + 36 * mStride;
  const t = spill + SPILL_BYTES;
  const uStride = <usize>(inC * ((outC + 7) & ~7)) * 4;

  for (let t0 = start; t0 < end; t0 += block) {
    const nt = min(block, end - t0);

    // 1. Input transform: V[ξ][tile][channel].
    for (let tt = 0; tt < nt; tt++) {
      const tile = t0 + tt;
      const n = tile / tilesPerImage;
      const rem = tile - n * tilesPerImage;
      const th = rem / tilesW;
      const tw = rem - th * tilesW;
      transformInputPatch6(x + <usize>n * imageBytes, 4 * th - padTop, 4 * tw - padLeft, inH, inW, rowBytes, pixelBytes, vBlock + <usize>(tt * inC) * 4, 16, vStride, t);
    }

    // 2. The 36 products M[ξ] = V[ξ]·U[ξ].
    tileProducts(36, vBlock, vStride, u, uStride, mBlock, mStride, nt, inC, outC, spill);

    // 3. Output transform Y = Aᵀ·M·A, written where the tile lies inside the output.
    for (let tt = 0; tt < nt; tt++) {
      const tile = t0 + tt;
      const n = tile / tilesPerImage;
      const rem = tile - n * tilesPerImage;
      const th = rem / tilesW;
      const tw = rem - th * tilesW;
      const oh = 4 * th;
      const ow = 4 * tw;
      const rows = min(4, outH - oh);
      const cols = min(4, outW - ow);
      const out = y + <usize>n * outImageBytes + <usize>oh * outRowBytes + <usize>ow * outPixelBytes;
      const src0 = mBlock + <usize>(tt * outC) * 4;
      for (let c: usize = 0; c < outPixelBytes; c += 16) {
        // Columns: s[·][j] = Aᵀ·M[·][j], s[r][j] at t + (6r + j)·16.
        for (let j = 0; j < 6; j++) {
          const p = src0 + c + <usize>j * mStride;
          const m0 = v128.load(p), m1 = v128.load(p + 6 * mStride), m2 = v128.load(p + 12 * mStride);
          const m3 = v128.load(p + 18 * mStride), m4 = v128.load(p + 24 * mStride), m5 = v128.load(p + 30 * mStride);
          outputTransform6(m0, m1, m2, m3, m4, m5, t + <usize>j * 16, 96);
        }
        // Rows: Y[r][·] = s[r][·]·A, the four outputs of row r to a scratch row, then the ones inside.
        for (let r = 0; r < rows; r++) {
          const s = t + <usize>r * 96;
          const o = t + 576;
          outputTransform6(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), v128.load(s, 80), o, 16);
          const dst = out + <usize>r * outRowBytes + c;
          for (let q = 0; q < cols; q++) v128.store(dst + <usize>q * outPixelBytes, v128.load(o + <usize>q * 16));
        }
      }
    }
  }
}

// m ↦ Aᵀ·m for one column or row of six vectors; output r (of 4) goes to dst + r·stride.
// @ts-ignore: decorator
@inline
function outputTransform6(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, stride: usize): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, a), c));
  v128.store(dst + stride, f32x4.add(b, f32x4.mul(f32x4.splat(2), d)));
  v128.store(dst + 2 * stride, f32x4.add(a, f32x4.mul(f32x4.splat(4), c)));
  v128.store(dst + 3 * stride, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5));
}

// g ↦ G·g for one column or row of three vectors; output i (of 6) goes to dst + i·stride.
// @ts-ignore: decorator
@inline
function filterTransform3(a: v128, b: v128, c: v128, dst: usize, stride: usize): void {
  const quarterA = f32x4.mul(f32x4.splat(0.25), a);
  const sixth = f32x4.splat(<f32>1 / 6);
  const ac = f32x4.add(a, c);
  const qc = f32x4.add(quarterA, c);
  const halfB = f32x4.mul(f32x4.splat(0.5), b);
  v128.store(dst, quarterA);
  v128.store(dst + stride, f32x4.neg(f32x4.mul(sixth, f32x4.add(ac, b))));
  v128.store(dst + 2 * stride, f32x4.neg(f32x4.mul(sixth, f32x4.sub(ac, b))));
  v128.store(dst + 3 * stride, f32x4.mul(sixth, f32x4.add(qc, halfB)));
  v128.store(dst + 4 * stride, f32x4.mul(sixth, f32x4.sub(qc, halfB)));
  v128.store(dst + 5 * stride, c);
}

/**
 * Input channels [ciStart, ciEnd) of the transformed filter U = G·g·Gᵀ of w [3, 3, inC, outC]
 * into `u` in the layout winograd4Conv multiplies by: for each of the 36 positions ξ, slivers of
 * 8 output channels, input-channel-major, zero past outC. outC must be a multiple of 4; `t` is
 * 18 vectors of scratch owned by the caller.
 */
export function winograd4FilterTransform(w: usize, inC: i32, outC: i32, u: usize, ciStart: i32, ciEnd: i32, t: usize): void {
  const outPad = (outC + 7) & ~7;
  const xiBytes = <usize>(inC * outPad) * 4;
  const tapBytes = <usize>(inC * outC) * 4;
  const zero = f32x4.splat(0);
  for (let ci = ciStart; ci < ciEnd; ci++) {
    for (let co = 0; co < outPad; co += 4) {
      const sliver = co & ~7;
      const dst = u + <usize>(sliver * inC + ci * 8 + co - sliver) * 4;
      if (co >= outC) {
        for (let xi = 0; xi < 36; xi++) v128.store(dst + <usize>xi * xiBytes, zero);
        continue;
      }
      const src = w + <usize>(ci * outC + co) * 4;
      // Columns: h[·][s] = G·g[·][s], h[i][s] at t + (3i + s)·16.
      for (let s = 0; s < 3; s++) {
        const p = src + <usize>s * tapBytes;
        filterTransform3(v128.load(p), v128.load(p + 3 * tapBytes), v128.load(p + 6 * tapBytes), t + <usize>s * 16, 48);
      }
      // Rows: U[i][·] = h[i][·]·Gᵀ, position ξ = 6i + j.
      for (let i = 0; i < 6; i++) {
        const r = t + <usize>i * 48;
        filterTransform3(v128.load(r), v128.load(r, 16), v128.load(r, 32), dst + <usize>(6 * i) * xiBytes, xiBytes);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dW of the same convolutions, as F(3×3, 4×4): per 4×4 tile of dY, g, the 3×3 filter gradient is
// the correlation of the 6×6 input patch d with g. By the transposition principle (as for
// F(3×3, 2×2) in winograd.ts) its Winograd form uses the same input transform:
// dW = Gᵀ·[Σ_tiles (A·g·Aᵀ) ⊙ (Bᵀ·d·B)]·G, with A the transpose of Aᵀ above (6×4) and G as above.
// The sum over tiles is, for each of the 36 ξ, a product [inC × tiles]·[tiles × outC]. Tiles
// are cut into chunks of a size fixed by the channel counts and chunks into at most a fixed
// number of slots of consecutive chunks, as winogradFilterGrad does, so the result does not
// depend on how slots are split between threads.

// g ↦ A·g for one column or row of four vectors; output ξ (of 6) goes to dst + ξ·stride.
// @ts-ignore: decorator
@inline
function gradientTransform4(g0: v128, g1: v128, g2: v128, g3: v128, dst: usize, stride: usize): void {
  const even = f32x4.add(g0, g2), odd = f32x4.add(g1, g3);
  const four = f32x4.splat(4);
  const even4 = f32x4.add(g0, f32x4.mul(four, g2));
  const odd4 = f32x4.mul(f32x4.splat(2), f32x4.add(g1, f32x4.mul(four, g3)));
  v128.store(dst, g0);
  v128.store(dst + stride, f32x4.add(even, odd));
  v128.store(dst + 2 * stride, f32x4.sub(even, odd));
  v128.store(dst + 3 * stride, f32x4.add(even4, odd4));
  v128.store(dst + 4 * stride, f32x4.sub(even4, odd4));
  v128.store(dst + 5 * stride, g3);
}

// P ↦ Gᵀ·P for one column or row of six vectors; output r (of 3) goes to dst + r·stride.
// @ts-ignore: decorator
@inline
function filterGradTransform6(p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, p5: v128, dst: usize, stride: usize): void {
  const sixth = f32x4.splat(<f32>1 / 6);
  const s12 = f32x4.add(p1, p2), d21 = f32x4.sub(p2, p1);
  const s34 = f32x4.add(p3, p4), d34 = f32x4.sub(p3, p4);
  // r0 = ¼P0 − ⅙(P1 + P2) + (1/24)(P3 + P4)
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.splat(0.25), p0), f32x4.mul(sixth, f32x4.sub(f32x4.mul(f32x4.splat(0.25), s34), s12))));
  // r1 = ⅙(P2 − P1) + (1/12)(P3 − P4)
  v128.store(dst + stride, f32x4.mul(sixth, f32x4.add(d21, f32x4.mul(f32x4.splat(0.5), d34))));
  // r2 = ⅙(P3 + P4 − P1 − P2) + P5
  v128.store(dst + 2 * stride, f32x4.add(f32x4.mul(sixth, f32x4.sub(s34, s12)), p5));
}

/**
 * Tile `tile` (numbered as in winograd4Conv) as entry `tt` of a block of `nt` tiles: its 6×6 input
 * patch → V = Bᵀ·d·B, packed as gemm's A (slivers of 4 input channels, tile-major), ξ's plane
 * vStride bytes after ξ − 1's; its 4×4 block of dY → A·g·Aᵀ, packed as gemm's B (slivers of 8
 * output channels, zero past outC), gStride bytes per ξ. `t` is 36 vectors of scratch.
 */
function transformFilterGradTile(
  x: usize, dy: usize, tile: i32, tt: i32, nt: i32, inH: i32, inW: i32, inC: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32,
  vBlock: usize, vStride: usize, gBlock: usize, gStride: usize, t: usize,
): void {
  const tilesW = (outW + 3) >> 2;
  const tilesPerImage = ((outH + 3) >> 2) * tilesW;
  const outPad = (outC + 7) & ~7;
  const pixelBytes = <usize>inC * 4;
  const rowBytes = <usize>inW * pixelBytes;
  const imageBytes = <usize>inH * rowBytes;
  const dyPixelBytes = <usize>outC * 4;
  const dyRowBytes = <usize>outW * dyPixelBytes;
  const dyImageBytes = <usize>outH * dyRowBytes;
  const zero = f32x4.splat(0);
  const n = tile / tilesPerImage;
  const rem = tile - n * tilesPerImage;
  const th = rem / tilesW;
  const tw = rem - th * tilesW;

  // Input patch → V, packed as gemm's A: slivers of 4 channels, tile-major.
  transformInputPatch6(x + <usize>n * imageBytes, 4 * th - padTop, 4 * tw - padLeft, inH, inW, rowBytes, pixelBytes, vBlock + <usize>tt * 16, <usize>nt * 16, vStride, t);

  // dY tile → A·g·Aᵀ, packed as gemm's B: slivers of 8 channels (zero past outC), tile-major.
  const oh = 4 * th;
  const ow = 4 * tw;
  const rows = min(4, outH - oh);
  const cols = min(4, outW - ow);
  const g = dy + <usize>n * dyImageBytes + <usize>oh * dyRowBytes + <usize>ow * dyPixelBytes;
  for (let q = 0; q < outPad; q += 4) {
    const d = gBlock + <usize>((q >> 3) * nt + tt) * 32 + <usize>(q & 4) * 4;
    if (q >= outC) {
      for (let xi = 0; xi < 36; xi++) v128.store(d + <usize>xi * gStride, zero);
      continue;
    }
    const p = g + <usize>q * 4;
    // Columns: s[·][j] = A·g[·][j], s[ξ][j] at t + (4ξ + j)·16; rows and columns past dY are zero.
    for (let j = 0; j < 4; j++) {
      const c = p + <usize>j * dyPixelBytes;
      const inside = j < cols;
      gradientTransform4(
        inside ? v128.load(c) : zero,
        inside && rows > 1 ? v128.load(c + dyRowBytes) : zero,
        inside && rows > 2 ? v128.load(c + 2 * dyRowBytes) : zero,
        inside && rows > 3 ? v128.load(c + 3 * dyRowBytes) : zero,
        t + <usize>j * 16, 64,
      );
    }
    // Rows: (A·g·Aᵀ)[ξ][·] = s[ξ][·]·Aᵀ, position 6ξ + column.
    for (let xi = 0; xi < 6; xi++) {
      const r = t + <usize>xi * 64;
      gradientTransform4(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), d + <usize>(6 * xi) * gStride, gStride);
    }
  }
}

/**
 * Slots [slotStart, slotEnd) of dW's partial sums. Slot k adds up chunks [k·chunksPerSlot,
 * (k + 1)·chunksPerSlot) of `chunkTiles` tiles each, one after the other: their 36 products
 * V[ξ]ᵀ·(A·g·Aᵀ)[ξ] go to partials + k·36·inC·outC floats, [ξ][inC][outC]. inC and outC must be
 * multiples of 4; `work` holds the packed V and dY planes of `chunkTiles` tiles, then the scratch areas.
 */
export function winograd4FilterGrad(
  x: usize, dy: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32, chunkTiles: i32, chunksPerSlot: i32,
  partials: usize, slotStart: i32, slotEnd: i32, work: usize,
): void {
  if (slotStart >= slotEnd) return;
  const totalTiles = batch * ((outH + 3) >> 2) * ((outW + 3) >> 2);
  const outPad = (outC + 7) & ~7;
  const vStride = <usize>(chunkTiles * inC * 4 + PLANE_PAD);
  const gStride = <usize>(chunkTiles * outPad * 4 + PLANE_PAD);
  const vBlock = work;
  const gBlock = work + 36 * vStride;
  const spill = gBlock + 36 * gStride;
  const t = spill + SPILL_BYTES;
  const slotBytes = <usize>(36 * inC * outC) * 4;

  const totalChunks = (totalTiles + chunkTiles - 1) / chunkTiles;
  const chunkEnd = min(totalChunks, slotEnd * chunksPerSlot);
  for (let chunk = slotStart * chunksPerSlot; chunk < chunkEnd; chunk++) {
    const t0 = chunk * chunkTiles;
    const nt = min(chunkTiles, totalTiles - t0);
    const first = chunk % chunksPerSlot == 0;
    for (let tt = 0; tt < nt; tt++) {
      transformFilterGradTile(x, dy, t0 + tt, tt, nt, inH, inW, inC, padTop, padLeft, outH, outW, outC, vBlock, vStride, gBlock, gStride, t);
    }

    // The 36 products over this chunk's tiles, into (or onto) its slot.
    filterProducts(36, vBlock, vStride, gBlock, gStride, partials + <usize>(chunk / chunksPerSlot) * slotBytes, nt, inC, outC, !first, spill);
  }
}

// The same dW in two stages over large blocks of tiles whose planes live in memory the caller
// allocates rather than in a thread's workspace: winograd4FilterGradPlanes transforms a block's
// tiles (threads take ranges of tiles), then winograd4FilterGradPlaneProducts adds its 36
// products onto the sums (threads take ranges of ξ). The products' inner dimension is then the
// whole block, hundreds of tiles instead of the few dozen a workspace holds at 128 channels and
// more, and each ξ's inC × outC sum is read and written once per block. Blocks are added in
// order, so the result does not depend on the thread count either.

/** Bytes from one ξ's plane of `nt` tiles × `channels` to the next (src/backend/wasm/winograd.ts sizes blocks the same way). */
// @ts-ignore: decorator
@inline
function planeStride(nt: i32, channels: i32): usize {
  return <usize>(nt * channels * 4 + PLANE_PAD);
}

/**
 * Tiles [t0 + start, t0 + end) of a block of `nt` tiles from t0 into the block's planes at
 * `planes`: 36 V planes (vStride bytes apart), then 36 dY planes (gStride apart), laid out as
 * winograd4FilterGrad's. `work` is 36 vectors of scratch.
 */
export function winograd4FilterGradPlanes(
  x: usize, dy: usize, inH: i32, inW: i32, inC: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32,
  t0: i32, nt: i32, planes: usize, start: i32, end: i32, work: usize,
): void {
  const vStride = planeStride(nt, inC);
  const gStride = planeStride(nt, (outC + 7) & ~7);
  const gBlock = planes + 36 * vStride;
  for (let tt = start; tt < end; tt++) {
    transformFilterGradTile(x, dy, t0 + tt, tt, nt, inH, inW, inC, padTop, padLeft, outH, outW, outC, planes, vStride, gBlock, gStride, work);
  }
}

/**
 * Positions [xiStart, xiEnd) of a planes block's products: sums[ξ] (+)= V[ξ]ᵀ·G[ξ] over its
 * `nt` tiles, sums [36][inC][outC] (added to when `accumulate`). `work` is the micro-kernel's spill.
 */
export function winograd4FilterGradPlaneProducts(planes: usize, nt: i32, inC: i32, outC: i32, sums: usize, accumulate: bool, xiStart: i32, xiEnd: i32, work: usize): void {
  if (xiStart >= xiEnd) return;
  const vStride = planeStride(nt, inC);
  const gStride = planeStride(nt, (outC + 7) & ~7);
  const first = <usize>xiStart;
  filterProducts(xiEnd - xiStart, planes + first * vStride, vStride, planes + 36 * vStride + first * gStride, gStride, sums + first * <usize>(inC * outC) * 4, nt, inC, outC, accumulate, work);
}

/**
 * Input channels [ciStart, ciEnd) of dW [3, 3, inC, outC]: the slots of winograd4FilterGrad
 * added in order, then Gᵀ·P·G. `t` is 54 vectors of scratch owned by the caller.
 */
export function winograd4FilterGradReduce(partials: usize, slots: i32, inC: i32, outC: i32, dw: usize, ciStart: i32, ciEnd: i32, t: usize): void {
  const slotBytes = <usize>(36 * inC * outC) * 4;
  const xiBytes = <usize>(inC * outC) * 4;
  const tapBytes = xiBytes;
  const q = t + 36 * 16;
  for (let ci = ciStart; ci < ciEnd; ci++) {
    for (let co = 0; co < outC; co += 4) {
      const at = <usize>(ci * outC + co) * 4;
      // P[ξ] summed over the slots in order, to t + ξ·16.
      for (let xi = 0; xi < 36; xi++) {
        let p = partials + at + <usize>xi * xiBytes;
        let sum = v128.load(p);
        for (let k = 1; k < slots; k++) {
          p += slotBytes;
          sum = f32x4.add(sum, v128.load(p));
        }
        v128.store(t + <usize>xi * 16, sum);
      }
      // Columns: q[·][b] = Gᵀ·P[·][b], q[r][b] at q + (6r + b)·16.
      for (let b = 0; b < 6; b++) {
        const c = t + <usize>b * 16;
        filterGradTransform6(v128.load(c), v128.load(c, 96), v128.load(c, 192), v128.load(c, 288), v128.load(c, 384), v128.load(c, 480), q + <usize>b * 16, 96);
      }
      // Rows: dW[r][·] = q[r][·]·G, at tap (r, s).
      for (let r = 0; r < 3; r++) {
        const c = q + <usize>r * 96;
        filterGradTransform6(v128.load(c), v128.load(c, 16), v128.load(c, 32), v128.load(c, 48), v128.load(c, 64), v128.load(c, 80), dw + at + <usize>(3 * r) * tapBytes, tapBytes);
      }
    }
  }
}
