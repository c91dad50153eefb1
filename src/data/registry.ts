/**
 * The datasets Fovea knows by name and where it looks for them: directories the caller passes
 * (the CLI passes $FOVEA_DATA), the package's bundled data folder, then the system's dataset
 * folders (the user's ~/.local/share/fovea/datasets, Debian's /usr/share/datasets).
 *
 * Specs: a known name ('mnist', 'fashion-mnist', 'cifar10', 'cifar100'), `folder:DIR` (an image
 * folder, see image-folder.ts), or a directory of IDX files or of a CIFAR binary release.
 * 'cifar10' is the official binary directory `cifar-10-batches-bin` or, failing that, the JPEG
 * copy `cifar10-jpg` (train/ and test/ image folders) in a search directory.
 */
import { DatasetError, NotFoundError, UnknownNameError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';
import { CIFAR10_CLASS_NAMES, CIFAR100_FINE_CLASS_NAMES, loadCifar10Directory, loadCifar100Directory, scanCifarDirectory } from './cifar.js';
import type { ImageDataset } from './dataset.js';
import { loadIdxDirectory, scanIdxDirectory } from './idx-dataset.js';
import { isImageFolder, loadImageFolder } from './image-folder.js';

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
  {
    name: 'cifar10',
    description: 'CIFAR-10 objects, 50,000 train / 10,000 test, 32x32 RGB (binary release, or the JPEG q75 copy)',
    classNames: CIFAR10_CLASS_NAMES,
    hint: "unpack the JPEG copy with 'tar -xzf ../shared/data/cifar10-jpg.tar.gz -C <dir>' (giving <dir>/cifar10-jpg) or the official cifar-10-binary.tar.gz (giving <dir>/cifar-10-batches-bin), then add <dir> to FOVEA_DATA (or use ~/.local/share/fovea/datasets as <dir>: it is always searched)",
  },
  {
    name: 'cifar100',
    description: 'CIFAR-100 objects, 50,000 train / 10,000 test, 32x32 RGB, 100 fine classes (binary release)',
    classNames: CIFAR100_FINE_CLASS_NAMES,
    hint: "unpack the official cifar-100-binary.tar.gz into <dir> (giving <dir>/cifar-100-binary), then add <dir> to FOVEA_DATA",
  },
];

/** How a dataset's files are stored. */
export type DatasetFormat = 'idx' | 'cifar10-binary' | 'cifar100-binary' | 'image-folder';

/** Where a known dataset may sit under each search directory, most preferred first. */
const LOCATIONS: Record<string, readonly { dir: string; format: DatasetFormat }[]> = {
  cifar10: [
    { dir: 'cifar-10-batches-bin', format: 'cifar10-binary' },
    { dir: 'cifar10-jpg', format: 'image-folder' },
  ],
  cifar100: [{ dir: 'cifar-100-binary', format: 'cifar100-binary' }],
};

function locationsOf(name: string): readonly { dir: string; format: DatasetFormat }[] {
  return LOCATIONS[name] ?? [{ dir: name, format: 'idx' }];
}

/** What the files of each format are, for "not found" messages. */
const FORMAT_FILES: Record<DatasetFormat, string> = {
  idx: 'its four IDX files',
  'cifar10-binary': 'data_batch_1..5.bin and test_batch.bin',
  'cifar100-binary': 'train.bin and test.bin',
  'image-folder': 'train/ and test/ class folders of images',
};

export interface DatasetSearchOptions {
  /** Directories searched first, each for a '<name>' subdirectory. */
  searchDirs?: readonly string[];
}

export interface LoadDatasetOptions extends DatasetSearchOptions {
  /**
   * For `folder:DIR`: the size its images are fitted to (the model's input); default: the first
   * image's size. Known datasets keep their own size (CIFAR-10 is 32x32x3 as binary or JPEG).
   */
  imageSize?: { height?: number; width?: number; channels?: 1 | 3 };
  /** For `folder:DIR` without a test/ folder: fraction of each class held out as the test set (default 0.2). */
  valSplit?: number;
  /** Seed of that split (default 0). */
  seed?: number;
  /** Whether image folders may read and write their decode cache (default true). */
  cache?: boolean;
}

export interface LoadedDataset {
  name: string;
  /** Directory the files were read from. */
  location: string;
  train: ImageDataset;
  test: ImageDataset;
  classNames: readonly string[];
  /** How the files were stored. */
  format?: DatasetFormat;
  /** Files skipped while loading (image folders), for the caller to print. */
  warnings?: string[];
}

export interface DatasetDescription {
  name: string;
  description: string;
  found: boolean;
  /** Directory holding the files, or null when not found. */
  location: string | null;
  /** How the files found are stored, or null when not found. */
  format?: DatasetFormat | null;
  /** Every directory looked at, in order. */
  searched: string[];
  hint: string;
}

function findKnown(name: string): KnownDataset | undefined {
  return knownDatasets.find((d) => d.name === name.toLowerCase());
}

interface Candidate {
  dir: string;
  format: DatasetFormat;
}

function candidates(name: string, options: DatasetSearchOptions): Candidate[] {
  const platform = getPlatform();
  const bundled = platform.bundledDataDir();
  const roots = [...new Set([...(options.searchDirs ?? []), ...(bundled ? [bundled] : []), ...platform.systemDataDirs()])];
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const root of roots) {
    for (const location of locationsOf(name)) {
      const dir = platform.joinPath(root, location.dir);
      if (seen.has(dir)) continue;
      seen.add(dir);
      out.push({ dir, format: location.format });
    }
  }
  return out;
}

/** Directories where dataset `name` may live, in search order. */
export function candidateDirs(name: string, options: DatasetSearchOptions = {}): string[] {
  return candidates(name, options).map((c) => c.dir);
}

/** Whether `dir` holds a complete copy in `format`, judged from file names only. */
async function holds(dir: string, format: DatasetFormat): Promise<boolean> {
  switch (format) {
    case 'idx':
      return (await scanIdxDirectory(dir)).files !== null;
    case 'cifar10-binary':
      return (await scanCifarDirectory(dir, 'cifar10')).missing.length === 0;
    case 'cifar100-binary':
      return (await scanCifarDirectory(dir, 'cifar100')).missing.length === 0;
    case 'image-folder':
      return isImageFolder(dir, { requireSplits: true });
  }
}

/** The first candidate directory holding a complete copy, or null. */
async function locate(name: string, options: DatasetSearchOptions): Promise<{ location: string | null; format: DatasetFormat | null; searched: string[] }> {
  const all = candidates(name, options);
  const searched = all.map((c) => c.dir);
  for (const candidate of all) {
    if (await holds(candidate.dir, candidate.format)) return { location: candidate.dir, format: candidate.format, searched };
  }
  return { location: null, format: null, searched };
}

export async function describeDatasets(options: DatasetSearchOptions = {}): Promise<DatasetDescription[]> {
  const out: DatasetDescription[] = [];
  for (const known of knownDatasets) {
    const { location, format, searched } = await locate(known.name, options);
    out.push({ name: known.name, description: known.description, found: location !== null, location, format, searched, hint: known.hint });
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

export const FOLDER_PREFIX = 'folder:';

/** Loads `dir` as `format`; `known` gives a known dataset's name and class names. */
async function loadFrom(dir: string, format: DatasetFormat, name: string, options: LoadDatasetOptions, known?: KnownDataset): Promise<LoadedDataset> {
  switch (format) {
    case 'idx': {
      const { train, test } = await loadIdxDirectory(dir, { name, classNames: known?.classNames });
      return { name, location: dir, train, test, classNames: train.classNames, format };
    }
    case 'cifar10-binary':
    case 'cifar100-binary': {
      const load = format === 'cifar10-binary' ? loadCifar10Directory : loadCifar100Directory;
      const { train, test } = await load(dir, { name });
      return { name, location: dir, train, test, classNames: train.classNames, format };
    }
    case 'image-folder': {
      // A known dataset has one size whatever its format (the CIFAR-10 JPEG copy is 32x32 RGB, like
      // the binary release); other folders are fitted to imageSize, by default their first image's size.
      const size = known?.name === 'cifar10' ? { height: 32, width: 32, channels: 3 as const } : (options.imageSize ?? {});
      const loaded = await loadImageFolder(dir, {
        name,
        height: size.height,
        width: size.width,
        channels: size.channels,
        valSplit: options.valSplit,
        seed: options.seed,
        cache: options.cache,
      });
      if (known && loaded.classNames.join('\n') !== known.classNames.join('\n')) {
        throw new DatasetError(`${dir}: expected the ${known.name} class folders ${known.classNames.join(', ')}, found ${loaded.classNames.join(', ')}`);
      }
      const { train, test, classNames, warnings } = loaded;
      return { name, location: dir, train, test, classNames, format, warnings };
    }
  }
}

/**
 * Loads a dataset by known name ('mnist', 'fashion-mnist', 'cifar10', 'cifar100'), as an image
 * folder ('folder:DIR'), or from a directory of IDX files or of a CIFAR binary release.
 */
export async function loadDataset(spec: string, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  const known = findKnown(spec);
  if (known) {
    const { location, format, searched } = await locate(known.name, options);
    if (!location || !format) {
      const files = [...new Set(locationsOf(known.name).map((l) => FORMAT_FILES[l.format]))].join(' or ');
      throw new NotFoundError(`dataset '${known.name}' not found; looked for ${files} in: ${searched.join(', ')}; to get it: ${known.hint}`);
    }
    return loadFrom(location, format, known.name, options, known);
  }
  if (spec.startsWith(FOLDER_PREFIX)) {
    const dir = spec.slice(FOLDER_PREFIX.length);
    if (!dir) throw new NotFoundError(`'${FOLDER_PREFIX}' needs a directory after it, e.g. ${FOLDER_PREFIX}photos`);
    return loadFrom(dir, 'image-folder', baseName(dir), options);
  }
  if (await getPlatform().isDirectory(spec)) {
    const name = baseName(spec);
    if (!(await scanIdxDirectory(spec)).files) {
      for (const format of ['cifar10-binary', 'cifar100-binary'] as const) {
        if (await holds(spec, format)) return loadFrom(spec, format, name, options);
      }
    }
    try {
      return await loadFrom(spec, 'idx', name, options);
    } catch (e) {
      if (e instanceof NotFoundError && (await isImageFolder(spec))) e.message += `; if it is a folder of images, load it as '${FOLDER_PREFIX}${spec}'`;
      throw e;
    }
  }
  if (looksLikePath(spec)) throw new NotFoundError(`dataset directory not found: ${spec}`);
  const err = new UnknownNameError('dataset', spec, [...knownDatasets.map((d) => d.name), `${FOLDER_PREFIX}DIR`]);
  err.message += `; '${spec}' is not a directory of IDX files either`;
  throw err;
}
