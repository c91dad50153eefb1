import { ShapeError } from '../errors.js';

export type Padding = 'same' | 'valid' | number | readonly [number, number] | readonly [[number, number], [number, number]];

/**
 * Output size of a convolution along one axis: o = ⌊(i + 2p − k)/s⌋ + 1 (the course's formula),
 * generalised to dilation d (effective kernel d·(k−1)+1) and uneven padding (before + after).
 */
export function convOutputSize(input: number, kernel: number, stride: number, padBefore: number, padAfter = padBefore, dilation = 1): number {
  const effective = dilation * (kernel - 1) + 1;
  return Math.floor((input + padBefore + padAfter - effective) / stride) + 1;
}

/** Output size of pooling without padding: o = ⌊(i − k)/s⌋ + 1 (the course's formula). */
export function poolOutputSize(input: number, pool: number, stride: number): number {
  return Math.floor((input - pool) / stride) + 1;
}

export interface Window2D {
  inH: number;
  inW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  outH: number;
  outW: number;
}

/** Padding (before, after) for one axis. `same` gives ⌈i/s⌉ outputs, the extra pixel after (as TF/Keras). */
function axisPadding(padding: Padding, axis: 0 | 1, input: number, kernel: number, stride: number, dilation: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') {
    const effective = dilation * (kernel - 1) + 1;
    const out = Math.ceil(input / stride);
    const total = Math.max(0, (out - 1) * stride + effective - input);
    const before = Math.floor(total / 2);
    return [before, total - before];
  }
  if (typeof padding === 'number') return [padding, padding];
  const p = padding[axis];
  if (typeof p === 'number') return [p, p];
  return [p[0], p[1]];
}

export function describePadding(padding: Padding): string {
  if (typeof padding === 'string') return padding;
  return JSON.stringify(padding);
}

/**
 * Resolves a 2-D sliding window (convolution or pooling) and checks that it gives a positive
 * output size. `what` names the layer or op for the error message.
 */
export function resolveWindow2D(
  what: string,
  inH: number,
  inW: number,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  padding: Padding,
  dilation: readonly [number, number] = [1, 1],
): Window2D {
  const [kH, kW] = kernel;
  const [strideH, strideW] = strides;
  const [dilationH, dilationW] = dilation;
  for (const [name, v] of [['kernel', kH], ['kernel', kW], ['stride', strideH], ['stride', strideW], ['dilation', dilationH], ['dilation', dilationW]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  const [padTop, padBottom] = axisPadding(padding, 0, inH, kH, strideH, dilationH);
  const [padLeft, padRight] = axisPadding(padding, 1, inW, kW, strideW, dilationW);
  for (const p of [padTop, padBottom, padLeft, padRight]) {
    if (!Number.isInteger(p) || p < 0) throw new ShapeError(`${what}: padding must be non-negative integers, got ${describePadding(padding)}`);
  }
  const outH = convOutputSize(inH, kH, strideH, padTop, padBottom, dilationH);
  const outW = convOutputSize(inW, kW, strideW, padLeft, padRight, dilationW);
  if (outH <= 0 || outW <= 0) {
    throw new ShapeError(
      `${what}: input ${inH}×${inW} with kernel ${kH}×${kW}, stride ${strideH}×${strideW}, dilation ${dilationH}×${dilationW}` +
        ` and padding ${describePadding(padding)} gives output ${outH}×${outW}; ` +
        `o = ⌊(i + p_before + p_after − (d·(k−1)+1))/s⌋ + 1 must be at least 1`,
    );
  }
  return { inH, inW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padBottom, padLeft, padRight, outH, outW };
}
