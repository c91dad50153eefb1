import { recordOp } from '../autograd/tape.js';
import type { Pool2DInfo } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { describePadding, formatShape, type Padding, resolveWindow2D, Tensor } from '../tensor/index.js';
import { pair } from './conv.js';
import { reshape } from './reshape.js';

export interface Pool2DOptions {
  poolSize?: number | readonly [number, number];
  /** Defaults to poolSize (non-overlapping windows), as in Keras. */
  strides?: number | readonly [number, number];
  padding?: Padding;
}

export function pool2dInfo(xShape: readonly number[], options: Pool2DOptions = {}, what = 'pool2d'): Pool2DInfo {
  if (xShape.length !== 4) throw new ShapeError(`${what}: input must be [batch, height, width, channels], got ${formatShape(xShape)}`);
  const [batch, inH, inW, channels] = xShape;
  const poolSize = pair(options.poolSize ?? 2);
  const padding = options.padding ?? 'valid';
  const window = resolveWindow2D(what, inH, inW, poolSize, pair(options.strides ?? poolSize), padding);
  // A pad as wide as the window leaves windows with no pixel of the image (max −∞, mean of nothing).
  if (Math.max(window.padTop, window.padBottom) >= window.kH || Math.max(window.padLeft, window.padRight) >= window.kW) {
    throw new ShapeError(
      `${what}: padding ${describePadding(padding)} is not smaller than the pool size ${window.kH}×${window.kW}, ` +
        `so some windows would hold only padding; each side's padding must be less than the pool size`,
    );
  }
  return { ...window, batch, channels };
}

export function maxPool2d(x: Tensor, options: Pool2DOptions = {}): Tensor {
  const info = pool2dInfo(x.shape, options, 'maxPool2d');
  const backend = getBackend();
  const y = new Tensor(backend.maxPool(x.data, info), [info.batch, info.outH, info.outW, info.channels]);
  return recordOp(y, [x], (dy) => [new Tensor(backend.maxPoolBackward(dy.data, x.data, info), x.shape)]);
}

/** Average pooling; with padding, each window averages only the pixels inside the image. */
export function avgPool2d(x: Tensor, options: Pool2DOptions = {}): Tensor {
  const info = pool2dInfo(x.shape, options, 'avgPool2d');
  const backend = getBackend();
  const y = new Tensor(backend.avgPool(x.data, info), [info.batch, info.outH, info.outW, info.channels]);
  return recordOp(y, [x], (dy) => [new Tensor(backend.avgPoolBackward(dy.data, info), x.shape)]);
}

function globalPoolWindow(x: Tensor, what: string): Pool2DOptions {
  if (x.rank !== 4) throw new ShapeError(`${what}: input must be [batch, height, width, channels], got ${formatShape(x.shape)}`);
  const window: [number, number] = [x.shape[1], x.shape[2]];
  return { poolSize: window, strides: window, padding: 'valid' };
}

/** Mean of each channel over the whole image: [N, H, W, C] → [N, C]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  const y = avgPool2d(x, globalPoolWindow(x, 'globalAvgPool2d'));
  return reshape(y, [x.shape[0], x.shape[3]]);
}

/** Maximum of each channel over the whole image: [N, H, W, C] → [N, C]; the gradient goes to the first maximum. */
export function globalMaxPool2d(x: Tensor): Tensor {
  const y = maxPool2d(x, globalPoolWindow(x, 'globalMaxPool2d'));
  return reshape(y, [x.shape[0], x.shape[3]]);
}
