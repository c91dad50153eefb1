/**
 * The datasets Fovea knows by name and where it looks for them: directories the caller passes
 * (the CLI passes $FOVEA_DATA), the package's bundled data folder, then the system's dataset
 * folders (Debian's /usr/share/datasets).
 */
import { NotFoundError, UnknownNameError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';
import type { ImageDataset } from './dataset.js';
import { loadIdxDirectory, scanIdxDirectory } from './idx-dataset.js';

export interface KnownDataset {
  name: string;
  description: string;
  classNames: readonly string[];
  /** How to get it when it is not found. */
  hint: string;
}

export const knownDatasets: readonly KnownDataset[] = [
  {
    name: 'mnist',
    description: 'handwritten digits, 60,000 train / 10,000 test, 28x28 grey',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    hint: "ships with fovea in data/mnist; or put the four IDX files in '<dir>/mnist' and pass that <dir> as a search directory",
  },
  {
    name: 'fashion-mnist',
    description: 'Zalando clothing images, 60,000 train / 10,000 test, 28x28 grey',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    hint: 'apt-get install dataset-fashion-mnist',
  },
];

export interface DatasetSearchOptions {
  /** Directories searched first, each for a '<name>' subdirectory. */
  searchDirs?: readonly string[];
}

export interface LoadedDataset {
  name: string;
  /** Directory the files were read from. */
  location: string;
  train: ImageDataset;
  test: ImageDataset;
  classNames: readonly string[];
}

export interface DatasetDescription {
  name: string;
  description: string;
  found: boolean;
  /** Directory holding the files, or null when not found. */
  location: string | null;
  /** Every directory looked at, in order. */
  searched: string[];
  hint: string;
}

function findKnown(name: string): KnownDataset | undefined {
  return knownDatasets.find((d) => d.name === name.toLowerCase());
}

/** Directories where dataset `name` may live, in search order. */
export function candidateDirs(name: string, options: DatasetSearchOptions = {}): string[] {
  const platform = getPlatform();
  const bundled = platform.bundledDataDir();
  const roots = [...(options.searchDirs ?? []), ...(bundled ? [bundled] : []), ...platform.systemDataDirs()];
  return [...new Set(roots.map((root) => platform.joinPath(root, name)))];
}

/** The first candidate directory holding all four IDX files, or null. */
async function locate(name: string, options: DatasetSearchOptions): Promise<{ location: string | null; searched: string[] }> {
  const searched = candidateDirs(name, options);
  for (const dir of searched) {
    if ((await scanIdxDirectory(dir)).files) return { location: dir, searched };
  }
  return { location: null, searched };
}

export async function describeDatasets(options: DatasetSearchOptions = {}): Promise<DatasetDescription[]> {
  const out: DatasetDescription[] = [];
  for (const known of knownDatasets) {
    const { location, searched } = await locate(known.name, options);
    out.push({ name: known.name, description: known.description, found: location !== null, location, searched, hint: known.hint });
  }
  return out;
}

function looksLikePath(spec: string): boolean {
  return /[\\/]/.test(spec) || spec.startsWith('.');
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

/** Loads a dataset by known name ('mnist', 'fashion-mnist') or from a directory of IDX files. */
export async function loadDataset(spec: string, options: DatasetSearchOptions = {}): Promise<LoadedDataset> {
  const known = findKnown(spec);
  if (known) {
    const { location, searched } = await locate(known.name, options);
    if (!location) {
      throw new NotFoundError(
        `dataset '${known.name}' not found; looked for its four IDX files in: ${searched.join(', ')}; to get it: ${known.hint}`,
      );
    }
    const { train, test } = await loadIdxDirectory(location, { name: known.name, classNames: known.classNames });
    return { name: known.name, location, train, test, classNames: train.classNames };
  }
  if (await getPlatform().isDirectory(spec)) {
    const name = baseName(spec);
    const { train, test } = await loadIdxDirectory(spec, { name });
    return { name, location: spec, train, test, classNames: train.classNames };
  }
  if (looksLikePath(spec)) throw new NotFoundError(`dataset directory not found: ${spec}`);
  const err = new UnknownNameError('dataset', spec, knownDatasets.map((d) => d.name));
  err.message += `; '${spec}' is not a directory of IDX files either`;
  throw err;
}
