/**
 * Additive Gaussian noise. Not clipped: clipping at 0 and 1 would bias the mean and shrink the
 * spread wherever pixels are black or white (most of an MNIST digit), so the result has exactly the
 * requested statistics and may leave [0, 1] by a few standard deviations.
 */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Rng } from '../../tensor/rng.js';
import { batchDims, zerosLike, type BatchTransform } from './transform.js';

/** y = x + std·z with z standard normal, drawn independently for every pixel and channel. */
export function addGaussianNoise(x: Tensor, std: number, rng: Rng): Tensor {
  batchDims(x, 'noise');
  if (!(std >= 0) || !Number.isFinite(std)) throw new ArgumentError(`noise needs a standard deviation ≥ 0, got ${std}`);
  const out = zerosLike(x);
  const src = x.data;
  const dst = out.data;
  const length = src.length;
  for (let p = 0; p < length; p += 2) {
    // Marsaglia's polar method: two independent standard normals per accepted point, no trigonometry.
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * rng.uniform() - 1;
      v = 2 * rng.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = std * Math.sqrt((-2 * Math.log(s)) / s);
    dst[p] = src[p] + u * f;
    if (p + 1 < length) dst[p + 1] = src[p + 1] + v * f;
  }
  return out;
}

/** Adds Gaussian noise of standard deviation `std` (pixel values are in [0, 1]). */
export function gaussianNoise(std: number): BatchTransform {
  if (!(std >= 0) || !Number.isFinite(std)) throw new ArgumentError(`noise needs a standard deviation ≥ 0, got ${std}`);
  return (x, rng) => addGaussianNoise(x, std, rng);
}
