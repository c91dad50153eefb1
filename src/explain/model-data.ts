/** Whether a dataset can be used to test a model: image shape, number of classes, class names. */
import type { ImageDataset } from '../data/index.js';
import { DatasetError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { checkDatasetFitsModel } from '../train/evaluate.js';

const list = (names: readonly string[]): string => (names.length > 12 ? `${names.slice(0, 12).join(', ')}, … (${names.length})` : names.join(', '));

/**
 * Checks that the dataset's images fit the model's input and that its classes are the model's:
 * when the model records class names, the dataset must have the same names in the same order
 * (a 28×28 Fashion-MNIST image fits an MNIST model, but its labels mean something else).
 */
export function checkModelFitsDataset(model: Network, ds: ImageDataset): void {
  checkDatasetFitsModel(model, ds);
  const names = model.classNames;
  if (!names) return;
  const same = names.length === ds.classNames.length && names.every((n, i) => n === ds.classNames[i]);
  if (!same) {
    throw new DatasetError(`dataset '${ds.name}' has classes ${list(ds.classNames)}, but model '${model.name}' was trained on classes ${list(names)}: its test accuracy on this dataset would mean nothing`);
  }
}
