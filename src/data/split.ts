/** Holding out part of a dataset for validation, class by class; putting a class-sorted dataset in interleaved order. */
import { ArgumentError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { selectIndices } from './dataset.js';
import type { ImageDataset } from './dataset.js';

export interface DatasetSplit {
  train: ImageDataset;
  validation: ImageDataset;
}

/** Which images of a dataset go to each part of a split (indices in the dataset's order). */
export interface SplitIndices {
  train: Uint32Array;
  validation: Uint32Array;
}

/**
 * A seeded, stratified split: from each class, round(count × valFraction) images chosen at random
 * (but never all of a class, so every class keeps a training image) go to `validation`, the rest
 * to `train`; both keep the original order. The same seed gives the same split. Unlike
 * `splitValidation` (batches.ts), the class balance of both parts matches the whole.
 */
export function splitDataset(ds: ImageDataset, valFraction: number, seed = 0): DatasetSplit {
  const parts = splitIndices(ds, valFraction, seed);
  return {
    train: selectIndices(ds, parts.train, `${ds.name}[train]`),
    validation: selectIndices(ds, parts.validation, `${ds.name}[validation]`),
  };
}

/** The indices of `splitDataset`'s two parts, without copying any image. */
export function splitIndices(ds: ImageDataset, valFraction: number, seed = 0): SplitIndices {
  if (!(valFraction > 0 && valFraction < 1)) {
    throw new ArgumentError(`validation fraction must be between 0 and 1 (exclusive), got ${valFraction}`);
  }
  const byClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.count; i++) byClass[ds.labels[i]].push(i);
  const rng = new Rng(seed);
  const heldOut = new Uint8Array(ds.count);
  let validationCount = 0;
  for (const indices of byClass) {
    const take = Math.min(Math.round(indices.length * valFraction), Math.max(0, indices.length - 1));
    rng.shuffle(indices);
    for (let k = 0; k < take; k++) heldOut[indices[k]] = 1;
    validationCount += take;
  }
  const trainCount = ds.count - validationCount;
  if (validationCount === 0 || trainCount === 0) {
    throw new ArgumentError(
      `validation fraction ${valFraction} of ${ds.name}'s ${ds.count} images leaves ${trainCount} for training and ${validationCount} for validation; both need at least one`,
    );
  }
  const trainIndices = new Uint32Array(trainCount);
  const validationIndices = new Uint32Array(validationCount);
  let t = 0;
  let v = 0;
  for (let i = 0; i < ds.count; i++) {
    if (heldOut[i]) validationIndices[v++] = i;
    else trainIndices[t++] = i;
  }
  return { train: trainIndices, validation: validationIndices };
}

/**
 * The images in class-interleaved order: the first image of each class (classes in label order),
 * then the second of each, and so on, each class keeping its own order; a class that runs out
 * drops out of the rotation. For datasets stored class by class (image folders), so that the
 * first N images (`--limit N`) cover every class evenly instead of being all of the first class.
 * Returns `ds` itself when it is already in that order.
 */
export function interleaveClasses(ds: ImageDataset): ImageDataset {
  const order = interleavedOrder(ds.labels, ds.numClasses);
  if (order.every((index, k) => index === k)) return ds;
  return selectIndices(ds, order);
}

/**
 * `indices` (default: every image, 0 … labels.length − 1) put in the class-interleaved order of
 * `interleaveClasses`, by the labels they point at. Lets a caller reorder a subset and copy its
 * images once.
 */
export function interleavedOrder(labels: ArrayLike<number>, numClasses: number, indices?: ArrayLike<number>): Uint32Array {
  const count = indices ? indices.length : labels.length;
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let k = 0; k < count; k++) {
    const index = indices ? indices[k] : k;
    byClass[labels[index]].push(index);
  }
  const order = new Uint32Array(count);
  let n = 0;
  for (let round = 0; n < count; round++) {
    for (const members of byClass) if (round < members.length) order[n++] = members[round];
  }
  return order;
}
