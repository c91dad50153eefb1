/** A picture of what an augmentation does: each sample image next to augmented variants of it. */
import { ArgumentError, ShapeError } from '../../errors.js';
import type { Rng } from '../../tensor/rng.js';
import { allocData, formatShape, shapesEqual, Tensor } from '../../tensor/tensor.js';
import { tileImages, type RgbaImage } from './grid.js';
import { batchDims, type BatchTransform } from './transform.js';

export interface PreviewOptions {
  /** Augmented copies per image (columns after the original). */
  variants: number;
  /** Pixel magnification; default: the smallest whole factor that makes an image at least 84 px. */
  magnify?: number;
}

export interface PreviewGrid extends RgbaImage {
  rows: number;
  /** The original plus the variants. */
  columns: number;
  magnify: number;
}

/** Smallest size (px) of a tile in the default preview. */
const MIN_TILE = 84;

/**
 * One row per image of `images` ([n, h, w, c] in [0, 1]): the original, then `variants` outputs of
 * `transform` on it (each its own random draw from `rng`), with gaps between tiles and a wider one
 * after the original.
 */
export function augmentPreview(images: Tensor, transform: BatchTransform, rng: Rng, options: PreviewOptions): PreviewGrid {
  const { n, h, w, c } = batchDims(images, 'augment preview');
  const { variants } = options;
  if (!Number.isInteger(variants) || variants < 1) throw new ArgumentError(`augment preview needs a positive whole number of variants, got ${variants}`);
  if (n < 1) throw new ArgumentError('augment preview needs at least one image');
  const magnify = options.magnify ?? Math.max(1, Math.ceil(MIN_TILE / Math.max(h, w)));
  const size = h * w * c;
  const repeated = allocData(images.dtype, n * variants * size);
  for (let i = 0; i < n; i++) {
    const image = images.data.subarray(i * size, (i + 1) * size);
    for (let v = 0; v < variants; v++) repeated.set(image, (i * variants + v) * size);
  }
  const batch = new Tensor(repeated, [n * variants, h, w, c]);
  const augmented = transform(batch, rng);
  if (!shapesEqual(augmented.shape, batch.shape)) {
    throw new ShapeError(`an augmentation must keep the batch shape ${formatShape(batch.shape)}, this one returned ${formatShape(augmented.shape)}`);
  }
  const columns = 1 + variants;
  const tiles = allocData(images.dtype, n * columns * size);
  for (let i = 0; i < n; i++) {
    tiles.set(images.data.subarray(i * size, (i + 1) * size), i * columns * size);
    tiles.set(augmented.data.subarray(i * variants * size, (i + 1) * variants * size), (i * columns + 1) * size);
  }
  const picture = tileImages(new Tensor(tiles, [n * columns, h, w, c]), {
    rows: n,
    columns,
    magnify,
    gap: 2,
    firstColumnGap: 6,
    background: 255,
  });
  return { ...picture, rows: n, columns, magnify };
}
