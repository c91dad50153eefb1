import { recordOp } from '../autograd/tape.js';
import type { Conv2DInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Padding, resolveWindow2D, Tensor } from '../tensor/index.js';
import { biasAdd } from './arithmetic.js';

export interface Conv2DOptions {
  strides?: number | readonly [number, number];
  padding?: Padding;
  dilation?: number | readonly [number, number];
}

export function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Resolves the geometry of conv2d(x [N,H,W,C], w [kH,kW,C,F]) and checks it. */
export function conv2dInfo(xShape: readonly number[], wShape: readonly number[], options: Conv2DOptions = {}, what = 'conv2d'): Conv2DInfo {
  if (xShape.length !== 4) throw new ShapeError(`${what}: input must be [batch, height, width, channels], got ${formatShape(xShape)}`);
  if (wShape.length !== 4) throw new ShapeError(`${what}: filter must be [kH, kW, inChannels, outChannels], got ${formatShape(wShape)}`);
  const [batch, inH, inW, inC] = xShape;
  const [kH, kW, wInC, outC] = wShape;
  if (wInC !== inC) {
    throw new ShapeError(`${what}: filter ${formatShape(wShape)} expects ${wInC} input channels, input ${formatShape(xShape)} has ${inC}`);
  }
  const window = resolveWindow2D(what, inH, inW, [kH, kW], pair(options.strides ?? 1), options.padding ?? 'valid', pair(options.dilation ?? 1));
  return { ...window, batch, inC, outC };
}

/**
 * 2-D convolution (cross-correlation, as in every deep-learning library) of NHWC input with
 * [kH, kW, inC, outC] filters, plus an optional per-filter bias.
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2DOptions = {}, bias?: Tensor): Tensor {
  const info = conv2dInfo(x.shape, w.shape, options);
  const backend = getBackend();
  const y = new Tensor(backend.conv2d(x.data, w.data, info), [info.batch, info.outH, info.outW, info.outC]);
  const out = recordOp(y, [x, w], (dy, needs) => [
    needs[0] ? new Tensor(backend.conv2dBackwardInput(dy.data, w.data, info), x.shape) : null,
    needs[1] ? new Tensor(backend.conv2dBackwardFilter(x.data, dy.data, info), w.shape) : null,
  ]);
  return bias ? biasAdd(out, bias) : out;
}
