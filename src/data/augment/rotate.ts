/** Rotation about the image centre, bilinear, corners filled with 0. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { batchDims, perImage, uniformIn, zerosLike, type BatchTransform } from './transform.js';
import { centredAffine, warpImage } from './warp.js';

/** Turns image i by degrees[i] counter-clockwise (as seen on screen) about its centre. */
export function rotateImages(x: Tensor, degrees: number | ArrayLike<number>): Tensor {
  const { n, h, w, c } = batchDims(x, 'rotate');
  const angles = perImage(degrees, n, 'rotate');
  const out = zerosLike(x);
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(angles[i])) throw new ArgumentError(`rotation angle of image ${i} must be finite, got ${angles[i]}`);
    warpImage(x.data, out.data, i * size, h, w, c, centredAffine(h, w, angles[i], 1, 0, 0));
  }
  return out;
}

/** Turns each image by an angle drawn uniformly from [−maxDegrees, maxDegrees]. */
export function randomRotation(maxDegrees: number): BatchTransform {
  if (!(maxDegrees >= 0 && maxDegrees <= 180)) throw new ArgumentError(`rotate needs a maximum angle in degrees in 0..180, got ${maxDegrees}`);
  return (x, rng) => {
    const { n } = batchDims(x, 'rotate');
    const angles = new Float64Array(n);
    for (let i = 0; i < n; i++) angles[i] = uniformIn(rng, -maxDegrees, maxDegrees);
    return rotateImages(x, angles);
  };
}
