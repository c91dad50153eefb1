// 2-D max and average pooling, NHWC, matching src/backend/js/pool.ts bit for bit.
//
// Geometry parameters, in this order everywhere:
//   batch, inH, inW, channels, outH, outW, kH, kW, strideH, strideW, padTop, padLeft
// Each window is clamped to the image: rows [max(0, top), min(inH, top + kH)), likewise columns.
// The caller guarantees every window holds at least one pixel (the ops layer rejects padding ≥
// pool size); an empty window gives −∞ (max) or NaN (average) and no gradient.
//
// Forward kernels take a range [start, end) of output pixels p = (n·outH + oh)·outW + ow;
// backward kernels a range [imageStart, imageEnd) of images, whose dx they zero and then fill.

import { at, load2AsF64, store2FromF64, zeroF32 } from './util';

/**
 * The "first maximum" rule of the JS reference, per lane: a value replaces the running best when
 * it is greater, or when it is NaN (so a NaN wins, the last NaN of the window).
 */
// @ts-ignore: decorator
@inline function takeMask(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}

export function maxPool(
  x: usize, batch: i32, inH: i32, inW: i32, channels: i32,
  outH: i32, outW: i32, kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
  y: usize, start: i32, end: i32,
): void {
  if (start >= end) return;
  const C = channels;
  const pixels = outH * outW;
  let n = start / pixels;
  const rem = start - n * pixels;
  let oh = rem / outW;
  let ow = rem - oh * outW;
  for (let p = start; p < end; p++) {
    const top = oh * strideH - padTop;
    const left = ow * strideW - padLeft;
    const h0 = max(0, top), h1 = min(inH, top + kH);
    const w0 = max(0, left), w1 = min(inW, left + kW);
    const out = at(y, p * C);
    const xImg = at(x, n * inH * inW * C);
    if (h0 >= h1 || w0 >= w1) {
      for (let c = 0; c < C; c++) store<f32>(at(out, c), -Infinity);
    } else {
      const first = at(xImg, (h0 * inW + w0) * C);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        let best = v128.load(at(first, c));
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const v = v128.load(at(xImg, (ih * inW + iw) * C + c));
            best = v128.bitselect(v, best, takeMask(v, best));
          }
        }
        v128.store(at(out, c), best);
      }
      for (; c < C; c++) {
        let best = load<f32>(at(first, c));
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const v = load<f32>(at(xImg, (ih * inW + iw) * C + c));
            if (v > best || isNaN(v)) best = v;
          }
        }
        store<f32>(at(out, c), best);
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
 * dx for images [imageStart, imageEnd): each dy goes to the first maximum of its window (a NaN
 * counts as the maximum, the last one if several), summed in output order.
 */
export function maxPoolBackward(
  dy: usize, x: usize, batch: i32, inH: i32, inW: i32, channels: i32,
  outH: i32, outW: i32, kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
  dx: usize, imageStart: i32, imageEnd: i32,
): void {
  if (imageStart >= imageEnd) return;
  const C = channels;
  const image = inH * inW * C;
  zeroF32(at(dx, imageStart * image), (imageEnd - imageStart) * image);
  const lanes = i32x4(0, 1, 2, 3);
  for (let n = imageStart; n < imageEnd; n++) {
    const xImg = at(x, n * image);
    const dImg = at(dx, n * image);
    for (let oh = 0; oh < outH; oh++) {
      const top = oh * strideH - padTop;
      const h0 = max(0, top), h1 = min(inH, top + kH);
      for (let ow = 0; ow < outW; ow++) {
        const left = ow * strideW - padLeft;
        const w0 = max(0, left), w1 = min(inW, left + kW);
        if (h0 >= h1 || w0 >= w1) continue;
        const g = at(dy, ((n * outH + oh) * outW + ow) * C);
        const firstPixel = h0 * inW + w0;
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          // Track the best value and the element offset it came from, per lane.
          let best = v128.load(at(xImg, firstPixel * C + c));
          let bestAt = i32x4.add(i32x4.splat(firstPixel * C + c), lanes);
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const offset = (ih * inW + iw) * C + c;
              const v = v128.load(at(xImg, offset));
              const take = takeMask(v, best);
              best = v128.bitselect(v, best, take);
              bestAt = v128.bitselect(i32x4.add(i32x4.splat(offset), lanes), bestAt, take);
            }
          }
          const d = v128.load(at(g, c));
          let q = at(dImg, i32x4.extract_lane(bestAt, 0));
          store<f32>(q, load<f32>(q) + f32x4.extract_lane(d, 0));
          q = at(dImg, i32x4.extract_lane(bestAt, 1));
          store<f32>(q, load<f32>(q) + f32x4.extract_lane(d, 1));
          q = at(dImg, i32x4.extract_lane(bestAt, 2));
          store<f32>(q, load<f32>(q) + f32x4.extract_lane(d, 2));
          q = at(dImg, i32x4.extract_lane(bestAt, 3));
          store<f32>(q, load<f32>(q) + f32x4.extract_lane(d, 3));
        }
        for (; c < C; c++) {
          let bestAt = firstPixel * C + c;
          let best = load<f32>(at(xImg, bestAt));
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const offset = (ih * inW + iw) * C + c;
              const v = load<f32>(at(xImg, offset));
              if (v > best || isNaN(v)) {
                best = v;
                bestAt = offset;
              }
            }
          }
          const q = at(dImg, bestAt);
          store<f32>(q, load<f32>(q) + load<f32>(at(g, c)));
        }
      }
    }
  }
}

/** Mean of the window's pixels inside the image: f32 sum in (ih, iw) order, then ÷ count. */
export function avgPool(
  x: usize, batch: i32, inH: i32, inW: i32, channels: i32,
  outH: i32, outW: i32, kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
  y: usize, start: i32, end: i32,
): void {
  if (start >= end) return;
  const C = channels;
  const pixels = outH * outW;
  let n = start / pixels;
  const rem = start - n * pixels;
  let oh = rem / outW;
  let ow = rem - oh * outW;
  for (let p = start; p < end; p++) {
    const top = oh * strideH - padTop;
    const left = ow * strideW - padLeft;
    const h0 = max(0, top), h1 = min(inH, top + kH);
    const w0 = max(0, left), w1 = min(inW, left + kW);
    const count = <f32>(max(0, h1 - h0) * max(0, w1 - w0));
    const out = at(y, p * C);
    const xImg = at(x, n * inH * inW * C);
    let c = 0;
    const countV = f32x4.splat(count);
    for (; c + 4 <= C; c += 4) {
      let s = f32x4.splat(0);
      for (let ih = h0; ih < h1; ih++) {
        for (let iw = w0; iw < w1; iw++) s = f32x4.add(s, v128.load(at(xImg, (ih * inW + iw) * C + c)));
      }
      v128.store(at(out, c), f32x4.div(s, countV));
    }
    for (; c < C; c++) {
      let s: f32 = 0;
      for (let ih = h0; ih < h1; ih++) {
        for (let iw = w0; iw < w1; iw++) s += load<f32>(at(xImg, (ih * inW + iw) * C + c));
      }
      store<f32>(at(out, c), s / count);
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
 * dx for images [imageStart, imageEnd): every pixel of a window gets dy / count. As in the JS
 * reference, dy / count is taken in f64 and added to dx in f64, rounding once to f32 per add.
 */
export function avgPoolBackward(
  dy: usize, batch: i32, inH: i32, inW: i32, channels: i32,
  outH: i32, outW: i32, kH: i32, kW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
  dx: usize, imageStart: i32, imageEnd: i32,
): void {
  if (imageStart >= imageEnd) return;
  const C = channels;
  const image = inH * inW * C;
  zeroF32(at(dx, imageStart * image), (imageEnd - imageStart) * image);
  for (let n = imageStart; n < imageEnd; n++) {
    const dImg = at(dx, n * image);
    for (let oh = 0; oh < outH; oh++) {
      const top = oh * strideH - padTop;
      const h0 = max(0, top), h1 = min(inH, top + kH);
      for (let ow = 0; ow < outW; ow++) {
        const left = ow * strideW - padLeft;
        const w0 = max(0, left), w1 = min(inW, left + kW);
        if (h0 >= h1 || w0 >= w1) continue;
        const count = <f64>((h1 - h0) * (w1 - w0));
        const countV = f64x2.splat(count);
        const g = at(dy, ((n * outH + oh) * outW + ow) * C);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const d = at(dImg, (ih * inW + iw) * C);
            let c = 0;
            for (; c + 2 <= C; c += 2) {
              const q = f64x2.div(load2AsF64(at(g, c)), countV);
              store2FromF64(at(d, c), f64x2.add(load2AsF64(at(d, c)), q));
            }
            for (; c < C; c++) {
              store<f32>(at(d, c), <f32>(<f64>load<f32>(at(d, c)) + <f64>load<f32>(at(g, c)) / count));
            }
          }
        }
      }
    }
  }
}
