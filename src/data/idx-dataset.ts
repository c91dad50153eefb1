/** A directory of the four MNIST-style IDX files, loaded as train and test datasets. */
import { DatasetError, NotFoundError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';
import { createImageDataset } from './dataset.js';
import type { ImageDataset, LabelArray } from './dataset.js';
import { expectIdx, readIdxFile } from './idx.js';

export interface IdxFileRole {
  key: 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
  description: string;
  /** Accepted file names, in order of preference. */
  names: string[];
}

function namesFor(prefix: string, idx: 'idx1' | 'idx3'): string[] {
  const stems = [`${prefix}-${idx}-ubyte`, `${prefix}.${idx}-ubyte`];
  return stems.flatMap((stem) => [stem, `${stem}.gz`]);
}

export const IDX_FILE_ROLES: readonly IdxFileRole[] = [
  { key: 'trainImages', description: 'training images', names: namesFor('train-images', 'idx3') },
  { key: 'trainLabels', description: 'training labels', names: namesFor('train-labels', 'idx1') },
  { key: 'testImages', description: 'test images', names: namesFor('t10k-images', 'idx3') },
  { key: 'testLabels', description: 'test labels', names: namesFor('t10k-labels', 'idx1') },
];

export const CLASS_NAME_FILES = ['classes.txt', 'labels.txt'] as const;

export type IdxFilePaths = Record<IdxFileRole['key'], string>;

export interface IdxDirectoryScan {
  /** Full paths of the four files, when all were found. */
  files: IdxFilePaths | null;
  /** Roles with no matching file. */
  missing: IdxFileRole[];
  /** What the directory holds (empty if it does not exist). */
  entries: string[];
}

/** Looks for the four IDX files in `dir` without reading them. */
export async function scanIdxDirectory(dir: string): Promise<IdxDirectoryScan> {
  const platform = getPlatform();
  const entries = (await platform.isDirectory(dir)) ? await platform.listDir(dir) : [];
  const found: Partial<IdxFilePaths> = {};
  const missing: IdxFileRole[] = [];
  for (const role of IDX_FILE_ROLES) {
    const name = role.names.find((n) => entries.includes(n));
    if (name) found[role.key] = platform.joinPath(dir, name);
    else missing.push(role);
  }
  return { files: missing.length === 0 ? (found as IdxFilePaths) : null, missing, entries };
}

export interface LoadIdxOptions {
  /** Dataset name, e.g. 'mnist'; the splits are named '<name>/train' and '<name>/test'. */
  name: string;
  /** Class names; otherwise from classes.txt or labels.txt in the directory, otherwise '0', '1', … */
  classNames?: readonly string[];
}

export interface TrainTestDatasets {
  train: ImageDataset;
  test: ImageDataset;
}

export async function loadIdxDirectory(dir: string, options: LoadIdxOptions): Promise<TrainTestDatasets> {
  const platform = getPlatform();
  if (!(await platform.isDirectory(dir))) throw new NotFoundError(`dataset directory not found: ${dir}`);
  const scan = await scanIdxDirectory(dir);
  if (!scan.files) {
    const lines = scan.missing.map((role) => `no ${role.description} file (tried ${role.names.join(', ')})`);
    const holds = scan.entries.length ? scan.entries.join(', ') : 'nothing';
    throw new NotFoundError(`${dir}: ${lines.join('; ')}; the directory holds: ${holds}`);
  }
  const files = scan.files;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readImages(files.trainImages),
    readLabels(files.trainLabels),
    readImages(files.testImages),
    readLabels(files.testLabels),
  ]);
  if (trainImages.height !== testImages.height || trainImages.width !== testImages.width) {
    throw new DatasetError(
      `${files.trainImages} holds ${trainImages.height}x${trainImages.width} images but ${files.testImages} holds ${testImages.height}x${testImages.width}`,
    );
  }
  const classNames =
    options.classNames ?? (await readClassNamesFile(dir)) ?? digitClassNames(Math.max(maxLabel(trainLabels), maxLabel(testLabels)) + 1);
  const common = { height: trainImages.height, width: trainImages.width, channels: 1, classNames };
  return {
    train: createImageDataset({
      ...common,
      name: `${options.name}/train`,
      images: trainImages.pixels,
      labels: trainLabels,
      imagesSource: files.trainImages,
      labelsSource: files.trainLabels,
    }),
    test: createImageDataset({
      ...common,
      name: `${options.name}/test`,
      images: testImages.pixels,
      labels: testLabels,
      imagesSource: files.testImages,
      labelsSource: files.testLabels,
    }),
  };
}

interface IdxImages {
  pixels: Uint8Array;
  height: number;
  width: number;
}

async function readImages(path: string): Promise<IdxImages> {
  const arr = await readIdxFile(path);
  expectIdx(arr, path, { type: 'ubyte', rank: 3, role: 'images' });
  return { pixels: arr.data as Uint8Array, height: arr.dims[1], width: arr.dims[2] };
}

async function readLabels(path: string): Promise<LabelArray> {
  const arr = await readIdxFile(path);
  expectIdx(arr, path, { type: 'ubyte', rank: 1, role: 'labels' });
  return arr.data as Uint8Array;
}

function maxLabel(labels: LabelArray): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max;
}

/** '0', '1', …: at least ten, so a digit dataset keeps ten classes even if a split lacks a digit. */
export function digitClassNames(numClasses: number): string[] {
  return Array.from({ length: Math.max(10, numClasses) }, (_, i) => String(i));
}

/** Class names from classes.txt or labels.txt (one per line), or null if neither exists. */
export async function readClassNamesFile(dir: string): Promise<string[] | null> {
  const platform = getPlatform();
  for (const fileName of CLASS_NAME_FILES) {
    const path = platform.joinPath(dir, fileName);
    if (!(await platform.exists(path))) continue;
    const text = new TextDecoder().decode(await platform.readFile(path));
    const names = text.split(/\r?\n/).map((line) => line.trim());
    while (names.length > 0 && names[names.length - 1] === '') names.pop();
    if (names.length === 0) throw new DatasetError(`${path}: no class names (expected one per line)`);
    const blank = names.indexOf('');
    if (blank >= 0) throw new DatasetError(`${path}: line ${blank + 1} is blank; expected one class name per line`);
    return names;
  }
  return null;
}
