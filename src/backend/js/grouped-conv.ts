import type { TensorData } from '../../tensor/index.js';
import type { Conv2DInfo } from '../backend.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './conv.js';

type Alloc = (size: number) => TensorData;

/**
 * Grouped convolution, the reference way: group g convolves input channels [g·Cg, (g+1)·Cg)
 * with filters [g·Fg, (g+1)·Fg) (weights [kH, kW, Cg, outC], Cg = inC / groups,
 * Fg = outC / groups), each group an ordinary convolution on the same kernels as groups = 1.
 * Depthwise convolution is groups = inC.
 */

export function groupsOf(info: Conv2DInfo): number {
  return info.groups ?? 1;
}

/** The geometry of one group's ordinary convolution. */
export function groupInfo(info: Conv2DInfo): Conv2DInfo {
  const { groups = 1, ...rest } = info;
  return { ...rest, inC: info.inC / groups, outC: info.outC / groups };
}

/** Columns [offset, offset + width) of a row-major matrix with `stride` columns, as a new matrix. */
function sliceColumns(src: TensorData, rows: number, stride: number, offset: number, width: number, alloc: Alloc): TensorData {
  const out = alloc(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) out[r * width + j] = src[r * stride + offset + j];
  }
  return out;
}

/** Writes `src` (rows × width) into columns [offset, offset + width) of `dst` (rows × stride). */
function putColumns(dst: TensorData, src: TensorData, rows: number, stride: number, offset: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) dst[r * stride + offset + j] = src[r * width + j];
  }
}

export function groupedConv2d(x: TensorData, w: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const g1 = groupInfo(info);
  const G = groupsOf(info);
  const pixelsIn = info.batch * info.inH * info.inW;
  const pixelsOut = info.batch * info.outH * info.outW;
  const taps = info.kH * info.kW;
  const y = alloc(pixelsOut * info.outC);
  for (let g = 0; g < G; g++) {
    const xg = sliceColumns(x, pixelsIn, info.inC, g * g1.inC, g1.inC, alloc);
    const wg = sliceColumns(w, taps * g1.inC, info.outC, g * g1.outC, g1.outC, alloc);
    putColumns(y, conv2d(xg, wg, g1, alloc), pixelsOut, info.outC, g * g1.outC, g1.outC);
  }
  return y;
}

export function groupedConv2dBackwardInput(dy: TensorData, w: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const g1 = groupInfo(info);
  const G = groupsOf(info);
  const pixelsIn = info.batch * info.inH * info.inW;
  const pixelsOut = info.batch * info.outH * info.outW;
  const taps = info.kH * info.kW;
  const dx = alloc(pixelsIn * info.inC);
  for (let g = 0; g < G; g++) {
    const dyg = sliceColumns(dy, pixelsOut, info.outC, g * g1.outC, g1.outC, alloc);
    const wg = sliceColumns(w, taps * g1.inC, info.outC, g * g1.outC, g1.outC, alloc);
    putColumns(dx, conv2dBackwardInput(dyg, wg, g1, alloc), pixelsIn, info.inC, g * g1.inC, g1.inC);
  }
  return dx;
}

export function groupedConv2dBackwardFilter(x: TensorData, dy: TensorData, info: Conv2DInfo, alloc: Alloc): TensorData {
  const g1 = groupInfo(info);
  const G = groupsOf(info);
  const pixelsIn = info.batch * info.inH * info.inW;
  const pixelsOut = info.batch * info.outH * info.outW;
  const taps = info.kH * info.kW;
  const dw = alloc(taps * g1.inC * info.outC);
  for (let g = 0; g < G; g++) {
    const xg = sliceColumns(x, pixelsIn, info.inC, g * g1.inC, g1.inC, alloc);
    const dyg = sliceColumns(dy, pixelsOut, info.outC, g * g1.outC, g1.outC, alloc);
    putColumns(dw, conv2dBackwardFilter(xg, dyg, g1, alloc), taps * g1.inC, info.outC, g * g1.outC, g1.outC);
  }
  return dw;
}
