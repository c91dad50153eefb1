// Depthwise convolution (a grouped convolution with one input channel per group) by direct loops,
// SIMD over channels, and the column copy that the general grouped convolution uses to gather
// and scatter its groups. NHWC images; weights [kH, kW, C, dm]; output channel o = c·dm + m
// (the same memory as grouped weights [kH, kW, 1, C·dm]).
//
// Geometry parameters, in this order everywhere:
//   batch, inH, inW, C, dm, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW
//
// Every output element is a sum over taps (kh, kw) in row-major order (forward, backward-input)
// or over output pixels in order (backward-filter), computed by one call, so results do not
// depend on how the range is split between threads. Any integer padding works, even negative.

import { at, copyF32, zeroF32 } from './util';

/** The first tap k with start + k·dilation ≥ 0. */
// @ts-ignore: decorator
@inline function firstTap(start: i32, dilation: i32): i32 {
  return start >= 0 ? 0 : (dilation - 1 - start) / dilation;
}

/** One past the last tap k < kSize with start + k·dilation < size. */
// @ts-ignore: decorator
@inline function endTap(start: i32, dilation: i32, size: i32, kSize: i32): i32 {
  const room = size - 1 - start;
  return room < 0 ? 0 : min(kSize, room / dilation + 1);
}

/** The input values of outputs o … o + 3 (channels o / dm …) of the pixel at xp, as one vector. */
// @ts-ignore: decorator
@inline function inputLanes(xp: usize, o: i32, dm: i32): v128 {
  if (dm == 2) {
    const pair = v128.load64_zero(at(xp, o >> 1));
    return i8x16.shuffle(pair, pair, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7);
  }
  if ((dm & 3) == 0) return v128.load32_splat(at(xp, o / dm));
  let v = f32x4.splat(load<f32>(at(xp, o / dm)));
  v = f32x4.replace_lane(v, 1, load<f32>(at(xp, (o + 1) / dm)));
  v = f32x4.replace_lane(v, 2, load<f32>(at(xp, (o + 2) / dm)));
  return f32x4.replace_lane(v, 3, load<f32>(at(xp, (o + 3) / dm)));
}

/** Output pixels [start, end) of y [batch, outH, outW, C·dm]. */
export function depthwiseConv2d(
  x: usize, w: usize, batch: i32, inH: i32, inW: i32, C: i32, dm: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32,
  y: usize, start: i32, end: i32,
): void {
  if (start >= end) return;
  const OC = C * dm;
  const pixels = outH * outW;
  let n = start / pixels;
  const rem = start - n * pixels;
  let oh = rem / outW;
  let ow = rem - oh * outW;
  const zero = f32x4.splat(0);
  for (let p = start; p < end; p++) {
    const out = at(y, p * OC);
    const xImg = at(x, n * inH * inW * C);
    const top = oh * strideH - padTop;
    const left = ow * strideW - padLeft;
    const kh0 = firstTap(top, dilationH), kh1 = endTap(top, dilationH, inH, kH);
    const kw0 = firstTap(left, dilationW), kw1 = endTap(left, dilationW, inW, kW);
    if (dm == 1) {
      // Sums in registers: 16 channels at a time, then 4, then one.
      let c = 0;
      for (; c + 16 <= C; c += 16) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        for (let kh = kh0; kh < kh1; kh++) {
          const xRow = at(xImg, (top + kh * dilationH) * inW * C + c);
          const wRow = at(w, kh * kW * C + c);
          for (let kw = kw0; kw < kw1; kw++) {
            const xp = at(xRow, (left + kw * dilationW) * C);
            const wp = at(wRow, kw * C);
            a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), v128.load(wp)));
            a1 = f32x4.add(a1, f32x4.mul(v128.load(xp, 16), v128.load(wp, 16)));
            a2 = f32x4.add(a2, f32x4.mul(v128.load(xp, 32), v128.load(wp, 32)));
            a3 = f32x4.add(a3, f32x4.mul(v128.load(xp, 48), v128.load(wp, 48)));
          }
        }
        const o = at(out, c);
        v128.store(o, a0);
        v128.store(o, a1, 16);
        v128.store(o, a2, 32);
        v128.store(o, a3, 48);
      }
      for (; c + 4 <= C; c += 4) {
        let a0 = zero;
        for (let kh = kh0; kh < kh1; kh++) {
          const xRow = at(xImg, (top + kh * dilationH) * inW * C + c);
          const wRow = at(w, kh * kW * C + c);
          for (let kw = kw0; kw < kw1; kw++) {
            a0 = f32x4.add(a0, f32x4.mul(v128.load(at(xRow, (left + kw * dilationW) * C)), v128.load(at(wRow, kw * C))));
          }
        }
        v128.store(at(out, c), a0);
      }
      for (; c < C; c++) {
        let s: f32 = 0;
        for (let kh = kh0; kh < kh1; kh++) {
          const xRow = at(xImg, (top + kh * dilationH) * inW * C + c);
          const wRow = at(w, kh * kW * C + c);
          for (let kw = kw0; kw < kw1; kw++) s += load<f32>(at(xRow, (left + kw * dilationW) * C)) * load<f32>(at(wRow, kw * C));
        }
        store<f32>(at(out, c), s);
      }
    } else {
      // Several outputs per input channel: four outputs at a time, with x[o / dm] in each lane.
      let o = 0;
      for (; o + 4 <= OC; o += 4) {
        let a0 = zero;
        for (let kh = kh0; kh < kh1; kh++) {
          const xRow = at(xImg, (top + kh * dilationH) * inW * C);
          const wRow = at(w, kh * kW * OC + o);
          for (let kw = kw0; kw < kw1; kw++) {
            const xv = inputLanes(at(xRow, (left + kw * dilationW) * C), o, dm);
            a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(at(wRow, kw * OC))));
          }
        }
        v128.store(at(out, o), a0);
      }
      for (; o < OC; o++) {
        const c = o / dm;
        let s: f32 = 0;
        for (let kh = kh0; kh < kh1; kh++) {
          const xRow = at(xImg, (top + kh * dilationH) * inW * C + c);
          const wRow = at(w, kh * kW * OC + o);
          for (let kw = kw0; kw < kw1; kw++) s += load<f32>(at(xRow, (left + kw * dilationW) * C)) * load<f32>(at(wRow, kw * OC));
        }
        store<f32>(at(out, o), s);
      }
    }
    if (++ow == outW) {
      ow = 0;
      if (++oh == outH) {
        oh = 0;
        n++;
      }
    }
  }
}

/**
 * Input pixels [start, end) of dx [batch, inH, inW, C]: each gathers dy·w over the taps whose
 * window covers it, dx[ih, iw, c] = Σ_(kh, kw) Σ_m dy[oh, ow, c·dm + m]·w[kh, kw, c, m] with
 * ih = oh·sH + kh·dH − padTop (likewise iw), taps in row-major order.
 */
export function depthwiseConv2dBackwardInput(
  dy: usize, w: usize, batch: i32, inH: i32, inW: i32, C: i32, dm: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32,
  dx: usize, start: i32, end: i32,
): void {
  if (start >= end) return;
  const OC = C * dm;
  const pixels = inH * inW;
  let n = start / pixels;
  const rem = start - n * pixels;
  let ih = rem / inW;
  let iw = rem - ih * inW;
  for (let q = start; q < end; q++) {
    const dst = at(dx, q * C);
    zeroF32(dst, C);
    const dyImg = at(dy, n * outH * outW * OC);
    for (let kh = 0; kh < kH; kh++) {
      const th = ih + padTop - kh * dilationH;
      if (th < 0) break;
      const oh = th / strideH;
      if (oh * strideH != th || oh >= outH) continue;
      for (let kw = 0; kw < kW; kw++) {
        const tw = iw + padLeft - kw * dilationW;
        if (tw < 0) break;
        const ow = tw / strideW;
        if (ow * strideW != tw || ow >= outW) continue;
        const g = at(dyImg, (oh * outW + ow) * OC);
        const wp = at(w, (kh * kW + kw) * OC);
        if (dm == 1) {
          let c = 0;
          for (; c + 4 <= C; c += 4) {
            const d = at(dst, c);
            v128.store(d, f32x4.add(v128.load(d), f32x4.mul(v128.load(at(g, c)), v128.load(at(wp, c)))));
          }
          for (; c < C; c++) {
            const d = at(dst, c);
            store<f32>(d, load<f32>(d) + load<f32>(at(g, c)) * load<f32>(at(wp, c)));
          }
        } else {
          for (let c = 0; c < C; c++) {
            const o = c * dm;
            let s: f32 = 0;
            for (let m = 0; m < dm; m++) s += load<f32>(at(g, o + m)) * load<f32>(at(wp, o + m));
            const d = at(dst, c);
            store<f32>(d, load<f32>(d) + s);
          }
        }
      }
    }
    if (++iw == inW) {
      iw = 0;
      if (++ih == inH) {
        ih = 0;
        n++;
      }
    }
  }
}

/**
 * Input channels [cStart, cEnd) of dw [kH, kW, C, dm]: dw[kh, kw, c, m] = Σ over output pixels,
 * in order, of x[n, ih, iw, c]·dy[n, oh, ow, c·dm + m].
 */
export function depthwiseConv2dBackwardFilter(
  x: usize, dy: usize, batch: i32, inH: i32, inW: i32, C: i32, dm: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32,
  dw: usize, cStart: i32, cEnd: i32,
): void {
  if (cStart >= cEnd) return;
  const OC = C * dm;
  const o0 = cStart * dm;
  const o1 = cEnd * dm;
  for (let t = 0; t < kH * kW; t++) zeroF32(at(dw, t * OC + o0), o1 - o0);
  for (let n = 0; n < batch; n++) {
    const xImg = at(x, n * inH * inW * C);
    for (let oh = 0; oh < outH; oh++) {
      const top = oh * strideH - padTop;
      const kh0 = firstTap(top, dilationH), kh1 = endTap(top, dilationH, inH, kH);
      for (let ow = 0; ow < outW; ow++) {
        const left = ow * strideW - padLeft;
        const kw0 = firstTap(left, dilationW), kw1 = endTap(left, dilationW, inW, kW);
        const g = at(dy, ((n * outH + oh) * outW + ow) * OC);
        for (let kh = kh0; kh < kh1; kh++) {
          for (let kw = kw0; kw < kw1; kw++) {
            const xp = at(xImg, ((top + kh * dilationH) * inW + left + kw * dilationW) * C);
            const dwp = at(dw, (kh * kW + kw) * OC);
            if (dm == 1) {
              let c = cStart;
              for (; c + 4 <= cEnd; c += 4) {
                const d = at(dwp, c);
                v128.store(d, f32x4.add(v128.load(d), f32x4.mul(v128.load(at(xp, c)), v128.load(at(g, c)))));
              }
              for (; c < cEnd; c++) {
                const d = at(dwp, c);
                store<f32>(d, load<f32>(d) + load<f32>(at(xp, c)) * load<f32>(at(g, c)));
              }
            } else {
              for (let c = cStart; c < cEnd; c++) {
                const xv = load<f32>(at(xp, c));
                const xvv = f32x4.splat(xv);
                const o = c * dm;
                let m = 0;
                for (; m + 4 <= dm; m += 4) {
                  const d = at(dwp, o + m);
                  v128.store(d, f32x4.add(v128.load(d), f32x4.mul(xvv, v128.load(at(g, o + m)))));
                }
                for (; m < dm; m++) {
                  const d = at(dwp, o + m);
                  store<f32>(d, load<f32>(d) + xv * load<f32>(at(g, o + m)));
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Rows [rowStart, rowEnd) of a strided block copy: dst[r·dstStride + dstOffset + j] =
 * src[r·srcStride + srcOffset + j] for j < width (a group's channels in and out of NHWC arrays).
 */
export function copyColumns(src: usize, srcStride: i32, srcOffset: i32, dst: usize, dstStride: i32, dstOffset: i32, width: i32, rowStart: i32, rowEnd: i32): void {
  for (let r = rowStart; r < rowEnd; r++) copyF32(at(dst, r * dstStride + dstOffset), at(src, r * srcStride + srcOffset), width);
}
