/** Contrast: stretch or squeeze each channel about its mean, clipped to [0, 1]. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { batchDims, perImage, uniformIn, zerosLike, type BatchTransform } from './transform.js';

/**
 * y = clip(m + factors[i]·(x − m), 0, 1), where m is the mean of that channel over image i
 * (tf.image.adjust_contrast's formula). Factor 1 leaves the image as it is, 0 makes it flat grey.
 */
export function adjustContrast(x: Tensor, factors: number | ArrayLike<number>): Tensor {
  const { n, h, w, c } = batchDims(x, 'contrast');
  const factor = perImage(factors, n, 'contrast');
  const out = zerosLike(x);
  const src = x.data;
  const dst = out.data;
  const size = h * w * c;
  const means = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const f = factor[i];
    if (!(f >= 0) || !Number.isFinite(f)) throw new ArgumentError(`contrast factor of image ${i} must be a number ≥ 0, got ${f}`);
    const start = i * size;
    means.fill(0);
    for (let p = start; p < start + size; p += c) for (let k = 0; k < c; k++) means[k] += src[p + k];
    for (let k = 0; k < c; k++) means[k] /= h * w;
    for (let p = start; p < start + size; p += c) {
      for (let k = 0; k < c; k++) {
        const v = means[k] + f * (src[p + k] - means[k]);
        dst[p + k] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return out;
}

/** Scales each image's contrast by a factor drawn uniformly from [1 − maxDelta, 1 + maxDelta]. */
export function randomContrast(maxDelta: number): BatchTransform {
  if (!(maxDelta >= 0 && maxDelta <= 1)) throw new ArgumentError(`contrast needs a maximum change in 0..1, got ${maxDelta}`);
  return (x, rng) => {
    const { n } = batchDims(x, 'contrast');
    const factors = new Float64Array(n);
    for (let i = 0; i < n; i++) factors[i] = uniformIn(rng, 1 - maxDelta, 1 + maxDelta);
    return adjustContrast(x, factors);
  };
}
