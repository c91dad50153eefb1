import type { TensorData } from '../../tensor/index.js';
import type { Conv2DInfo } from '../backend.js';
import { groupInfo, groupsOf } from '../js/grouped-conv.js';
import { perPart, type WasmContext } from './context.js';

/**
 * How the wasm backend runs a convolution with groups > 1. `directDepthwise` (default true)
 * sends depthwise convolutions (one input channel per group) to the direct SIMD kernels of
 * assembly/depthwise.ts; tests and benchmarks turn it off to run them per group as well.
 */
export const groupedConvOptions = { directDepthwise: true };

export interface GroupedConvKernels {
  conv2d(x: TensorData, w: TensorData, info: Conv2DInfo): Float32Array;
  conv2dBackwardInput(dy: TensorData, w: TensorData, info: Conv2DInfo): Float32Array;
  conv2dBackwardFilter(x: TensorData, dy: TensorData, info: Conv2DInfo): Float32Array;
}

/**
 * Grouped convolution on the wasm backend. Depthwise (one input channel per group): direct loops,
 * SIMD over channels — the work per output is a handful of multiply-adds, so it is bound by
 * memory and any gemm would only add copies. Otherwise, per group: gather the group's channels
 * into contiguous arrays (copyColumns), run im2col + gemm as for groups = 1, scatter the result.
 */
export function wasmGroupedConv(ctx: WasmContext): GroupedConvKernels {
  const { pool, input, output, temporaries, gemm, im2col } = ctx;

  const geometry = (i: Conv2DInfo) =>
    [i.batch, i.inH, i.inW, i.inC, i.outC / i.inC, i.kH, i.kW, i.strideH, i.strideW, i.dilationH, i.dilationW, i.padTop, i.padLeft, i.outH, i.outW] as const;
  const isDepthwise = (i: Conv2DInfo) => groupedConvOptions.directDepthwise && groupsOf(i) === i.inC;

  /** Columns [offset, offset + width) of a rows × stride matrix at `src`, as a new contiguous matrix. */
  function gather(src: number, rows: number, stride: number, offset: number, width: number): Float32Array {
    const out = output(rows * width);
    pool.run('copyColumns', [src, stride, offset, out.byteOffset, width, 0, width, 0, rows], rows, 1, perPart(width));
    return out;
  }

  /** Writes `src` (rows × width) into columns [offset, offset + width) of the rows × stride matrix at `dst`. */
  function scatter(src: Float32Array, dst: number, rows: number, stride: number, offset: number, width: number): void {
    pool.run('copyColumns', [src.byteOffset, width, 0, dst, stride, offset, width, 0, rows], rows, 1, perPart(width));
  }

  /** A depthwise filter [kH, kW, C, 1] turned by 180° in space (a temporary). */
  function rotate180(w: TensorData, i: Conv2DInfo): Float32Array {
    const C = i.inC;
    const out = output(w.length);
    for (let kh = 0; kh < i.kH; kh++) {
      for (let kw = 0; kw < i.kW; kw++) {
        const src = (kh * i.kW + kw) * C;
        out.set(w.subarray(src, src + C), ((i.kH - 1 - kh) * i.kW + (i.kW - 1 - kw)) * C);
      }
    }
    return out;
  }

  /** Runs `each(g)` for every group, each in a scope of its own so its buffers are reused. */
  function perGroup(info: Conv2DInfo, each: (g: number, g1: Conv2DInfo) => void): void {
    const g1 = groupInfo(info);
    for (let g = 0; g < groupsOf(info); g++) temporaries(() => each(g, g1));
  }

  return {
    conv2d(x, w, i) {
      const pixels = i.batch * i.outH * i.outW;
      const y = output(pixels * i.outC);
      temporaries(() => {
        const xp = input(x);
        const wp = input(w);
        if (isDepthwise(i)) {
          pool.run('depthwiseConv2d', [xp, wp, ...geometry(i), y.byteOffset, 0, pixels], pixels, 1, perPart(i.outC * i.kH * i.kW));
          return;
        }
        const taps = i.kH * i.kW;
        perGroup(i, (g, g1) => {
          const xg = gather(xp, i.batch * i.inH * i.inW, i.inC, g * g1.inC, g1.inC);
          const wg = gather(wp, taps * g1.inC, i.outC, g * g1.outC, g1.outC);
          const yg = gemm(im2col(xg, g1), wg, pixels, g1.outC, taps * g1.inC, false, false);
          scatter(yg, y.byteOffset, pixels, i.outC, g * g1.outC, g1.outC);
        });
      });
      return y;
    },
    conv2dBackwardInput(dy, w, i) {
      const pixelsIn = i.batch * i.inH * i.inW;
      const dx = output(pixelsIn * i.inC);
      temporaries(() => {
        const dyp = input(dy);
        const wp = input(w);
        if (isDepthwise(i) && i.outC === i.inC && i.strideH === 1 && i.strideW === 1) {
          // Stride 1, one filter per channel: dx is the forward depthwise convolution of dy with
          // the 180°-rotated filter, padded by d·(k − 1) − p (the course's rule), on the forward
          // kernel, whose sums stay in registers.
          const rotated = rotate180(w, i);
          const padTop = i.dilationH * (i.kH - 1) - i.padTop;
          const padLeft = i.dilationW * (i.kW - 1) - i.padLeft;
          const geometry = [i.batch, i.outH, i.outW, i.inC, 1, i.kH, i.kW, 1, 1, i.dilationH, i.dilationW, padTop, padLeft, i.inH, i.inW];
          pool.run('depthwiseConv2d', [dyp, rotated.byteOffset, ...geometry, dx.byteOffset, 0, pixelsIn], pixelsIn, 1, perPart(i.inC * i.kH * i.kW));
          return;
        }
        if (isDepthwise(i)) {
          const taps = Math.max(1, (i.kH * i.kW) / (i.strideH * i.strideW));
          pool.run('depthwiseConv2dBackwardInput', [dyp, wp, ...geometry(i), dx.byteOffset, 0, pixelsIn], pixelsIn, 1, perPart(i.outC * taps));
          return;
        }
        const pixelsOut = i.batch * i.outH * i.outW;
        const taps = i.kH * i.kW;
        perGroup(i, (g, g1) => {
          const patch = taps * g1.inC;
          const dyg = gather(dyp, pixelsOut, i.outC, g * g1.outC, g1.outC);
          const wg = gather(wp, patch, i.outC, g * g1.outC, g1.outC);
          const dcols = gemm(dyg, wg, pixelsOut, patch, g1.outC, false, true);
          const dxg = output(pixelsIn * g1.inC);
          pool.run(
            'col2im',
            [dcols.byteOffset, i.batch, i.inH, i.inW, g1.inC, i.kH, i.kW, i.strideH, i.strideW, i.dilationH, i.dilationW, i.padTop, i.padLeft, i.outH, i.outW, dxg.byteOffset, 0, i.batch],
            i.batch,
            1,
            perPart(i.outH * i.outW * patch),
          );
          scatter(dxg, dx.byteOffset, pixelsIn, i.inC, g * g1.inC, g1.inC);
        });
      });
      return dx;
    },
    conv2dBackwardFilter(x, dy, i) {
      const taps = i.kH * i.kW;
      const cg = i.inC / groupsOf(i);
      const dw = output(taps * cg * i.outC);
      temporaries(() => {
        const xp = input(x);
        const dyp = input(dy);
        const pixelsOut = i.batch * i.outH * i.outW;
        if (isDepthwise(i)) {
          // Split by input channel, in multiples of 16 (a cache line of dw when depthMultiplier is 1).
          pool.run('depthwiseConv2dBackwardFilter', [xp, dyp, ...geometry(i), dw.byteOffset, 0, i.inC], i.inC, 16, perPart((pixelsOut * taps * i.outC) / i.inC));
          return;
        }
        perGroup(i, (g, g1) => {
          const xg = gather(xp, i.batch * i.inH * i.inW, i.inC, g * g1.inC, g1.inC);
          const dyg = gather(dyp, pixelsOut, i.outC, g * g1.outC, g1.outC);
          const dwg = gemm(im2col(xg, g1), dyg, taps * g1.inC, g1.outC, pixelsOut, true, false);
          scatter(dwg, dw.byteOffset, taps * g1.inC, i.outC, g * g1.outC, g1.outC);
        });
      });
      return dw;
    },
  };
}
