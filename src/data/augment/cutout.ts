/** Cutout (DeVries & Taylor, 2017): blank a square of each image to 0. */
import { ArgumentError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { batchDims, perImage, type BatchTransform } from './transform.js';

/**
 * Sets to 0 the size×size square whose top-left corner is (tops[i], lefts[i]) in image i, clipped
 * to the image (corners may lie outside it).
 */
export function cutoutImages(x: Tensor, size: number, tops: number | ArrayLike<number>, lefts: number | ArrayLike<number>): Tensor {
  const { n, h, w, c } = batchDims(x, 'cutout');
  checkSize(size);
  const top = perImage(tops, n, 'cutout (tops)');
  const left = perImage(lefts, n, 'cutout (lefts)');
  const out = x.data.slice();
  const imageSize = h * w * c;
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(top[i]) || !Number.isInteger(left[i])) {
      throw new ArgumentError(`cutout corner of image ${i} must be whole pixels, got (${top[i]}, ${left[i]})`);
    }
    const y0 = Math.max(0, top[i]);
    const y1 = Math.min(h, top[i] + size);
    const x0 = Math.max(0, left[i]);
    const x1 = Math.min(w, left[i] + size);
    if (x1 <= x0) continue;
    for (let y = y0; y < y1; y++) {
      const row = i * imageSize + y * w * c;
      out.fill(0, row + x0 * c, row + x1 * c);
    }
  }
  return new Tensor(out, x.shape);
}

/**
 * Blanks in each image a size×size square centred on a pixel drawn uniformly from the whole image,
 * so squares near an edge are clipped (part of the square falls outside), as in the paper.
 */
export function randomCutout(size: number): BatchTransform {
  checkSize(size);
  return (x, rng) => {
    const { n, h, w } = batchDims(x, 'cutout');
    const tops = new Int32Array(n);
    const lefts = new Int32Array(n);
    const half = Math.floor(size / 2);
    for (let i = 0; i < n; i++) {
      tops[i] = rng.int(h) - half;
      lefts[i] = rng.int(w) - half;
    }
    return cutoutImages(x, size, tops, lefts);
  };
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 0) throw new ArgumentError(`cutout needs a square size in whole pixels ≥ 0, got ${size}`);
}
