/** Brightness: add a per-image offset to every pixel, clipped to [0, 1]. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { batchDims, perImage, uniformIn, zerosLike, type BatchTransform } from './transform.js';

/** y = clip(x + deltas[i], 0, 1) for every pixel and channel of image i. */
export function adjustBrightness(x: Tensor, deltas: number | ArrayLike<number>): Tensor {
  const { n, h, w, c } = batchDims(x, 'brightness');
  const delta = perImage(deltas, n, 'brightness');
  const out = zerosLike(x);
  const src = x.data;
  const dst = out.data;
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    const d = delta[i];
    for (let p = i * size, end = p + size; p < end; p++) {
      const v = src[p] + d;
      dst[p] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

/** Adds to each image an offset drawn uniformly from [−maxDelta, maxDelta] (pixel values are in [0, 1]). */
export function randomBrightness(maxDelta: number): BatchTransform {
  if (!(maxDelta >= 0 && maxDelta <= 1)) throw new ArgumentError(`brightness needs a maximum change in 0..1, got ${maxDelta}`);
  return (x, rng) => {
    const { n } = batchDims(x, 'brightness');
    const deltas = new Float64Array(n);
    for (let i = 0; i < n; i++) deltas[i] = uniformIn(rng, -maxDelta, maxDelta);
    return adjustBrightness(x, deltas);
  };
}
