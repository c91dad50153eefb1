// Direct convolutions: an implicit im2col, for the patches where writing and rereading the patch
// matrix costs more than the arithmetic — above all the first layer of a network (inC 1–3,
// kernel 3×3 or 5×5), where im2col copies 1–3 floats at a time and gemm sets up 4×8 tiles for an
// inner dimension of 9 or 27. NHWC images, filters [kH, kW, inC, outC], patch entries in
// (kh, kw, c) order, as src/backend/js/conv.ts; any stride, dilation and integer padding. Which
// geometries come here: src/backend/wasm/conv-direct.ts.
//
// Both kernels read the input through a zero-padded window in the calling thread's workspace: a
// band of output rows at a time, the input rows it needs are copied there with the padding (and
// any cropping) already applied, so the inner loops never test bounds. Within a window, patch
// entry t of the pixel whose window origin is `base` sits at base + offs[t], one table for all
// pixels (the implicit im2col).
//
// Workspace layout (the per-thread gemm workspace, see directConvWorkspaceBytes in
// src/backend/wasm/conv-direct.ts, which must agree):
//   spill (128 B) | offs: patch i32 (to 64 B) | packed filter: nb·patch·8 f32 (to 64 B) | window

import { gemmWorkspaceBytes, storeTile } from './gemm';
import { copyF32, zeroF32 } from './util';

/** Output pixels per forward tile (consecutive pixels of one output row). */
const PX: i32 = 4;
/** Output channels per block: two f32x4. */
const CB: i32 = 8;
/** Patch entries per backward-filter tile. */
const TT: i32 = 4;
const SPILL_BYTES: usize = 128;
/**
 * Bytes of window and per-pixel data a band should keep in cache: the forward kernel reads its
 * window once, tile by tile, so it only bounds the copy; the filter kernel rereads the band's
 * window and dY for every patch tile, so it keeps them in L1.
 */
const FORWARD_BAND_BYTES: i32 = 64 << 10;
const FILTER_BAND_BYTES: i32 = 24 << 10;

// @ts-ignore: decorator
@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

/**
 * Pixels per window row: every column an output row reads, plus room for the 3 pixels a partial
 * forward tile computes past the row's end (results that are never stored).
 */
// @ts-ignore: decorator
@inline function windowStride(outW: i32, strideW: i32, kW: i32, dilationW: i32): i32 {
  return (outW + PX - 2) * strideW + (kW - 1) * dilationW + 1;
}

/** Byte offset of the window in the workspace. */
// @ts-ignore: decorator
@inline function windowOffset(patch: i32, outC: i32): usize {
  const nb = (outC + CB - 1) / CB;
  return SPILL_BYTES + align64(<usize>patch << 2) + align64(<usize>(nb * patch * CB) << 2);
}

/**
 * Output rows per band: at least one; at most what the window holds, and at most what keeps
 * `budget` bytes in cache, counting the window's rows and `perPixel` more bytes per output pixel.
 */
function bandRows(outW: i32, inC: i32, kH: i32, strideH: i32, dilationH: i32, ws: i32, windowBytes: usize, budget: i32, perPixel: i32): i32 {
  const rowBytes = ws * inC * 4;
  const reach = (kH - 1) * dilationH + 1;
  const fit = <i32>(windowBytes / <usize>rowBytes) - reach;
  const byMemory = fit < 0 ? 1 : fit / strideH + 1;
  const byCache = (budget - (reach - strideH) * rowBytes) / (strideH * rowBytes + outW * perPixel);
  return max(1, min(byCache, byMemory));
}

/** offs[t] = byte offset of patch entry t = (kh, kw, c) from a pixel's window origin. */
function writeOffsets(offs: usize, kH: i32, kW: i32, inC: i32, dilationH: i32, dilationW: i32, ws: i32): void {
  let p = offs;
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const base = (kh * dilationH * ws + kw * dilationW) * inC;
      for (let c = 0; c < inC; c++) {
        store<i32>(p, (base + c) << 2);
        p += 4;
      }
    }
  }
}

/**
 * First channel of block b: blocks of 8, the last one shifted back to end at outC when outC ≥ 8
 * (it then overlaps the one before and recomputes some channels, with the same bits); a single
 * zero-padded block when outC < 8.
 */
// @ts-ignore: decorator
@inline function blockStart(b: i32, outC: i32): i32 {
  return outC >= CB ? min(b * CB, outC - CB) : 0;
}

/** Copies input rows [ih0, ih0 + rows) of one image into the window, zero outside the image. */
function fillWindow(xImg: usize, inH: i32, inW: i32, inC: i32, ih0: i32, rows: i32, iw0: i32, ws: i32, win: usize): void {
  const rowFloats = ws * inC;
  const c0 = min(ws, max(0, -iw0));
  const c1 = max(c0, min(ws, inW - iw0));
  for (let r = 0; r < rows; r++) {
    const ih = ih0 + r;
    const dst = win + (<usize>(r * rowFloats) << 2);
    if (ih < 0 || ih >= inH || c1 == c0) {
      zeroF32(dst, rowFloats);
      continue;
    }
    if (c0 > 0) zeroF32(dst, c0 * inC);
    copyF32(dst + (<usize>(c0 * inC) << 2), xImg + (<usize>((ih * inW + iw0 + c0) * inC) << 2), (c1 - c0) * inC);
    if (c1 < ws) zeroF32(dst + (<usize>(c1 * inC) << 2), (ws - c1) * inC);
  }
}

// ---------------------------------------------------------------------------------------------
// Forward

/** Filter [patch, outC] → blocks of [patch][8] f32, zero past outC. */
function packFilter(w: usize, patch: i32, outC: i32, dst: usize): void {
  const nb = (outC + CB - 1) / CB;
  let p = dst;
  for (let b = 0; b < nb; b++) {
    const cb = blockStart(b, outC);
    for (let t = 0; t < patch; t++) {
      const src = w + (<usize>(t * outC + cb) << 2);
      if (cb + CB <= outC) {
        v128.store(p, v128.load(src));
        v128.store(p, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < CB; j++) store<f32>(p + (<usize>j << 2), cb + j < outC ? load<f32>(src + (<usize>j << 2)) : 0);
      }
      p += 32;
    }
  }
}

/**
 * A tile of 4 consecutive output pixels (window origins x0 + i·ps) × one block of 8 channels:
 * eight f32x4 accumulators, filter rows loaded as vectors, input entries splatted. Sums run over
 * the patch in order t = 0, 1, …, so a pixel's value does not depend on its tile. Stores pixels
 * < np and channels < nc at y (row stride ldy bytes).
 */
function forwardTile(x0: usize, ps: usize, offs: usize, patch: i32, wp: usize, y: usize, ldy: usize, np: i32, nc: i32, spill: usize): void {
  const x1 = x0 + ps;
  const x2 = x1 + ps;
  const x3 = x2 + ps;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = offs + (<usize>patch << 2);
  for (let op = offs; op < end; op += 4) {
    const o = <usize>load<u32>(op);
    const w0 = v128.load(wp);
    const w1 = v128.load(wp, 16);
    let a = v128.load32_splat(x0 + o);
    c00 = f32x4.add(c00, f32x4.mul(a, w0));
    c01 = f32x4.add(c01, f32x4.mul(a, w1));
    a = v128.load32_splat(x1 + o);
    c10 = f32x4.add(c10, f32x4.mul(a, w0));
    c11 = f32x4.add(c11, f32x4.mul(a, w1));
    a = v128.load32_splat(x2 + o);
    c20 = f32x4.add(c20, f32x4.mul(a, w0));
    c21 = f32x4.add(c21, f32x4.mul(a, w1));
    a = v128.load32_splat(x3 + o);
    c30 = f32x4.add(c30, f32x4.mul(a, w0));
    c31 = f32x4.add(c31, f32x4.mul(a, w1));
    wp += 32;
  }
  // The tile store of gemm's micro-kernel: whole tiles directly, edge tiles through `spill`.
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, y, <i32>(ldy >> 2), np, nc, false, spill);
}

/**
 * Output pixels [start, end) (flat index over batch·outH·outW) of the convolution y = x ⊛ w, all
 * outC channels of each. `work` is this thread's workspace (gemmWorkspaceBytes()).
 */
export function conv2dDirect(
  x: usize, w: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32,
  y: usize, start: i32, end: i32, work: usize,
): void {
  if (start >= end) return;
  const patch = kH * kW * inC;
  const nb = (outC + CB - 1) / CB;
  const ws = windowStride(outW, strideW, kW, dilationW);
  const spill = work;
  const offs = work + SPILL_BYTES;
  const packed = offs + align64(<usize>patch << 2);
  const win = work + windowOffset(patch, outC);
  const band = bandRows(outW, inC, kH, strideH, dilationH, ws, <usize>gemmWorkspaceBytes() - windowOffset(patch, outC), FORWARD_BAND_BYTES, 0);
  writeOffsets(offs, kH, kW, inC, dilationH, dilationW, ws);
  packFilter(w, patch, outC, packed);

  const pixels = outH * outW;
  const image = inH * inW * inC;
  const ps = <usize>(strideW * inC) << 2;
  const ldy = <usize>outC << 2;
  const blockBytes = <usize>(patch * CB) << 2;
  const nc = min(outC, CB);
  let p = start;
  while (p < end) {
    const n = p / pixels;
    const first = n * pixels;
    const ohA = (p - first) / outW;
    const bandEnd = min(min(end, first + pixels), first + (ohA + band) * outW);
    const ohB = (bandEnd - 1 - first) / outW;
    fillWindow(x + (<usize>(n * image) << 2), inH, inW, inC, ohA * strideH - padTop, (ohB - ohA) * strideH + (kH - 1) * dilationH + 1, -padLeft, ws, win);
    for (let oh = ohA; oh <= ohB; oh++) {
      const rowStart = first + oh * outW;
      const ow0 = max(0, p - rowStart);
      const ow1 = min(outW, bandEnd - rowStart);
      const rowWin = win + (<usize>((oh - ohA) * strideH * ws * inC) << 2);
      for (let ow = ow0; ow < ow1; ow += PX) {
        const np = min(PX, ow1 - ow);
        const xb = rowWin + <usize>ow * ps;
        const yp = y + (<usize>(rowStart + ow) * ldy);
        for (let b = 0; b < nb; b++) {
          forwardTile(xb, ps, offs, patch, packed + <usize>b * blockBytes, yp + (<usize>blockStart(b, outC) << 2), ldy, np, nc, spill);
        }
      }
    }
    p = bandEnd;
  }
}

// ---------------------------------------------------------------------------------------------
// Backward filter

/**
 * acc[4 patch entries][8 channels] (at `acc`) += Σ over `rows` × `cols` pixels of x_t · dY:
 * pixel (r, i) has its window origin at x + r·xRow + i·ps and its 8 dY values at
 * dy + (r·cols + i)·ldy. Sums run in pixel order.
 */
function filterRun(acc: usize, x: usize, ps: usize, xRow: usize, dy: usize, ldy: usize, rows: i32, cols: i32, o0: usize, o1: usize, o2: usize, o3: usize): void {
  let c00 = v128.load(acc), c01 = v128.load(acc, 16);
  let c10 = v128.load(acc, 32), c11 = v128.load(acc, 48);
  let c20 = v128.load(acc, 64), c21 = v128.load(acc, 80);
  let c30 = v128.load(acc, 96), c31 = v128.load(acc, 112);
  for (let r = 0; r < rows; r++) {
    let xp = x;
    for (let i = 0; i < cols; i++) {
      const d0 = v128.load(dy);
      const d1 = v128.load(dy, 16);
      let a = v128.load32_splat(xp + o0);
      c00 = f32x4.add(c00, f32x4.mul(a, d0));
      c01 = f32x4.add(c01, f32x4.mul(a, d1));
      a = v128.load32_splat(xp + o1);
      c10 = f32x4.add(c10, f32x4.mul(a, d0));
      c11 = f32x4.add(c11, f32x4.mul(a, d1));
      a = v128.load32_splat(xp + o2);
      c20 = f32x4.add(c20, f32x4.mul(a, d0));
      c21 = f32x4.add(c21, f32x4.mul(a, d1));
      a = v128.load32_splat(xp + o3);
      c30 = f32x4.add(c30, f32x4.mul(a, d0));
      c31 = f32x4.add(c31, f32x4.mul(a, d1));
      xp += ps;
      dy += ldy;
    }
    x += xRow;
  }
  v128.store(acc, c00);
  v128.store(acc, c01, 16);
  v128.store(acc, c10, 32);
  v128.store(acc, c11, 48);
  v128.store(acc, c20, 64);
  v128.store(acc, c21, 80);
  v128.store(acc, c30, 96);
  v128.store(acc, c31, 112);
}

/** Floats in one chunk's partial filter gradient: nb blocks × patch rounded up to 4 × 8 channels. */
// @ts-ignore: decorator
@inline function slotFloats(patch: i32, outC: i32): i32 {
  return ((outC + CB - 1) / CB) * ((patch + TT - 1) & ~(TT - 1)) * CB;
}

/**
 * Partial filter gradients of chunks [chunkStart, chunkEnd): chunk c covers output pixels
 * [c·chunk, (c+1)·chunk) (flat over batch·outH·outW) and writes Σ x_t(pixel)·dY[pixel, co] over
 * them into its own slot of `partials` (slotFloats floats each, blocked layout). The chunks are
 * fixed, whatever the thread count; conv2dDirectFilterReduce then adds the slots in chunk order.
 */
export function conv2dDirectFilter(
  x: usize, dy: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32, outC: i32, chunk: i32,
  partials: usize, chunkStart: i32, chunkEnd: i32, work: usize,
): void {
  if (chunkStart >= chunkEnd) return;
  const patch = kH * kW * inC;
  const nb = (outC + CB - 1) / CB;
  const tp = (patch + TT - 1) & ~(TT - 1);
  const slot = slotFloats(patch, outC);
  const ws = windowStride(outW, strideW, kW, dilationW);
  const spill = work;
  const offs = work + SPILL_BYTES;
  const win = work + windowOffset(patch, outC);
  // dY: a block's 8 channels per pixel, a whole 64-byte line once rows are longer than that.
  const band = bandRows(outW, inC, kH, strideH, dilationH, ws, <usize>gemmWorkspaceBytes() - windowOffset(patch, outC), FILTER_BAND_BYTES, min(64, outC * 4));
  writeOffsets(offs, kH, kW, inC, dilationH, dilationW, ws);

  const pixels = outH * outW;
  const total = batch * pixels;
  const image = inH * inW * inC;
  const ps = <usize>(strideW * inC) << 2;
  const ldy = <usize>outC << 2;
  const xRowBytes = <usize>(strideH * ws * inC) << 2;
  const dyEnd = dy + <usize>total * ldy;
  for (let c = chunkStart; c < chunkEnd; c++) {
    const acc0 = partials + (<usize>(c * slot) << 2);
    zeroF32(acc0, slot);
    const chunkEndPixel = min(total, (c + 1) * chunk);
    let p = c * chunk;
    while (p < chunkEndPixel) {
      const n = p / pixels;
      const first = n * pixels;
      const ohA = (p - first) / outW;
      const bandEnd = min(min(chunkEndPixel, first + pixels), first + (ohA + band) * outW);
      const ohB = (bandEnd - 1 - first) / outW;
      fillWindow(x + (<usize>(n * image) << 2), inH, inW, inC, ohA * strideH - padTop, (ohB - ohA) * strideH + (kH - 1) * dilationH + 1, -padLeft, ws, win);
      for (let b = 0; b < nb; b++) {
        const dyBlock = dy + (<usize>blockStart(b, outC) << 2);
        for (let t0 = 0; t0 < patch; t0 += TT) {
          // Rows past the patch repeat its last entry; their sums land in padding rows of the slot.
          const o0 = <usize>load<u32>(offs + (<usize>t0 << 2));
          const o1 = <usize>load<u32>(offs + (<usize>min(t0 + 1, patch - 1) << 2));
          const o2 = <usize>load<u32>(offs + (<usize>min(t0 + 2, patch - 1) << 2));
          const o3 = <usize>load<u32>(offs + (<usize>min(t0 + 3, patch - 1) << 2));
          const acc = acc0 + (<usize>((b * tp + t0) * CB) << 2);
          // The band's pixels: a partial first row, full rows, a partial last row.
          let q = p;
          while (q < bandEnd) {
            const oh = (q - first) / outW;
            const ow0 = q - first - oh * outW;
            const rows = ow0 == 0 ? max(1, (bandEnd - q) / outW) : 1;
            const cols = rows > 1 ? outW : min(outW, bandEnd - first - oh * outW) - ow0;
            const xStart = win + (<usize>((oh - ohA) * strideH * ws * inC) << 2) + <usize>ow0 * ps;
            const dStart = dyBlock + <usize>q * ldy;
            const count = rows * cols;
            q += count;
            // With fewer than 8 channels a block's 8-lane loads of dY reach into the next pixels'
            // values (lanes never used); the last pixels of dY take them from a padded copy.
            if (outC < CB && dStart + <usize>(count - 1) * ldy + 32 > dyEnd) {
              for (let i = 0; i < count; i++) {
                const r = i / cols;
                const xi = xStart + <usize>r * xRowBytes + <usize>(i - r * cols) * ps;
                let di = dStart + <usize>i * ldy;
                if (di + 32 > dyEnd) {
                  zeroF32(spill, CB);
                  copyF32(spill, di, outC);
                  di = spill;
                }
                filterRun(acc, xi, ps, 0, di, 0, 1, 1, o0, o1, o2, o3);
              }
              continue;
            }
            filterRun(acc, xStart, ps, xRowBytes, dStart, ldy, rows, cols, o0, o1, o2, o3);
          }
        }
      }
      p = bandEnd;
    }
  }
}

/**
 * dW[t, co] = Σ over chunks, in chunk order, of the partial sums conv2dDirectFilter left in
 * `partials` (adds them into the first slot, then unpacks it). With no chunks, dW = 0.
 */
export function conv2dDirectFilterReduce(partials: usize, chunks: i32, patch: i32, outC: i32, dw: usize): void {
  if (chunks <= 0) {
    zeroF32(dw, patch * outC);
    return;
  }
  const slot = slotFloats(patch, outC);
  const tp = (patch + TT - 1) & ~(TT - 1);
  const nb = (outC + CB - 1) / CB;
  const slotBytes = <usize>slot << 2;
  for (let c = 1; c < chunks; c++) {
    const src = partials + <usize>c * slotBytes;
    for (let i: usize = 0; i < slotBytes; i += 16) v128.store(partials + i, f32x4.add(v128.load(partials + i), v128.load(src + i)));
  }
  for (let t = 0; t < patch; t++) {
    for (let co = 0; co < outC; co++) {
      const b = min(co / CB, nb - 1);
      const lane = co - blockStart(b, outC);
      store<f32>(dw + (<usize>(t * outC + co) << 2), load<f32>(partials + (<usize>((b * tp + t) * CB + lane) << 2)));
    }
  }
}
