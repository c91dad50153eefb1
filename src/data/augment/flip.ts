/** Horizontal flip (mirror left–right). */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mirrorMap, identityMap, remapImage } from './remap.js';
import { batchDims, zerosLike, type BatchTransform } from './transform.js';

/** Mirrors the images whose entry in `which` is true (every image when `which` is omitted). */
export function flipHorizontal(x: Tensor, which?: ArrayLike<boolean>): Tensor {
  const { n, h, w, c } = batchDims(x, 'flip');
  if (which && which.length !== n) {
    throw new ArgumentError(`flip needs one flag per image: the batch has ${n} images, got ${which.length} flags`);
  }
  const out = zerosLike(x);
  const rows = identityMap(new Int32Array(h));
  const cols = mirrorMap(new Int32Array(w), w);
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    if (!which || which[i]) remapImage(x.data, out.data, i * size, w, c, rows, cols);
    else out.data.set(x.data.subarray(i * size, (i + 1) * size), i * size);
  }
  return out;
}

/** Mirrors each image left–right with probability `p`. */
export function randomFlip(p = 0.5): BatchTransform {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`flip probability must be in [0, 1], got ${p}`);
  return (x, rng) => {
    const { n } = batchDims(x, 'flip');
    const which = new Array<boolean>(n);
    for (let i = 0; i < n; i++) which[i] = rng.uniform() < p;
    return flipHorizontal(x, which);
  };
}

/** A fixed pseudo-random bit per image index (murmur3's finaliser), the same in every run. */
function imageBit(index: number): number {
  let h = (index + 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) & 1;
}

/**
 * airbench's alternating flip: half the images (a fixed pseudo-random half, by index) are mirrored
 * in even epochs and the other half in odd ones, so every image is seen both ways in any two
 * consecutive epochs, where random flips repeat a side a quarter of the time. Needs the batch's
 * place (fit gives it); without it, image i of epoch 0.
 */
export function alternatingFlip(): BatchTransform {
  return (x, _rng, place) => {
    const { n } = batchDims(x, 'altflip');
    if (place && place.indices.length !== n) throw new ArgumentError(`altflip needs one index per image: the batch has ${n} images, got ${place.indices.length} indices`);
    const parity = (place?.epoch ?? 0) & 1;
    const which = new Array<boolean>(n);
    for (let i = 0; i < n; i++) which[i] = (imageBit(place ? place.indices[i] : i) ^ parity) === 1;
    return flipHorizontal(x, which);
  };
}
