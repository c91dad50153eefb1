/**
 * Naive reference implementations for testing, written from the definitions with plain loops
 * and independent of the engine's geometry code.
 */
import { type Shape, Tensor } from '../../src/tensor/index.js';

export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** TF/Keras 'same' padding for one axis: ⌈i/s⌉ outputs, the odd pixel after. */
export function samePadding(input: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(input / stride);
  const total = Math.max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - input);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** y[n,oh,ow,f] = Σ_{kh,kw,c} x[n, oh·sH + kh·dH − top, ow·sW + kw·dW − left, c] · w[kh,kw,c,f] (+ bias[f]). */
export function naiveConv2d(x: Tensor, w: Tensor, strides: [number, number], pads: Pads, dilation: [number, number] = [1, 1], bias?: Tensor): Tensor {
  const [N, H, W, C] = x.shape;
  const [KH, KW, , F] = w.shape;
  const [sH, sW] = strides;
  const [dH, dW] = dilation;
  const OH = Math.floor((H + pads.top + pads.bottom - (dH * (KH - 1) + 1)) / sH) + 1;
  const OW = Math.floor((W + pads.left + pads.right - (dW * (KW - 1) + 1)) / sW) + 1;
  const out = new Float64Array(N * OH * OW * F);
  const at = (n: number, h: number, ww: number, c: number) => (h < 0 || h >= H || ww < 0 || ww >= W ? 0 : x.data[((n * H + h) * W + ww) * C + c]);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let f = 0; f < F; f++) {
          let s = bias ? bias.data[f] : 0;
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++)
              for (let c = 0; c < C; c++) s += at(n, oh * sH + kh * dH - pads.top, ow * sW + kw * dW - pads.left, c) * w.data[((kh * KW + kw) * C + c) * F + f];
          out[((n * OH + oh) * OW + ow) * F + f] = s;
        }
  return new Tensor(out, [N, OH, OW, F]);
}

/** Max or mean over each window's pixels that lie inside the image (padding never counts). */
export function naivePool2d(kind: 'max' | 'avg', x: Tensor, pool: [number, number], strides: [number, number], pads: Pads): Tensor {
  const [N, H, W, C] = x.shape;
  const OH = Math.floor((H + pads.top + pads.bottom - pool[0]) / strides[0]) + 1;
  const OW = Math.floor((W + pads.left + pads.right - pool[1]) / strides[1]) + 1;
  const out = new Float64Array(N * OH * OW * C);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          const inside: number[] = [];
          for (let ph = 0; ph < pool[0]; ph++)
            for (let pw = 0; pw < pool[1]; pw++) {
              const h = oh * strides[0] + ph - pads.top;
              const w = ow * strides[1] + pw - pads.left;
              if (h >= 0 && h < H && w >= 0 && w < W) inside.push(x.data[((n * H + h) * W + w) * C + c]);
            }
          out[((n * OH + oh) * OW + ow) * C + c] = kind === 'max' ? Math.max(...inside) : inside.reduce((a, b) => a + b, 0) / inside.length;
        }
  return new Tensor(out, [N, OH, OW, C]);
}

export function assertClose(actual: Tensor, expected: Tensor, tol = 1e-9, what = 'tensor'): void {
  const same = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(actual.shape, expected.shape)) {
    throw new Error(`${what}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  }
  for (let i = 0; i < actual.size; i++) {
    const a = actual.data[i];
    const e = expected.data[i];
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      throw new Error(`${what}: element ${i} is ${a}, expected ${e} (tol ${tol})`);
    }
  }
}
