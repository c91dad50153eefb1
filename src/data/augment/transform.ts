/**
 * The contract of every augmentation: a function from a batch of images to a batch of the same
 * shape. Input and output are [n, h, w, c] tensors of pixels in [0, 1] (augmentation runs after the
 * bytes are scaled and before mean/std normalisation); each image gets its own random parameters,
 * drawn from `rng` in image order, so the same seed gives the same batch bit for bit.
 * Transforms never modify their input: they return a new tensor of the input's dtype.
 */
import { ShapeError } from '../../errors.js';
import type { Rng } from '../../tensor/rng.js';
import { allocData, formatShape, Tensor } from '../../tensor/tensor.js';

/** Where a training batch comes from: its images' indices in the dataset and the run's epoch (0-based). */
export interface BatchPlace {
  indices: ArrayLike<number>;
  epoch: number;
}

/** `place` is given by training; transforms that need it (alternating flip) take image i of epoch 0 without it. */
export type BatchTransform = (x: Tensor, rng: Rng, place?: BatchPlace) => Tensor;

/** The sizes of an image batch. */
export interface BatchDims {
  n: number;
  h: number;
  w: number;
  c: number;
}

/** Checks that `x` is an [n, h, w, c] image batch and returns its sizes. */
export function batchDims(x: Tensor, what: string): BatchDims {
  if (x.rank !== 4) {
    throw new ShapeError(`${what} expects a batch of images of shape [n, height, width, channels], got shape ${formatShape(x.shape)}`);
  }
  const [n, h, w, c] = x.shape;
  return { n, h, w, c };
}

/** One value per image: a number is repeated, an array must have one entry per image. */
export function perImage(values: number | ArrayLike<number>, n: number, what: string): ArrayLike<number> {
  if (typeof values === 'number') return new Float64Array(n).fill(values);
  if (values.length !== n) {
    throw new ShapeError(`${what} needs one value per image: the batch has ${n} images, got ${values.length} values`);
  }
  return values;
}

/** Uniform in [lo, hi]. */
export function uniformIn(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/** A zero-filled batch with the shape and dtype of `x`. */
export function zerosLike(x: Tensor): Tensor {
  return new Tensor(allocData(x.dtype, x.size), x.shape);
}
