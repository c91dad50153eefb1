import { recordOp } from '../autograd/tape.js';
import type { Conv2DInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Padding, resolveWindow2D, Tensor } from '../tensor/index.js';
import { biasAdd } from './arithmetic.js';
import { reshape } from './reshape.js';

export interface Conv2DOptions {
  strides?: number | readonly [number, number];
  padding?: Padding;
  dilation?: number | readonly [number, number];
  /**
   * Channel groups (default 1): group g convolves input channels [g·C/groups, (g+1)·C/groups)
   * with filters [g·F/groups, (g+1)·F/groups); the filter is [kH, kW, C/groups, F].
   */
  groups?: number;
}

export function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Resolves the geometry of conv2d(x [N,H,W,C], w [kH,kW,C/groups,F]) and checks it. */
export function conv2dInfo(xShape: readonly number[], wShape: readonly number[], options: Conv2DOptions = {}, what = 'conv2d'): Conv2DInfo {
  if (xShape.length !== 4) throw new ShapeError(`${what}: input must be [batch, height, width, channels], got ${formatShape(xShape)}`);
  if (wShape.length !== 4) throw new ShapeError(`${what}: filter must be [kH, kW, inChannels, outChannels], got ${formatShape(wShape)}`);
  const [batch, inH, inW, inC] = xShape;
  const [kH, kW, wInC, outC] = wShape;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(`${what}: groups must be a positive integer, got ${groups}`);
  if (groups > 1) {
    if (inC % groups !== 0) throw new ShapeError(`${what}: ${inC} input channels (input ${formatShape(xShape)}) are not divisible by groups = ${groups}`);
    if (outC % groups !== 0) throw new ShapeError(`${what}: ${outC} filters (filter ${formatShape(wShape)}) are not divisible by groups = ${groups}`);
  }
  if (wInC * groups !== inC) {
    const expected = groups > 1 ? `${wInC} input channels per group × ${groups} groups = ${wInC * groups}` : `${wInC} input channels`;
    throw new ShapeError(`${what}: filter ${formatShape(wShape)} expects ${expected}, input ${formatShape(xShape)} has ${inC}`);
  }
  const window = resolveWindow2D(what, inH, inW, [kH, kW], pair(options.strides ?? 1), options.padding ?? 'valid', pair(options.dilation ?? 1));
  return groups > 1 ? { ...window, batch, inC, outC, groups } : { ...window, batch, inC, outC };
}

/**
 * 2-D convolution (cross-correlation, as in every deep-learning library) of NHWC input with
 * [kH, kW, inC / groups, outC] filters, plus an optional per-filter bias.
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

/**
 * Depthwise convolution: each input channel c convolved with its own `depthMultiplier` filters
 * w[:, :, c, m], giving output channel c·depthMultiplier + m (Keras' order). w is
 * [kH, kW, inC, depthMultiplier]; it is the grouped convolution with groups = inC, whose filter
 * [kH, kW, 1, inC·depthMultiplier] has the same memory.
 */
export function depthwiseConv2d(x: Tensor, w: Tensor, options: Omit<Conv2DOptions, 'groups'> = {}, bias?: Tensor): Tensor {
  if (x.rank !== 4) throw new ShapeError(`depthwiseConv2d: input must be [batch, height, width, channels], got ${formatShape(x.shape)}`);
  if (w.rank !== 4 || w.shape[2] !== x.shape[3]) {
    throw new ShapeError(`depthwiseConv2d: filter must be [kH, kW, ${x.shape[3]} (input channels), depthMultiplier], got ${formatShape(w.shape)}`);
  }
  const [kH, kW, inC, multiplier] = w.shape;
  return conv2d(x, reshape(w, [kH, kW, 1, inC * multiplier]), { ...options, groups: inC }, bias);
}
