import type { TensorData } from '../../tensor/index.js';
import type { Pool2DInfo } from '../backend.js';

type Alloc = (size: number) => TensorData;

/** Clamped window bounds along one axis for output index o. */
function windowRange(o: number, stride: number, pad: number, size: number, input: number): [number, number] {
  const start = o * stride - pad;
  return [Math.max(0, start), Math.min(input, start + size)];
}

export function maxPool(x: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const { batch, inH, inW, channels: C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = info;
  const y = alloc(batch * outH * outW * C);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1] = windowRange(oh, strideH, padTop, kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const [w0, w1] = windowRange(ow, strideW, padLeft, kW, inW);
        const dst = ((n * outH + oh) * outW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const v = x[((n * inH + ih) * inW + iw) * C + c];
              if (v > best || Number.isNaN(v)) best = v;
            }
          }
          y[dst + c] = best;
        }
      }
    }
  }
  return y;
}

/** The gradient flows to the first maximum of each window. */
export function maxPoolBackward(dy: TensorData, x: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const { batch, inH, inW, channels: C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = info;
  const dx = alloc(x.length);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1] = windowRange(oh, strideH, padTop, kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const [w0, w1] = windowRange(ow, strideW, padLeft, kW, inW);
        const src = ((n * outH + oh) * outW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const index = ((n * inH + ih) * inW + iw) * C + c;
              if (x[index] > best || bestIndex < 0) {
                best = x[index];
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += dy[src + c];
        }
      }
    }
  }
  return dx;
}

export function avgPool(x: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const { batch, inH, inW, channels: C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = info;
  const y = alloc(batch * outH * outW * C);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1] = windowRange(oh, strideH, padTop, kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const [w0, w1] = windowRange(ow, strideW, padLeft, kW, inW);
        const count = Math.max(1, (h1 - h0) * (w1 - w0));
        const dst = ((n * outH + oh) * outW + ow) * C;
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const src = ((n * inH + ih) * inW + iw) * C;
            for (let c = 0; c < C; c++) y[dst + c] += x[src + c];
          }
        }
        for (let c = 0; c < C; c++) y[dst + c] /= count;
      }
    }
  }
  return y;
}

export function avgPoolBackward(dy: TensorData, info: Pool2DInfo, alloc: Alloc): TensorData {
  const { batch, inH, inW, channels: C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = info;
  const dx = alloc(batch * inH * inW * C);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1] = windowRange(oh, strideH, padTop, kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const [w0, w1] = windowRange(ow, strideW, padLeft, kW, inW);
        const count = Math.max(1, (h1 - h0) * (w1 - w0));
        const src = ((n * outH + oh) * outW + ow) * C;
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const dst = ((n * inH + ih) * inW + iw) * C;
            for (let c = 0; c < C; c++) dx[dst + c] += dy[src + c] / count;
          }
        }
      }
    }
  }
  return dx;
}
