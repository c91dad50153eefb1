// Winograd convolution F(2×2, 3×3) (Lavin & Gray 2016) for 3×3, stride-1, undilated
// convolutions on NHWC images: each 2×2 block of outputs ("tile") costs 16 products per input ×
// output channel pair instead of 36. Per tile and channel, the 4×4 input patch d becomes
// V = Bᵀ·d·B, the 3×3 filter g becomes U = G·g·Gᵀ (once per call, winogradFilterTransform), the 16 positions ξ of
// V and U meet in 16 small matrix products M[ξ] = V[ξ]·U[ξ] over the input channels, and the
// output tile is Y = Aᵀ·M·A. Threads take ranges of tiles; within a range, blocks of tiles are
// transformed, multiplied and written back while they are in cache. Every output is computed by
// one call in a fixed order, so results do not depend on how tiles are split between threads.
//
// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], Aᵀ = [1 1 1 0; 0 1 −1 −1].

import { microKernel, microKernelRowsA } from './gemm';

// Bytes between the 16 planes of a block beyond the plane itself: without it the planes lie a
// power of two apart for the usual channel counts, and the 16 streams that every tile reads or
// writes fall into the same few cache sets. The per-thread workspace holds the 16 planes of each
// of the two operands, padded so, then a 128-byte spill area; src/backend/wasm/winograd.ts sizes
// blocks and chunks to fit it (PLANE_PAD there too).
const PLANE_PAD: i32 = 64;

// The four columns of Bᵀ·d for one column of d (rows r0..r3), as in the header.
// @ts-ignore: decorator
@inline
function storeInputTile(
  d00: v128, d01: v128, d02: v128, d03: v128,
  d10: v128, d11: v128, d12: v128, d13: v128,
  d20: v128, d21: v128, d22: v128, d23: v128,
  d30: v128, d31: v128, d32: v128, d33: v128,
  dst: usize, stride: usize,
): void {
  // Rows: t = Bᵀ·d.
  const t00 = f32x4.sub(d00, d20), t01 = f32x4.sub(d01, d21), t02 = f32x4.sub(d02, d22), t03 = f32x4.sub(d03, d23);
  const t10 = f32x4.add(d10, d20), t11 = f32x4.add(d11, d21), t12 = f32x4.add(d12, d22), t13 = f32x4.add(d13, d23);
  const t20 = f32x4.sub(d20, d10), t21 = f32x4.sub(d21, d11), t22 = f32x4.sub(d22, d12), t23 = f32x4.sub(d23, d13);
  const t30 = f32x4.sub(d10, d30), t31 = f32x4.sub(d11, d31), t32 = f32x4.sub(d12, d32), t33 = f32x4.sub(d13, d33);
  // Columns: V = t·B, position ξ = 4·row + column, each ξ `stride` bytes apart.
  let p = dst;
  v128.store(p, f32x4.sub(t00, t02)); p += stride;
  v128.store(p, f32x4.add(t01, t02)); p += stride;
  v128.store(p, f32x4.sub(t02, t01)); p += stride;
  v128.store(p, f32x4.sub(t01, t03)); p += stride;
  v128.store(p, f32x4.sub(t10, t12)); p += stride;
  v128.store(p, f32x4.add(t11, t12)); p += stride;
  v128.store(p, f32x4.sub(t12, t11)); p += stride;
  v128.store(p, f32x4.sub(t11, t13)); p += stride;
  v128.store(p, f32x4.sub(t20, t22)); p += stride;
  v128.store(p, f32x4.add(t21, t22)); p += stride;
  v128.store(p, f32x4.sub(t22, t21)); p += stride;
  v128.store(p, f32x4.sub(t21, t23)); p += stride;
  v128.store(p, f32x4.sub(t30, t32)); p += stride;
  v128.store(p, f32x4.add(t31, t32)); p += stride;
  v128.store(p, f32x4.sub(t32, t31)); p += stride;
  v128.store(p, f32x4.sub(t31, t33));
}

// Four channels of input pixel (ih, iw), or zeros outside the image.
// @ts-ignore: decorator
@inline
export function pixelOrZero(img: usize, ih: i32, iw: i32, inH: i32, inW: i32, rowBytes: usize, pixelBytes: usize): v128 {
  return ih >= 0 && ih < inH && iw >= 0 && iw < inW ? v128.load(img + <usize>ih * rowBytes + <usize>iw * pixelBytes) : f32x4.splat(0);
}

/**
 * The product stage of the forward kernels (winogradConv, winograd4Conv): for each of the
 * `positions` ξ, M[ξ] = V[ξ]·U[ξ] for a block of nt tiles. V[ξ] is [nt][inC] row-major,
 * vStride bytes per ξ; U[ξ] the filter packed in slivers of 8 output channels, uStride bytes per
 * ξ; M[ξ] [nt][outC], mStride bytes per ξ. 4×8 tiles of each, the filter sliver held in cache.
 */
export function tileProducts(positions: i32, vBlock: usize, vStride: usize, u: usize, uStride: usize, mBlock: usize, mStride: usize, nt: i32, inC: i32, outC: i32, spill: usize): void {
  const lda = <usize>inC * 4;
  for (let xi = 0; xi < positions; xi++) {
    const a = vBlock + <usize>xi * vStride;
    const c = mBlock + <usize>xi * mStride;
    const ub = u + <usize>xi * uStride;
    for (let jr = 0; jr < outC; jr += 8) {
      const nr = min(8, outC - jr);
      const bp = ub + <usize>(jr * inC) * 4;
      for (let ir = 0; ir < nt; ir += 4) {
        microKernelRowsA(a + <usize>(ir * inC) * 4, lda, min(4, nt - ir), bp, inC, c + <usize>(ir * outC + jr) * 4, outC, nr, false, spill);
      }
    }
  }
}

/**
 * The product stage of the dW kernels (winogradFilterGrad, winograd4FilterGrad): for each of the
 * `positions` ξ, slot[ξ] (+)= V[ξ]ᵀ·G[ξ] over a chunk of nt tiles. V[ξ] is packed as gemm's A
 * (slivers of 4 input channels, tile-major), vStride bytes per ξ; G[ξ] as gemm's B (slivers of
 * 8 output channels, tile-major), gStride bytes per ξ; slot[ξ] is [inC][outC].
 */
export function filterProducts(positions: i32, vBlock: usize, vStride: usize, gBlock: usize, gStride: usize, slot: usize, nt: i32, inC: i32, outC: i32, accumulate: bool, spill: usize): void {
  const xiBytes = <usize>(inC * outC) * 4;
  for (let xi = 0; xi < positions; xi++) {
    const a = vBlock + <usize>xi * vStride;
    const b = gBlock + <usize>xi * gStride;
    const c = slot + <usize>xi * xiBytes;
    for (let jr = 0; jr < outC; jr += 8) {
      const bp = b + <usize>((jr >> 3) * nt) * 32;
      const nr = min(8, outC - jr);
      for (let ir = 0; ir < inC; ir += 4) {
        microKernel(a + <usize>((ir >> 2) * nt) * 16, bp, nt, c + <usize>(ir * outC + jr) * 4, outC, 4, nr, accumulate, spill);
      }
    }
  }
}

/**
 * The input transform of one tile: the 4×4 patch of image `img` from pixel (ih, iw), zeros
 * outside, becomes V = Bᵀ·d·B for every group of 4 channels. Group k's 16 positions are written
 * from dst + k·groupStep, position ξ planeStride bytes after position 0.
 */
function transformInputPatch(img: usize, ih: i32, iw: i32, inH: i32, inW: i32, rowBytes: usize, pixelBytes: usize, dst: usize, groupStep: usize, planeStride: usize): void {
  if (ih >= 0 && ih + 4 <= inH && iw >= 0 && iw + 4 <= inW) {
    const p0 = img + <usize>ih * rowBytes + <usize>iw * pixelBytes;
    for (let c: usize = 0; c < pixelBytes; c += 16) {
      const r0 = p0 + c, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
      storeInputTile(
        v128.load(r0), v128.load(r0 + pixelBytes), v128.load(r0 + 2 * pixelBytes), v128.load(r0 + 3 * pixelBytes),
        v128.load(r1), v128.load(r1 + pixelBytes), v128.load(r1 + 2 * pixelBytes), v128.load(r1 + 3 * pixelBytes),
        v128.load(r2), v128.load(r2 + pixelBytes), v128.load(r2 + 2 * pixelBytes), v128.load(r2 + 3 * pixelBytes),
        v128.load(r3), v128.load(r3 + pixelBytes), v128.load(r3 + 2 * pixelBytes), v128.load(r3 + 3 * pixelBytes),
        dst, planeStride,
      );
      dst += groupStep;
    }
    return;
  }
  for (let c: usize = 0; c < pixelBytes; c += 16) {
    const b = img + c;
    storeInputTile(
      pixelOrZero(b, ih, iw, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih, iw + 1, inH, inW, rowBytes, pixelBytes),
      pixelOrZero(b, ih, iw + 2, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih, iw + 3, inH, inW, rowBytes, pixelBytes),
      pixelOrZero(b, ih + 1, iw, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 1, iw + 1, inH, inW, rowBytes, pixelBytes),
      pixelOrZero(b, ih + 1, iw + 2, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 1, iw + 3, inH, inW, rowBytes, pixelBytes),
      pixelOrZero(b, ih + 2, iw, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 2, iw + 1, inH, inW, rowBytes, pixelBytes),
      pixelOrZero(b, ih + 2, iw + 2, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 2, iw + 3, inH, inW, rowBytes, pixelBytes),
      pixelOrZero(b, ih + 3, iw, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 3, iw + 1, inH, inW, rowBytes, pixelBytes),
      pixelOrZero(b, ih + 3, iw + 2, inH, inW, rowBytes, pixelBytes), pixelOrZero(b, ih + 3, iw + 3, inH, inW, rowBytes, pixelBytes),
      dst, planeStride,
    );
    dst += groupStep;
  }
}

/**
 * Output tiles [start, end) of y = x ⊛ w for a 3×3, stride-1, undilated convolution. Tiles are
 * numbered (n, tileRow, tileCol) over ceil(outH/2) × ceil(outW/2) tiles per image. `u` holds the
 * transformed filter, packed for the gemm micro-kernel: for each ξ, slivers of 8 output channels,
 * input-channel-major (ceil(outC/8)·8 columns, zero-padded). inC and outC must be multiples of 4,
 * inC at most 256 (one gemm depth block); `work` holds the V and M planes of `block` tiles.
 */
export function winogradConv(
  x: usize, u: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32, block: i32,
  y: usize, start: i32, end: i32, work: usize,
): void {
  if (start >= end) return;
  const tilesW = (outW + 1) >> 1;
  const tilesPerImage = ((outH + 1) >> 1) * tilesW;
  const pixelBytes = <usize>inC * 4;
  const rowBytes = <usize>inW * pixelBytes;
  const imageBytes = <usize>inH * rowBytes;
  const outPixelBytes = <usize>outC * 4;
  const outRowBytes = <usize>outW * outPixelBytes;
  const outImageBytes = <usize>outH * outRowBytes;
  const vStride = <usize>(block * inC * 4 + PLANE_PAD);
  const mStride = <usize>(block * outC * 4 + PLANE_PAD);
  const vBlock = work;
  const mBlock = work + 16 * vStride;
  const scratch = mBlock + 16 * mStride;
  const uStride = <usize>(inC * ((outC + 7) & ~7)) * 4;

  for (let t0 = start; t0 < end; t0 += block) {
    const nt = min(block, end - t0);

    // 1. Input transform: V[ξ][tile][channel].
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      const n = t / tilesPerImage;
      const rem = t - n * tilesPerImage;
      const th = rem / tilesW;
      const tw = rem - th * tilesW;
      const ih = 2 * th - padTop;
      const iw = 2 * tw - padLeft;
      transformInputPatch(x + <usize>n * imageBytes, ih, iw, inH, inW, rowBytes, pixelBytes, vBlock + <usize>(tt * inC) * 4, 16, vStride);
    }

    // 2. The 16 products M[ξ] = V[ξ]·U[ξ].
    tileProducts(16, vBlock, vStride, u, uStride, mBlock, mStride, nt, inC, outC, scratch);

    // 3. Output transform Y = Aᵀ·M·A, written where the tile lies inside the output.
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      const n = t / tilesPerImage;
      const rem = t - n * tilesPerImage;
      const th = rem / tilesW;
      const tw = rem - th * tilesW;
      const oh = 2 * th;
      const ow = 2 * tw;
      const down = oh + 1 < outH;
      const right = ow + 1 < outW;
      const out = y + <usize>n * outImageBytes + <usize>oh * outRowBytes + <usize>ow * outPixelBytes;
      const src0 = mBlock + <usize>(tt * outC) * 4;
      for (let c: usize = 0, cEnd = outPixelBytes; c < cEnd; c += 16) {
        let p = src0 + c;
        const m00 = v128.load(p); p += mStride;
        const m01 = v128.load(p); p += mStride;
        const m02 = v128.load(p); p += mStride;
        const m03 = v128.load(p); p += mStride;
        const m10 = v128.load(p); p += mStride;
        const m11 = v128.load(p); p += mStride;
        const m12 = v128.load(p); p += mStride;
        const m13 = v128.load(p); p += mStride;
        const m20 = v128.load(p); p += mStride;
        const m21 = v128.load(p); p += mStride;
        const m22 = v128.load(p); p += mStride;
        const m23 = v128.load(p); p += mStride;
        const m30 = v128.load(p); p += mStride;
        const m31 = v128.load(p); p += mStride;
        const m32 = v128.load(p); p += mStride;
        const m33 = v128.load(p);
        // Rows: s = Aᵀ·M.
        const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
        const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
        const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
        // Columns: Y = s·A.
        const o = out + c;
        v128.store(o, f32x4.add(f32x4.add(s00, s01), s02));
        if (right) v128.store(o + outPixelBytes, f32x4.sub(f32x4.sub(s01, s02), s03));
        if (down) {
          v128.store(o + outRowBytes, f32x4.add(f32x4.add(s10, s11), s12));
          if (right) v128.store(o + outRowBytes + outPixelBytes, f32x4.sub(f32x4.sub(s11, s12), s13));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dW of the same convolutions, as F(3×3, 2×2): per output tile, the 3×3 filter gradient is the
// correlation of the 4×4 input patch d with the 2×2 tile of dY, g. By the transposition principle
// its Winograd form uses the same input transform: dW = Gᵀ·[Σ_tiles (A·g·Aᵀ) ⊙ (Bᵀ·d·B)]·G, with
// A = [1 0; 1 1; 1 −1; 0 −1] and Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]. The sum over tiles is, for
// each ξ, a product of [inC × tiles] by [tiles × outC]: a long inner dimension, as gemm likes.
// Tiles are cut into chunks of a size fixed by the channel counts, and chunks into at most 32
// slots of consecutive chunks (a count fixed by the geometry); each slot adds its chunks' 16
// products one after the other, and the slots are added in order, so the result does not depend
// on how slots are split between threads, and the partial sums take at most 32 slots of memory.

/**
 * Slots [slotStart, slotEnd) of dW's partial sums. Slot k adds up chunks [k·chunksPerSlot,
 * (k + 1)·chunksPerSlot) of `chunkTiles` tiles each, one after the other: their 16 products
 * V[ξ]ᵀ·(A·g·Aᵀ)[ξ] go to partials + k·16·inC·outC floats, [ξ][inC][outC]. inC and outC must be
 * multiples of 4; `work` holds the packed V and dY planes of `chunkTiles` tiles.
 */
export function winogradFilterGrad(
  x: usize, dy: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32, chunkTiles: i32, chunksPerSlot: i32,
  partials: usize, slotStart: i32, slotEnd: i32, work: usize,
): void {
  if (slotStart >= slotEnd) return;
  const tilesW = (outW + 1) >> 1;
  const tilesPerImage = ((outH + 1) >> 1) * tilesW;
  const totalTiles = batch * tilesPerImage;
  const outPad = (outC + 7) & ~7;
  const pixelBytes = <usize>inC * 4;
  const rowBytes = <usize>inW * pixelBytes;
  const imageBytes = <usize>inH * rowBytes;
  const dyPixelBytes = <usize>outC * 4;
  const dyRowBytes = <usize>outW * dyPixelBytes;
  const dyImageBytes = <usize>outH * dyRowBytes;
  const vStride = <usize>(chunkTiles * inC * 4 + PLANE_PAD);
  const gStride = <usize>(chunkTiles * outPad * 4 + PLANE_PAD);
  const vBlock = work;
  const gBlock = work + 16 * vStride;
  const scratch = gBlock + 16 * gStride;
  const slotBytes = <usize>(16 * inC * outC) * 4;
  const zero = f32x4.splat(0);

  const totalChunks = (totalTiles + chunkTiles - 1) / chunkTiles;
  const chunkEnd = min(totalChunks, slotEnd * chunksPerSlot);
  for (let chunk = slotStart * chunksPerSlot; chunk < chunkEnd; chunk++) {
    const t0 = chunk * chunkTiles;
    const nt = min(chunkTiles, totalTiles - t0);
    const first = chunk % chunksPerSlot == 0;
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      const n = t / tilesPerImage;
      const rem = t - n * tilesPerImage;
      const th = rem / tilesW;
      const tw = rem - th * tilesW;

      // Input patch → V, packed as gemm's A: slivers of 4 channels, tile-major.
      const ih = 2 * th - padTop;
      const iw = 2 * tw - padLeft;
      transformInputPatch(x + <usize>n * imageBytes, ih, iw, inH, inW, rowBytes, pixelBytes, vBlock + <usize>tt * 16, <usize>nt * 16, vStride);

      // dY tile → A·g·Aᵀ, packed as gemm's B: slivers of 8 channels (zero past outC), tile-major.
      const oh = 2 * th;
      const ow = 2 * tw;
      const down = oh + 1 < outH;
      const right = ow + 1 < outW;
      const g = dy + <usize>n * dyImageBytes + <usize>oh * dyRowBytes + <usize>ow * dyPixelBytes;
      for (let q = 0; q < outPad; q += 4) {
        let d = gBlock + <usize>((q >> 3) * nt + tt) * 32 + <usize>(q & 4) * 4;
        if (q >= outC) {
          for (let xi = 0; xi < 16; xi++) {
            v128.store(d, zero);
            d += gStride;
          }
          continue;
        }
        const p = g + <usize>q * 4;
        const g00 = v128.load(p);
        const g01 = right ? v128.load(p + dyPixelBytes) : zero;
        const g10 = down ? v128.load(p + dyRowBytes) : zero;
        const g11 = down && right ? v128.load(p + dyRowBytes + dyPixelBytes) : zero;
        // Rows of A·g: (g0), (g0 + g1), (g0 − g1), (−g1); then each row (u0, u1) → (u0, u0 + u1, u0 − u1, −u1).
        const u10 = f32x4.add(g00, g10), u11 = f32x4.add(g01, g11);
        const u20 = f32x4.sub(g00, g10), u21 = f32x4.sub(g01, g11);
        const u30 = f32x4.neg(g10), u31 = f32x4.neg(g11);
        v128.store(d, g00); d += gStride;
        v128.store(d, f32x4.add(g00, g01)); d += gStride;
        v128.store(d, f32x4.sub(g00, g01)); d += gStride;
        v128.store(d, f32x4.neg(g01)); d += gStride;
        v128.store(d, u10); d += gStride;
        v128.store(d, f32x4.add(u10, u11)); d += gStride;
        v128.store(d, f32x4.sub(u10, u11)); d += gStride;
        v128.store(d, f32x4.neg(u11)); d += gStride;
        v128.store(d, u20); d += gStride;
        v128.store(d, f32x4.add(u20, u21)); d += gStride;
        v128.store(d, f32x4.sub(u20, u21)); d += gStride;
        v128.store(d, f32x4.neg(u21)); d += gStride;
        v128.store(d, u30); d += gStride;
        v128.store(d, f32x4.add(u30, u31)); d += gStride;
        v128.store(d, f32x4.sub(u30, u31)); d += gStride;
        v128.store(d, f32x4.neg(u31));
      }
    }

    // The 16 products over this chunk's tiles, into (or onto) its slot.
    filterProducts(16, vBlock, vStride, gBlock, gStride, partials + <usize>(chunk / chunksPerSlot) * slotBytes, nt, inC, outC, !first, scratch);
  }
}

/**
 * Input channels [ciStart, ciEnd) of dW [3, 3, inC, outC]: the slots added in order, then Gᵀ·P·G.
 */
export function winogradFilterGradReduce(partials: usize, chunks: i32, inC: i32, outC: i32, dw: usize, ciStart: i32, ciEnd: i32): void {
  const slotBytes = <usize>(16 * inC * outC) * 4;
  const xiBytes = <usize>(inC * outC) * 4;
  const tapBytes = xiBytes;
  const half = f32x4.splat(0.5);
  for (let ci = ciStart; ci < ciEnd; ci++) {
    for (let co = 0; co < outC; co += 4) {
      const at = <usize>(ci * outC + co) * 4;
      // P[ξ] summed over the chunks in order, ξ = 4a + b.
      let p = partials + at;
      let p00 = v128.load(p), p01 = v128.load(p + xiBytes), p02 = v128.load(p + 2 * xiBytes), p03 = v128.load(p + 3 * xiBytes);
      let p10 = v128.load(p + 4 * xiBytes), p11 = v128.load(p + 5 * xiBytes), p12 = v128.load(p + 6 * xiBytes), p13 = v128.load(p + 7 * xiBytes);
      let p20 = v128.load(p + 8 * xiBytes), p21 = v128.load(p + 9 * xiBytes), p22 = v128.load(p + 10 * xiBytes), p23 = v128.load(p + 11 * xiBytes);
      let p30 = v128.load(p + 12 * xiBytes), p31 = v128.load(p + 13 * xiBytes), p32 = v128.load(p + 14 * xiBytes), p33 = v128.load(p + 15 * xiBytes);
      for (let k = 1; k < chunks; k++) {
        p += slotBytes;
        p00 = f32x4.add(p00, v128.load(p)); p01 = f32x4.add(p01, v128.load(p + xiBytes));
        p02 = f32x4.add(p02, v128.load(p + 2 * xiBytes)); p03 = f32x4.add(p03, v128.load(p + 3 * xiBytes));
        p10 = f32x4.add(p10, v128.load(p + 4 * xiBytes)); p11 = f32x4.add(p11, v128.load(p + 5 * xiBytes));
        p12 = f32x4.add(p12, v128.load(p + 6 * xiBytes)); p13 = f32x4.add(p13, v128.load(p + 7 * xiBytes));
        p20 = f32x4.add(p20, v128.load(p + 8 * xiBytes)); p21 = f32x4.add(p21, v128.load(p + 9 * xiBytes));
        p22 = f32x4.add(p22, v128.load(p + 10 * xiBytes)); p23 = f32x4.add(p23, v128.load(p + 11 * xiBytes));
        p30 = f32x4.add(p30, v128.load(p + 12 * xiBytes)); p31 = f32x4.add(p31, v128.load(p + 13 * xiBytes));
        p32 = f32x4.add(p32, v128.load(p + 14 * xiBytes)); p33 = f32x4.add(p33, v128.load(p + 15 * xiBytes));
      }
      // Rows: q = Gᵀ·P (3 × 4): q0 = P0 + ½(P1 + P2), q1 = ½(P1 − P2), q2 = ½(P1 + P2) + P3.
      const s0 = f32x4.mul(half, f32x4.add(p10, p20)), s1 = f32x4.mul(half, f32x4.add(p11, p21));
      const s2 = f32x4.mul(half, f32x4.add(p12, p22)), s3 = f32x4.mul(half, f32x4.add(p13, p23));
      const q00 = f32x4.add(p00, s0), q01 = f32x4.add(p01, s1), q02 = f32x4.add(p02, s2), q03 = f32x4.add(p03, s3);
      const q10 = f32x4.mul(half, f32x4.sub(p10, p20)), q11 = f32x4.mul(half, f32x4.sub(p11, p21));
      const q12 = f32x4.mul(half, f32x4.sub(p12, p22)), q13 = f32x4.mul(half, f32x4.sub(p13, p23));
      const q20 = f32x4.add(s0, p30), q21 = f32x4.add(s1, p31), q22 = f32x4.add(s2, p32), q23 = f32x4.add(s3, p33);
      // Columns: dW[r] = (q_r0 + ½(q_r1 + q_r2), ½(q_r1 − q_r2), ½(q_r1 + q_r2) + q_r3), at tap (r, s).
      const out = dw + at;
      let h = f32x4.mul(half, f32x4.add(q01, q02));
      v128.store(out, f32x4.add(q00, h));
      v128.store(out + tapBytes, f32x4.mul(half, f32x4.sub(q01, q02)));
      v128.store(out + 2 * tapBytes, f32x4.add(h, q03));
      h = f32x4.mul(half, f32x4.add(q11, q12));
      v128.store(out + 3 * tapBytes, f32x4.add(q10, h));
      v128.store(out + 4 * tapBytes, f32x4.mul(half, f32x4.sub(q11, q12)));
      v128.store(out + 5 * tapBytes, f32x4.add(h, q13));
      h = f32x4.mul(half, f32x4.add(q21, q22));
      v128.store(out + 6 * tapBytes, f32x4.add(q20, h));
      v128.store(out + 7 * tapBytes, f32x4.mul(half, f32x4.sub(q21, q22)));
      v128.store(out + 8 * tapBytes, f32x4.add(h, q23));
    }
  }
}

/**
 * Input channels [ciStart, ciEnd) of the transformed filter U = G·g·Gᵀ of w [3, 3, inC, outC],
 * G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], into `u` in the layout winogradConv multiplies by: for each
 * of the 16 positions ξ, slivers of 8 output channels, input-channel-major, zero past outC.
 * outC must be a multiple of 4.
 */
export function winogradFilterTransform(w: usize, inC: i32, outC: i32, u: usize, ciStart: i32, ciEnd: i32): void {
  const outPad = (outC + 7) & ~7;
  const xiBytes = <usize>(inC * outPad) * 4;
  const tapBytes = <usize>(inC * outC) * 4;
  const half = f32x4.splat(0.5);
  const zero = f32x4.splat(0);
  for (let ci = ciStart; ci < ciEnd; ci++) {
    for (let co = 0; co < outPad; co += 4) {
      const sliver = co & ~7;
      let dst = u + <usize>(sliver * inC + ci * 8 + co - sliver) * 4;
      if (co >= outC) {
        for (let xi = 0; xi < 16; xi++) {
          v128.store(dst, zero);
          dst += xiBytes;
        }
        continue;
      }
      const src = w + <usize>(ci * outC + co) * 4;
      const g00 = v128.load(src), g01 = v128.load(src + tapBytes), g02 = v128.load(src + 2 * tapBytes);
      const g10 = v128.load(src + 3 * tapBytes), g11 = v128.load(src + 4 * tapBytes), g12 = v128.load(src + 5 * tapBytes);
      const g20 = v128.load(src + 6 * tapBytes), g21 = v128.load(src + 7 * tapBytes), g22 = v128.load(src + 8 * tapBytes);
      // Rows of G·g (4 × 3): g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2.
      const e0 = f32x4.add(g00, g20), e1 = f32x4.add(g01, g21), e2 = f32x4.add(g02, g22);
      const q10 = f32x4.mul(half, f32x4.add(e0, g10)), q11 = f32x4.mul(half, f32x4.add(e1, g11)), q12 = f32x4.mul(half, f32x4.add(e2, g12));
      const q20 = f32x4.mul(half, f32x4.sub(e0, g10)), q21 = f32x4.mul(half, f32x4.sub(e1, g11)), q22 = f32x4.mul(half, f32x4.sub(e2, g12));
      // Each row (a, b, c) of G·g becomes (a, ½(a + b + c), ½(a − b + c), c): positions 4·row + 0…3.
      dst = storeFilterRow(g00, g01, g02, half, dst, xiBytes);
      dst = storeFilterRow(q10, q11, q12, half, dst, xiBytes);
      dst = storeFilterRow(q20, q21, q22, half, dst, xiBytes);
      storeFilterRow(g20, g21, g22, half, dst, xiBytes);
    }
  }
}

// One row (a, b, c) of G·g times Gᵀ: four positions, xiBytes apart; returns the address after them.
// @ts-ignore: decorator
@inline
function storeFilterRow(a: v128, b: v128, c: v128, half: v128, dst: usize, xiBytes: usize): usize {
  const ac = f32x4.add(a, c);
  v128.store(dst, a);
  v128.store(dst + xiBytes, f32x4.mul(half, f32x4.add(ac, b)));
  v128.store(dst + 2 * xiBytes, f32x4.mul(half, f32x4.sub(ac, b)));
  v128.store(dst + 3 * xiBytes, c);
  return dst + 4 * xiBytes;
}
