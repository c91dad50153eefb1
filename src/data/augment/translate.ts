/** Translation: move each image right/down by some pixels, filling what is uncovered with 0 or with the nearest edge pixel. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { clampMap, remapImage, shiftMap } from './remap.js';
import { batchDims, perImage, zerosLike, type BatchTransform } from './transform.js';
import { centredAffine, warpImage, type WarpFill } from './warp.js';

/** How uncovered pixels are filled: 0, or the nearest edge pixel repeated (Keras's fill_mode 'nearest'). */
export type TranslateFill = WarpFill;
export const TRANSLATE_FILLS: readonly TranslateFill[] = ['zero', 'nearest'];

/**
 * Moves image i by (dx[i], dy[i]) pixels (positive: right, down). Whole-pixel shifts copy pixels
 * exactly; fractional ones sample bilinearly. Uncovered pixels are 0, or with `fill` 'nearest'
 * the nearest edge pixel.
 */
export function translateImages(x: Tensor, dx: number | ArrayLike<number>, dy: number | ArrayLike<number>, fill: TranslateFill = 'zero'): Tensor {
  checkFill(fill);
  const { n, h, w, c } = batchDims(x, 'translate');
  const shiftX = perImage(dx, n, 'translate (dx)');
  const shiftY = perImage(dy, n, 'translate (dy)');
  const out = zerosLike(x);
  const rows = new Int32Array(h);
  const cols = new Int32Array(w);
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    const sx = shiftX[i];
    const sy = shiftY[i];
    if (!Number.isFinite(sx) || !Number.isFinite(sy)) throw new ArgumentError(`translate shift of image ${i} must be finite, got (${sx}, ${sy})`);
    if (Number.isInteger(sx) && Number.isInteger(sy)) {
      const map = fill === 'nearest' ? clampMap : shiftMap;
      remapImage(x.data, out.data, i * size, w, c, map(rows, -sy, h), map(cols, -sx, w));
    } else {
      warpImage(x.data, out.data, i * size, h, w, c, centredAffine(h, w, 0, 1, sx, sy), fill);
    }
  }
  return out;
}

/** How random shifts are drawn: whole pixels (the image stays sharp), or any real amount sampled bilinearly (Keras's ImageDataGenerator). */
export type TranslateStep = 'whole' | 'subpixel';
export const TRANSLATE_STEPS: readonly TranslateStep[] = ['whole', 'subpixel'];

/**
 * Moves each image by a random shift along each axis, at most m = `max` pixels for `max` ≥ 1, or
 * m = `max` × size for `max` < 1 (a fraction of the width or height, as Keras's RandomTranslation).
 * With `step` 'whole' (the default) the shift is a whole number drawn uniformly from −⌊m⌋..⌊m⌋,
 * so pixels move exactly (no interpolation). With 'subpixel' it is a real number drawn uniformly
 * from [−m, m) and the image is sampled bilinearly, as Keras's ImageDataGenerator does for
 * `width_shift_range` (scipy's affine_transform, order 1): a 0.1 shift of a 32-pixel image moves
 * it by up to 3.2 pixels and blurs it by a fraction of a pixel. `fill` 'nearest' repeats the
 * edge pixels into the uncovered part, as ImageDataGenerator does by default.
 */
export function randomTranslation(max: number, fill: TranslateFill = 'zero', step: TranslateStep = 'whole'): BatchTransform {
  if (!(max >= 0) || !Number.isFinite(max)) throw new ArgumentError(`translate needs a maximum shift ≥ 0 (pixels, or a fraction of the size below 1), got ${max}`);
  checkFill(fill);
  if (!TRANSLATE_STEPS.includes(step)) throw new ArgumentError(`translate step must be one of ${TRANSLATE_STEPS.join(', ')}, got '${String(step)}'`);
  return (x, rng) => {
    const { n, h, w } = batchDims(x, 'translate');
    const mx = maxShift(max, w);
    const my = maxShift(max, h);
    if (step === 'subpixel') {
      const dx = new Float64Array(n);
      const dy = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        dx[i] = (2 * rng.uniform() - 1) * mx;
        dy[i] = (2 * rng.uniform() - 1) * my;
      }
      return translateImages(x, dx, dy, fill);
    }
    const kx = Math.floor(mx);
    const ky = Math.floor(my);
    const dx = new Int32Array(n);
    const dy = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      dx[i] = rng.int(2 * kx + 1) - kx;
      dy[i] = rng.int(2 * ky + 1) - ky;
    }
    return translateImages(x, dx, dy, fill);
  };
}

function checkFill(fill: TranslateFill): void {
  if (!TRANSLATE_FILLS.includes(fill)) throw new ArgumentError(`translate fill must be one of ${TRANSLATE_FILLS.join(', ')}, got '${String(fill)}'`);
}

/** The largest shift in pixels along an axis of `size` pixels. */
function maxShift(max: number, size: number): number {
  return max < 1 ? max * size : max;
}
