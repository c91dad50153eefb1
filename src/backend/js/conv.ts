import type { TensorData } from '../../tensor/index.js';
import type { Conv2DInfo } from '../backend.js';
import { gemm } from './gemm.js';

type Alloc = (size: number) => TensorData;

/**
 * im2col: one row per output pixel (n, oh, ow), holding the receptive field in (kh, kw, c) order,
 * zeros where the window hangs over the padding. Works for any integer padding, even negative.
 */
function im2col(x: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = info;
  const patch = kH * kW * inC;
  const cols = alloc(batch * outH * outW * patch);
  let row = 0;
  for (let n = 0; n < batch; n++) {
    const xBatch = n * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let col = row * patch;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH + kh * dilationH - padTop;
          if (ih < 0 || ih >= inH) {
            col += kW * inC;
            continue;
          }
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW + kw * dilationW - padLeft;
            if (iw >= 0 && iw < inW) {
              const src = xBatch + (ih * inW + iw) * inC;
              for (let c = 0; c < inC; c++) cols[col + c] = x[src + c];
            }
            col += inC;
          }
        }
        row++;
      }
    }
  }
  return cols;
}

/** Y[n,oh,ow,co] = Σ X[n, oh·s+kh·d−p, ow·s+kw·d−p, ci] · W[kh,kw,ci,co]: im2col, then one GEMM. */
export function conv2d(x: TensorData, w: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const cols = im2col(x, info, alloc);
  return gemm(cols, w, info.batch * info.outH * info.outW, info.outC, info.kH * info.kW * info.inC, false, false, alloc);
}

/**
 * dL/dW = convolution of the input X with the output gradient dL/dY:
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} X[n, oh·s+kh·d−p, ow·s+kw·d−p, ci] · dY[n,oh,ow,co],
 * computed as im2col(X)ᵀ · dY.
 */
export function conv2dBackwardFilter(x: TensorData, dy: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const cols = im2col(x, info, alloc);
  return gemm(cols, dy, info.kH * info.kW * info.inC, info.outC, info.batch * info.outH * info.outW, true, false, alloc);
}

/** Inserts stride−1 zeros between the pixels of dY, so a strided convolution's gradient becomes a stride-1 one. */
function dilateByStride(dy: TensorData, info: Conv2DInfo, alloc: Alloc): { data: TensorData; h: number; w: number } {
  const { batch, outH, outW, outC, strideH, strideW } = info;
  if (strideH === 1 && strideW === 1) return { data: dy, h: outH, w: outW };
  const h = (outH - 1) * strideH + 1;
  const w = (outW - 1) * strideW + 1;
  const out = alloc(batch * h * w * outC);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const src = ((n * outH + oh) * outW + ow) * outC;
        const dst = ((n * h + oh * strideH) * w + ow * strideW) * outC;
        for (let c = 0; c < outC; c++) out[dst + c] = dy[src + c];
      }
    }
  }
  return { data: out, h, w };
}

/** W rotated by 180° in space with input and output channels swapped: [kH,kW,inC,outC] → [kH,kW,outC,inC]. */
function rotate180SwapChannels(w: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const { kH, kW, inC, outC } = info;
  const out = alloc(w.length);
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const src = (kh * kW + kw) * inC * outC;
      const dst = ((kH - 1 - kh) * kW + (kW - 1 - kw)) * outC * inC;
      for (let ci = 0; ci < inC; ci++) {
        for (let co = 0; co < outC; co++) out[dst + co * inC + ci] = w[src + ci * outC + co];
      }
    }
  }
  return out;
}

/**
 * dL/dX = full convolution of the 180°-rotated filter with dL/dY (the course's rule), run on the
 * same forward kernel: dY is spread out by the stride, padded by d·(k−1)−p on the leading side
 * (and whatever makes the output the input's size on the trailing side), and convolved at
 * stride 1 with the rotated, channel-swapped filter.
 */
export function conv2dBackwardInput(dy: TensorData, w: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const spread = dilateByStride(dy, info, alloc);
  const rotated = rotate180SwapChannels(w, info, alloc);
  const reachH = info.dilationH * (info.kH - 1);
  const reachW = info.dilationW * (info.kW - 1);
  const padTop = reachH - info.padTop;
  const padLeft = reachW - info.padLeft;
  const full: Conv2DInfo = {
    batch: info.batch,
    inH: spread.h,
    inW: spread.w,
    inC: info.outC,
    outC: info.inC,
    kH: info.kH,
    kW: info.kW,
    strideH: 1,
    strideW: 1,
    dilationH: info.dilationH,
    dilationW: info.dilationW,
    padTop,
    padLeft,
    padBottom: info.inH - spread.h - padTop + reachH,
    padRight: info.inW - spread.w - padLeft + reachW,
    outH: info.inH,
    outW: info.inW,
  };
  return conv2d(spread.data, rotated, full, alloc);
}
