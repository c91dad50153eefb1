/** Holding out part of a dataset for validation, class by class; putting a class-sorted dataset in interleaved order. */
import { ArgumentError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { selectIndices } from './dataset.js';
import type { ImageDataset } from './dataset.js';

export interface DatasetSplit {
  train: ImageDataset;
  validation: ImageDataset;
}

/**
 * A seeded, stratified split: from each class, round(count × valFraction) images chosen at random
 * (but never all of a class, so every class keeps a training image) go to `validation`, the rest
 * to `train`; both keep the original order. The same seed gives the same split. Unlike
 * `splitValidation` (batches.ts), the class balance of both parts matches the whole.
 */
export function splitDataset(ds: ImageDataset, valFraction: number, seed = 0): DatasetSplit {
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
  return {
    train: selectIndices(ds, trainIndices, `${ds.name}[train]`),
    validation: selectIndices(ds, validationIndices, `${ds.name}[validation]`),
  };
}

/**
 * The images in class-interleaved order: the first image of each class (classes in label order),
 * then the second of each, and so on, each class keeping its own order; a class that runs out
 * drops out of the rotation. For datasets stored class by class (image folders), so that the
 * first N images (`--limit N`) cover every class evenly instead of being all of the first class.
 * Returns `ds` itself when it is already in that order.
 */
export function interleaveClasses(ds: ImageDataset): ImageDataset {
  const byClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.count; i++) byClass[ds.labels[i]].push(i);
  const order = new Uint32Array(ds.count);
  let n = 0;
  for (let round = 0; n < ds.count; round++) {
    for (const indices of byClass) if (round < indices.length) order[n++] = indices[round];
  }
  if (order.every((index, k) => index === k)) return ds;
  return selectIndices(ds, order);
}
