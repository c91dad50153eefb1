/**
 * The official CIFAR-10 and CIFAR-100 *binary* releases (https://www.cs.toronto.edu/~kriz/cifar.html).
 *
 * - CIFAR-10 (`cifar-10-batches-bin/`): data_batch_1.bin … data_batch_5.bin and test_batch.bin,
 *   each a run of 3073-byte records: 1 label byte (0–9), then 3072 pixel bytes of a 32×32 image as
 *   three planes (1024 red, 1024 green, 1024 blue, each row-major). batches.meta.txt names the
 *   classes, one per line.
 * - CIFAR-100 (`cifar-100-binary/`): train.bin and test.bin, 3074-byte records: coarse label
 *   (0–19), fine label (0–99), 3072 pixel bytes as above. fine_label_names.txt and
 *   coarse_label_names.txt name the classes.
 *
 * Pixels are converted to Fovea's layout (NHWC, channels interleaved) as they are read. Every
 * size comes from the file's real length, never from an assumed count: a file that is not a
 * whole number of records is a `FormatError` ("truncated CIFAR record"), a label outside its
 * range is a `FormatError` naming the record, a missing file is a `NotFoundError` listing what
 * the directory should hold. The class-name files are optional (the names are fixed and known),
 * but one that is present must name the right number of classes.
 */
import { DatasetError, FormatError, NotFoundError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';
import { createImageDataset } from './dataset.js';
import type { ImageDataset } from './dataset.js';

export const CIFAR_HEIGHT = 32;
export const CIFAR_WIDTH = 32;
export const CIFAR_CHANNELS = 3;
/** Pixel bytes of one image (3 planes of 32×32). */
export const CIFAR_PIXELS = CIFAR_HEIGHT * CIFAR_WIDTH * CIFAR_CHANNELS;

export const CIFAR10_CLASS_NAMES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

export const CIFAR100_FINE_CLASS_NAMES: readonly string[] = [
  'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
  'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
  'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
  'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
  'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
  'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
  'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
  'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider',
  'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
  'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
];

export const CIFAR100_COARSE_CLASS_NAMES: readonly string[] = [
  'aquatic_mammals', 'fish', 'flowers', 'food_containers', 'fruit_and_vegetables',
  'household_electrical_devices', 'household_furniture', 'insects', 'large_carnivores', 'large_man-made_outdoor_things',
  'large_natural_outdoor_scenes', 'large_omnivores_and_herbivores', 'medium_mammals', 'non-insect_invertebrates', 'people',
  'reptiles', 'small_mammals', 'trees', 'vehicles_1', 'vehicles_2',
];

export const CIFAR10_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_META_FILE = 'batches.meta.txt';
export const CIFAR100_TRAIN_FILE = 'train.bin';
export const CIFAR100_TEST_FILE = 'test.bin';
export const CIFAR100_FINE_NAMES_FILE = 'fine_label_names.txt';
export const CIFAR100_COARSE_NAMES_FILE = 'coarse_label_names.txt';

/** How one kind of record is laid out: its label bytes (each with its range), then the 3072 pixel bytes. */
export interface CifarRecordLayout {
  labels: readonly { name: string; classes: number }[];
  /** Which label byte is the class label of the dataset. */
  classLabel: number;
}

const CIFAR100_LABELS = [
  { name: 'coarse label', classes: 20 },
  { name: 'fine label', classes: 100 },
];
export const CIFAR10_LAYOUT: CifarRecordLayout = { labels: [{ name: 'label', classes: 10 }], classLabel: 0 };
export const CIFAR100_FINE_LAYOUT: CifarRecordLayout = { labels: CIFAR100_LABELS, classLabel: 1 };
export const CIFAR100_COARSE_LAYOUT: CifarRecordLayout = { labels: CIFAR100_LABELS, classLabel: 0 };

export function cifarRecordSize(layout: CifarRecordLayout): number {
  return layout.labels.length + CIFAR_PIXELS;
}

/** Number of whole records in `bytes`, or a FormatError if it is not a whole number of them. */
export function countCifarRecords(byteLength: number, layout: CifarRecordLayout, file: string): number {
  const recordSize = cifarRecordSize(layout);
  const labels = layout.labels.length === 1 ? '1 label byte' : `${layout.labels.length} label bytes`;
  if (byteLength === 0) throw new FormatError(`empty file; expected ${recordSize}-byte CIFAR records (${labels} + ${CIFAR_PIXELS} pixel bytes)`, file);
  if (byteLength % recordSize !== 0) {
    const whole = Math.floor(byteLength / recordSize);
    throw new FormatError(
      `truncated CIFAR record: expected a whole number of ${recordSize}-byte records (${labels} + ${CIFAR_PIXELS} pixel bytes), found ${byteLength} bytes (${whole} whole record${whole === 1 ? '' : 's'} and ${byteLength % recordSize} bytes left over)`,
      file,
    );
  }
  return byteLength / recordSize;
}

/**
 * Decodes the records of one CIFAR binary file into `images` (NHWC) and `labels`, starting at
 * image `first`. Returns the number of records read.
 */
export function decodeCifarRecords(
  bytes: Uint8Array,
  layout: CifarRecordLayout,
  file: string,
  images: Uint8Array,
  labels: Uint8Array,
  first = 0,
): number {
  const count = countCifarRecords(bytes.length, layout, file);
  const recordSize = cifarRecordSize(layout);
  const plane = CIFAR_HEIGHT * CIFAR_WIDTH;
  if (images.length < (first + count) * CIFAR_PIXELS || labels.length < first + count) {
    throw new DatasetError(`${file}: ${count} records do not fit the ${labels.length - first} image slots left`);
  }
  for (let r = 0; r < count; r++) {
    const record = r * recordSize;
    for (let b = 0; b < layout.labels.length; b++) {
      const value = bytes[record + b];
      const { name, classes } = layout.labels[b];
      if (value >= classes) {
        throw new FormatError(`record ${r} (byte offset ${record + b}): ${name} is ${value}, expected 0..${classes - 1}`, file);
      }
    }
    labels[first + r] = bytes[record + layout.classLabel];
    const src = record + layout.labels.length;
    let dst = (first + r) * CIFAR_PIXELS;
    for (let p = 0; p < plane; p++) {
      images[dst] = bytes[src + p];
      images[dst + 1] = bytes[src + plane + p];
      images[dst + 2] = bytes[src + 2 * plane + p];
      dst += 3;
    }
  }
  return count;
}

/** Reads CIFAR binary files, in order, into one dataset. */
export async function readCifarFiles(
  paths: readonly string[],
  layout: CifarRecordLayout,
  name: string,
  classNames: readonly string[],
): Promise<ImageDataset> {
  const platform = getPlatform();
  // Sizes first, so the output is allocated once and never larger than the files hold.
  const counts: number[] = [];
  for (const path of paths) {
    const info = await platform.fileInfo(path);
    if (!info || info.isDirectory) throw new NotFoundError(`CIFAR file not found: ${path}`);
    counts.push(countCifarRecords(info.size, layout, path));
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(total * CIFAR_PIXELS);
  const labels = new Uint8Array(total);
  let first = 0;
  for (let i = 0; i < paths.length; i++) {
    const bytes = await platform.readFile(paths[i]);
    if (bytes.length !== counts[i] * cifarRecordSize(layout)) {
      throw new FormatError(`file changed while being read: it had ${counts[i] * cifarRecordSize(layout)} bytes, now ${bytes.length}`, paths[i]);
    }
    first += decodeCifarRecords(bytes, layout, paths[i], images, labels, first);
  }
  return createImageDataset({
    name,
    images,
    labels,
    height: CIFAR_HEIGHT,
    width: CIFAR_WIDTH,
    channels: CIFAR_CHANNELS,
    classNames,
    imagesSource: paths.join(', '),
    labelsSource: paths.join(', '),
  });
}

export type CifarVariant = 'cifar10' | 'cifar100';

export interface CifarDirectoryScan {
  variant: CifarVariant;
  /** Required files that are absent. */
  missing: string[];
  /** What the directory holds (empty if it does not exist). */
  entries: string[];
}

function requiredFiles(variant: CifarVariant): string[] {
  return variant === 'cifar10' ? [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE] : [CIFAR100_TRAIN_FILE, CIFAR100_TEST_FILE];
}

/** Which of a CIFAR release's data files `dir` lacks, without reading them. */
export async function scanCifarDirectory(dir: string, variant: CifarVariant): Promise<CifarDirectoryScan> {
  const platform = getPlatform();
  const entries = (await platform.isDirectory(dir)) ? await platform.listDir(dir) : [];
  return { variant, missing: requiredFiles(variant).filter((f) => !entries.includes(f)), entries };
}

async function requireCifarFiles(dir: string, variant: CifarVariant): Promise<void> {
  const platform = getPlatform();
  if (!(await platform.isDirectory(dir))) throw new NotFoundError(`CIFAR directory not found: ${dir}`);
  const scan = await scanCifarDirectory(dir, variant);
  if (scan.missing.length > 0) {
    const release = variant === 'cifar10' ? 'cifar-10-binary.tar.gz (cifar-10-batches-bin/)' : 'cifar-100-binary.tar.gz (cifar-100-binary/)';
    throw new NotFoundError(
      `${dir}: missing ${scan.missing.join(', ')}; a ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} binary directory holds ${requiredFiles(variant).join(', ')} as unpacked from ${release}; the directory holds: ${scan.entries.length ? scan.entries.join(', ') : 'nothing'}`,
    );
  }
}

/** Class names from a names file (one per line, blank lines at the end ignored), or `fallback` if the file is absent. */
async function readNamesFile(path: string, expected: number, fallback: readonly string[]): Promise<readonly string[]> {
  const platform = getPlatform();
  if (!(await platform.exists(path))) return fallback;
  const names = new TextDecoder().decode(await platform.readFile(path)).split(/\r?\n/).map((line) => line.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  if (names.length !== expected || names.includes('')) {
    throw new FormatError(`expected ${expected} class names, one per line, found ${names.length} lines${names.includes('') ? ' (some blank)' : ''}`, path);
  }
  return names;
}

export interface CifarSplits {
  train: ImageDataset;
  test: ImageDataset;
}

/** The official CIFAR-10 binary directory (cifar-10-batches-bin): 50,000 train and 10,000 test images. */
export async function loadCifar10Directory(dir: string, options: { name?: string } = {}): Promise<CifarSplits> {
  const platform = getPlatform();
  await requireCifarFiles(dir, 'cifar10');
  const name = options.name ?? 'cifar10';
  const classNames = await readNamesFile(platform.joinPath(dir, CIFAR10_META_FILE), 10, CIFAR10_CLASS_NAMES);
  const paths = CIFAR10_TRAIN_FILES.map((f) => platform.joinPath(dir, f));
  return {
    train: await readCifarFiles(paths, CIFAR10_LAYOUT, `${name}/train`, classNames),
    test: await readCifarFiles([platform.joinPath(dir, CIFAR10_TEST_FILE)], CIFAR10_LAYOUT, `${name}/test`, classNames),
  };
}

/** The official CIFAR-100 binary directory (cifar-100-binary), labelled by its 100 fine classes or 20 coarse ones. */
export async function loadCifar100Directory(
  dir: string,
  options: { name?: string; labels?: 'fine' | 'coarse' } = {},
): Promise<CifarSplits> {
  const platform = getPlatform();
  await requireCifarFiles(dir, 'cifar100');
  const name = options.name ?? 'cifar100';
  const coarse = options.labels === 'coarse';
  const layout = coarse ? CIFAR100_COARSE_LAYOUT : CIFAR100_FINE_LAYOUT;
  const classNames = coarse
    ? await readNamesFile(platform.joinPath(dir, CIFAR100_COARSE_NAMES_FILE), 20, CIFAR100_COARSE_CLASS_NAMES)
    : await readNamesFile(platform.joinPath(dir, CIFAR100_FINE_NAMES_FILE), 100, CIFAR100_FINE_CLASS_NAMES);
  return {
    train: await readCifarFiles([platform.joinPath(dir, CIFAR100_TRAIN_FILE)], layout, `${name}/train`, classNames),
    test: await readCifarFiles([platform.joinPath(dir, CIFAR100_TEST_FILE)], layout, `${name}/test`, classNames),
  };
}
