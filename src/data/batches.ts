/** Mini-batches, seeded shuffling, and slicing a dataset into parts. */
import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import { gatherImages, gatherLabels, imageSize, selectIndices } from './dataset.js';
import type { ImageDataset } from './dataset.js';

export interface Batch {
  /** [b, H, W, C], pixels in [0, 1]. */
  x: Tensor;
  labels: Int32Array;
  /** Which dataset images this batch holds, in batch order. */
  indices: Uint32Array;
}

export interface BatchOptions {
  batchSize: number;
  shuffle?: boolean;
  /** Required when `shuffle` is true: the order comes from it, so a seed fixes it. */
  rng?: Rng;
  dtype?: DType;
  /** Leave out the last batch when it would be smaller than batchSize (its images wait for another epoch's order). */
  dropLast?: boolean;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new ArgumentError(`batch size must be a positive integer, got ${batchSize}`);
  }
}

/** Number of batches in one pass over `n` items: the last one possibly partial, or left out with `dropLast`. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  checkBatchSize(batchSize);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** The order in which one epoch visits the dataset: 0..n-1, or a seeded permutation of it. */
export function epochOrder(n: number, shuffle: boolean, rng?: Rng): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (shuffle) {
    if (!rng) throw new ArgumentError('shuffle: true needs an rng (a seeded Rng) so that the order can be reproduced');
    rng.shuffle(order);
  }
  return order;
}

/**
 * One epoch of mini-batches; every image appears exactly once and the last batch may be smaller,
 * or, with `dropLast`, every batch is full and the images left over after the last one are skipped.
 */
export function* batches(ds: ImageDataset, options: BatchOptions): Generator<Batch> {
  const { batchSize, shuffle = false, rng, dtype = 'float32', dropLast = false } = options;
  checkBatchSize(batchSize);
  const order = epochOrder(ds.count, shuffle, rng);
  const end = dropLast ? ds.count - (ds.count % batchSize) : ds.count;
  for (let start = 0; start < end; start += batchSize) {
    const indices = order.subarray(start, Math.min(start + batchSize, ds.count));
    yield { x: gatherImages(ds, indices, dtype), labels: gatherLabels(ds, indices), indices };
  }
}

/** `count` images starting at `start`, sharing memory with `ds`. */
export function subset(ds: ImageDataset, start: number, count: number, name = ds.name): ImageDataset {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > ds.count) {
    throw new ArgumentError(`subset [${start}, ${start + count}) is outside ${ds.name}'s ${ds.count} images`);
  }
  const size = imageSize(ds);
  return {
    ...ds,
    name,
    images: ds.images.subarray(start * size, (start + count) * size),
    labels: ds.labels.subarray(start, start + count),
    count,
  };
}

/** The first `n` images (all of them if there are fewer), sharing memory with `ds`. */
export function take(ds: ImageDataset, n: number): ImageDataset {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`take needs a non-negative integer count, got ${n}`);
  return subset(ds, 0, Math.min(n, ds.count));
}

export interface ValidationSplit {
  train: ImageDataset;
  validation: ImageDataset;
}

/**
 * Holds out `fraction` of the images for validation. With an rng the held-out images are a
 * seeded random sample (copied); without one they are the last images, as Keras's
 * `validation_split` does (no copy).
 */
export function splitValidation(ds: ImageDataset, fraction: number, rng?: Rng): ValidationSplit {
  if (!(fraction > 0 && fraction < 1)) {
    throw new ArgumentError(`validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const validationCount = Math.round(ds.count * fraction);
  const trainCount = ds.count - validationCount;
  if (validationCount === 0 || trainCount === 0) {
    throw new ArgumentError(
      `validation fraction ${fraction} of ${ds.count} images leaves ${trainCount} for training and ${validationCount} for validation; both need at least one`,
    );
  }
  const trainName = `${ds.name}[train]`;
  const validationName = `${ds.name}[validation]`;
  if (!rng) {
    return {
      train: subset(ds, 0, trainCount, trainName),
      validation: subset(ds, trainCount, validationCount, validationName),
    };
  }
  const order = epochOrder(ds.count, true, rng);
  const validationIndices = order.slice(trainCount).sort();
  const trainIndices = order.slice(0, trainCount).sort();
  return {
    train: selectIndices(ds, trainIndices, trainName),
    validation: selectIndices(ds, validationIndices, validationName),
  };
}
