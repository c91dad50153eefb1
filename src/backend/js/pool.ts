import type { TensorData } from '../../tensor/index.js';
import type { Pool2DInfo } from '../backend.js';

type Alloc = (size: number) => TensorData;

/**
 * Visits every pooling window: `outBase` is the offset of output pixel (n, oh, ow) at channel 0,
 * [h0, h1) × [w0, w1) the window's rows and columns clamped to the image, `inBatch` the offset of
 * image n.
 */
function forEachWindow(info: Pool2DInfo, visit: (outBase: number, inBatch: number, h0: number, h1: number, w0: number, w1: number) => void): void {
  const { batch, inH, inW, channels: C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = info;
  for (let n = 0; n < batch; n++) {
    const inBatch = n * inH * inW * C;
    for (let oh = 0; oh < outH; oh++) {
      const top = oh * strideH - padTop;
      const h0 = Math.max(0, top);
      const h1 = Math.min(inH, top + kH);
      for (let ow = 0; ow < outW; ow++) {
        const left = ow * strideW - padLeft;
        visit(((n * outH + oh) * outW + ow) * C, inBatch, h0, h1, Math.max(0, left), Math.min(inW, left + kW));
      }
    }
  }
}

/** Offset of the first maximum of each window and channel, in x. */
function argmaxPerWindow(x: TensorData, info: Pool2DInfo): Int32Array {
  const { inW, channels: C, outH, outW, batch } = info;
  const argmax = new Int32Array(batch * outH * outW * C);
  forEachWindow(info, (outBase, inBatch, h0, h1, w0, w1) => {
    for (let c = 0; c < C; c++) {
      let best = inBatch + (h0 * inW + w0) * C + c;
      for (let ih = h0; ih < h1; ih++) {
        for (let iw = w0; iw < w1; iw++) {
          const index = inBatch + (ih * inW + iw) * C + c;
          if (x[index] > x[best] || Number.isNaN(x[index])) best = index;
        }
      }
      argmax[outBase + c] = best;
    }
  });
  return argmax;
}

export function maxPool(x: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const argmax = argmaxPerWindow(x, info);
  const y = alloc(argmax.length);
  for (let i = 0; i < argmax.length; i++) y[i] = x[argmax[i]];
  return y;
}

/** The gradient flows to the first maximum of each window. */
export function maxPoolBackward(dy: TensorData, x: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const argmax = argmaxPerWindow(x, info);
  const dx = alloc(x.length);
  for (let i = 0; i < argmax.length; i++) dx[argmax[i]] += dy[i];
  return dx;
}

export function avgPool(x: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const { inW, channels: C, outH, outW, batch } = info;
  const y = alloc(batch * outH * outW * C);
  forEachWindow(info, (outBase, inBatch, h0, h1, w0, w1) => {
    const count = (h1 - h0) * (w1 - w0);
    for (let ih = h0; ih < h1; ih++) {
      for (let iw = w0; iw < w1; iw++) {
        const src = inBatch + (ih * inW + iw) * C;
        for (let c = 0; c < C; c++) y[outBase + c] += x[src + c];
      }
    }
    for (let c = 0; c < C; c++) y[outBase + c] /= count;
  });
  return y;
}

export function avgPoolBackward(dy: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const { batch, inH, inW, channels: C } = info;
  const dx = alloc(batch * inH * inW * C);
  forEachWindow(info, (outBase, inBatch, h0, h1, w0, w1) => {
    const count = (h1 - h0) * (w1 - w0);
    for (let ih = h0; ih < h1; ih++) {
      for (let iw = w0; iw < w1; iw++) {
        const dst = inBatch + (ih * inW + iw) * C;
        for (let c = 0; c < C; c++) dx[dst + c] += dy[outBase + c] / count;
      }
    }
  });
  return dx;
}
