/**
 * Putting images on a larger black canvas: the first step of the affNIST / capsule-network
 * invariance experiment, where 28×28 MNIST digits sit in the middle of a 40×40 image.
 */
import { ArgumentError } from '../errors.js';
import { type ImageDataset, imageSize } from './dataset.js';

/** Where an h×w image goes on a size×size canvas: its top-left corner. */
export function canvasOffset(ds: Pick<ImageDataset, 'height' | 'width'>, size: number): { top: number; left: number } {
  return { top: Math.floor((size - ds.height) / 2), left: Math.floor((size - ds.width) / 2) };
}

/** Checks that a size×size canvas can hold the dataset's images. */
export function checkCanvasSize(ds: Pick<ImageDataset, 'name' | 'height' | 'width'>, size: number, what = 'canvas size'): void {
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`${what} must be a positive integer, got ${size}`);
  if (size < ds.height || size < ds.width) {
    throw new ArgumentError(`${what} ${size} is smaller than the ${ds.height}×${ds.width} images of '${ds.name}'; expected at least ${Math.max(ds.height, ds.width)}`);
  }
}

/**
 * Every image centred on a size×size canvas of zeros (an odd margin puts the extra pixel on the
 * right and bottom). A 28×28 digit on a 40×40 canvas gets 6 background pixels on every side, as
 * affNIST's untransformed ("just centred") set.
 */
export function placeOnCanvas(ds: ImageDataset, size: number): ImageDataset {
  checkCanvasSize(ds, size);
  const { height: h, width: w, channels: c } = ds;
  const { top, left } = canvasOffset(ds, size);
  const from = imageSize(ds);
  const to = size * size * c;
  const images = new Uint8Array(ds.count * to);
  const rowBytes = w * c;
  for (let i = 0; i < ds.count; i++) {
    for (let y = 0; y < h; y++) {
      const src = i * from + y * rowBytes;
      images.set(ds.images.subarray(src, src + rowBytes), i * to + ((top + y) * size + left) * c);
    }
  }
  return { ...ds, name: `${ds.name}-canvas${size}`, images, height: size, width: size };
}
