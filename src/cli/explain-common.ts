/** What the look-inside commands (filters, activations, saliency) share: the image, the class, the file. */
import { Option } from 'commander';
import { gatherImages } from '../data/index.js';
import { ArgumentError, UnknownNameError } from '../errors.js';
import { encodeFigure, type Figure, fitImageToModel, pictureFormat } from '../explain/index.js';
import type { Network } from '../nn/index.js';
import { getPlatform } from '../platform/platform.js';
import type { Tensor } from '../tensor/index.js';
import { openDataset } from './resolve.js';

export const OUT_HELP = 'picture to write (replaced atomically): .svg for the annotated picture (labels, legend), .png for the same picture without text';

export const splitOption = (): Option => new Option('--split <split>', 'which part of the dataset').choices(['train', 'test']).default('test');

export interface ChosenImage {
  /** [1, H, W, C] fitted to the model, pixels in [0, 1]. */
  image: Tensor;
  dataset: string;
  split: 'train' | 'test';
  index: number;
  /** The image's class in the dataset. */
  label: string;
  labelIndex: number;
  /** What was done to fit the model's input (grey ↔ RGB, resize); empty when nothing. */
  changes: string[];
}

/** Image `index` of the dataset's split, fitted to the model's input (a note on stderr when converted). */
export async function chooseImage(model: Network, dataset: string, split: 'train' | 'test', index: number): Promise<ChosenImage> {
  const data = await openDataset(dataset);
  const ds = data[split];
  if (index >= ds.count) throw new ArgumentError(`--index ${index} is past the end of ${data.name} ${split}, which has ${ds.count} images (0..${ds.count - 1})`);
  const fitted = fitImageToModel(model, gatherImages(ds, [index]));
  if (fitted.changes.length > 0) {
    process.stderr.write(`fovea: note: ${data.name} images are ${ds.height}×${ds.width}×${ds.channels}, model '${model.name}' takes ${model.inputShape!.join('×')}: ${fitted.changes.join(', ')}\n`);
  }
  const labelIndex = ds.labels[index];
  return { image: fitted.image, dataset: data.name, split, index, label: ds.classNames[labelIndex] ?? String(labelIndex), labelIndex, changes: fitted.changes };
}

/** `--class`: an index, or one of the model's class names. */
export function parseClass(model: Network, spec: string): number {
  if (/^\s*\d+\s*$/.test(spec)) return Number(spec);
  const i = model.classNames?.indexOf(spec) ?? -1;
  if (i < 0) throw new UnknownNameError('class', spec, model.classNames ? [...model.classNames, '(or a class index)'] : ['a class index 0, 1, …']);
  return i;
}

/** `--layers a,b`: the names, trimmed, without empties. */
export function parseNames(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new ArgumentError(`--layers needs at least one layer name, got '${list}'`);
  return names;
}

/** Writes the figure as SVG or PNG (by the file's extension); returns the format and pixel size. */
export async function writeFigure(figure: Figure, out: string): Promise<{ format: 'svg' | 'png'; width: number; height: number }> {
  const format = pictureFormat(out);
  await getPlatform().writeFileAtomic(out, await encodeFigure(figure, format));
  return { format, width: Math.ceil(figure.width), height: Math.ceil(figure.height) };
}

export const percent = (p: number): string => `${(p * 100).toFixed(1)}%`;

/** A class probability as a percentage; for capsule networks, whose scores are capsule lengths, the length. */
export function confidenceText(model: Network, p: number): string {
  return model.loss === 'margin' ? `length ${p.toFixed(3)}` : percent(p);
}
