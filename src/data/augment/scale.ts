/** Zoom about the image centre (> 1 enlarges, < 1 shrinks), bilinear, uncovered pixels 0. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { batchDims, perImage, uniformIn, zerosLike, type BatchTransform } from './transform.js';
import { centredAffine, warpImage } from './warp.js';

/** Scales image i by factors[i] about its centre, keeping the h×w size. */
export function scaleImages(x: Tensor, factors: number | ArrayLike<number>): Tensor {
  const { n, h, w, c } = batchDims(x, 'scale');
  const zoom = perImage(factors, n, 'scale');
  const out = zerosLike(x);
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    if (!(zoom[i] > 0) || !Number.isFinite(zoom[i])) throw new ArgumentError(`scale factor of image ${i} must be a positive number, got ${zoom[i]}`);
    warpImage(x.data, out.data, i * size, h, w, c, centredAffine(h, w, 0, zoom[i], 0, 0));
  }
  return out;
}

/** Scales each image by a factor drawn uniformly from [min, max]. */
export function randomScale(min: number, max: number): BatchTransform {
  if (!(min > 0 && max >= min && Number.isFinite(max))) {
    throw new ArgumentError(`scale needs factors 0 < min ≤ max, got min ${min}, max ${max}`);
  }
  return (x, rng) => {
    const { n } = batchDims(x, 'scale');
    const factors = new Float64Array(n);
    for (let i = 0; i < n; i++) factors[i] = uniformIn(rng, min, max);
    return scaleImages(x, factors);
  };
}
