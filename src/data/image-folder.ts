/**
 * Image-folder datasets: `root/<class>/*.{png,jpg,jpeg}`, the layout of Keras's
 * `image_dataset_from_directory` and torchvision's `ImageFolder`.
 *
 * Layout.
 * - Class names are the sorted names of the class sub-folders; class i is the i-th name.
 * - `root/train/<class>/…` and `root/test/<class>/…`: the given split. The classes are those of
 *   train/; a class folder in test/ that train/ lacks is an error; test/ may lack a class.
 *   With train/ but no test/, the test set is held out of train/ as below.
 * - Otherwise `root/<class>/…`, and the test set is held out with `valSplit` (default 0.2):
 *   seeded and stratified, i.e. that fraction of each class (see `splitIndices`).
 * - Both sets come in class-interleaved order (the first image of every class, then the second,
 *   …; see `interleaveClasses`), not class by class as the folders are: the first N images
 *   (`--limit N`, `--index`) then cover every class. Training shuffles every epoch either way.
 * - Names starting with '.' are ignored everywhere (the `.fovea-cache/` folder, `.DS_Store`),
 *   and so are plain files beside the class folders (a README).
 *
 * Every image is fitted to one size (see resize.ts): height × width default to the size of the
 * first image (in sorted order), channels to 3, or to 1 when every image is grey.
 *
 * Bad input.
 * - A file in a class folder that is not a .png/.jpg/.jpeg, a sub-folder there, or an image that
 *   cannot be read or decoded is skipped, with a line in `warnings` (which the caller prints).
 * - If no image at all remains, that is a `DatasetError`; so is a class folder left with no
 *   image (named in the message, as a class without examples cannot be learnt or tested).
 * - Images of other sizes are resized to the target; grey images in a colour dataset become
 *   R = G = B, colour images in a grey one become their luma (BT.601).
 *
 * Cache. Decoding tens of thousands of JPEGs takes a while, so the decoded bytes (NHWC uint8,
 * labels, class names, warnings) are written once to `<root>/.fovea-cache/` (or, where root is
 * not writable, to the platform's cache folder), atomically. The file is keyed by a fingerprint
 * of every file's path, size and modification time and of the target size: a later load whose
 * fingerprint matches reads it instead of decoding; any change of the files rebuilds it. The
 * held-out split is made after the cache, so changing `valSplit` or `seed` does not rebuild it.
 */
import { DatasetError, FoveaError, FormatError, NotFoundError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';
import type { DecodedImage } from '../platform/platform.js';
import { createImageDataset, selectIndices } from './dataset.js';
import type { ImageDataset } from './dataset.js';
import { fitImage, isGreyRgb } from './resize.js';
import { interleaveClasses, interleavedOrder, splitIndices } from './split.js';

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];
export const CACHE_FOLDER = '.fovea-cache';
/** Bumped whenever decoding, resizing or the cache layout changes, so old caches are rebuilt. */
const CACHE_VERSION = 2;
const CACHE_MAGIC = 'FOVEAIMG';
const DEFAULT_VAL_SPLIT = 0.2;
/** Files read at once while decoding or fingerprinting. */
const IO_BATCH = 64;

export interface ImageFolderOptions {
  /** Dataset name, e.g. 'cifar10'; the splits are '<name>/train' and '<name>/test'. Default: the folder's name. */
  name?: string;
  /** Target size; default: the first image's. */
  height?: number;
  width?: number;
  /** Target channels; default 3, or 1 when every image is grey. */
  channels?: 1 | 3;
  /** Fraction of each class held out as the test set when there is no test/ folder (default 0.2). */
  valSplit?: number;
  /** Seed of that split (default 0). */
  seed?: number;
  /** Whether to read and write the decode cache (default true). */
  cache?: boolean;
  /** Folder for the cache file instead of `<root>/.fovea-cache`. */
  cacheDir?: string;
}

export interface ImageFolderDataset {
  name: string;
  location: string;
  train: ImageDataset;
  test: ImageDataset;
  classNames: readonly string[];
  /** 'folders': train/ and test/ were given; 'held-out': the test set was split off with valSplit. */
  split: 'folders' | 'held-out';
  /** One line per skipped file (and cache problems), for the caller to print. */
  warnings: string[];
  cache: {
    /** The cache file read or written, or null when caching is off or nothing could be written. */
    path: string | null;
    /** Whether the images came from the cache rather than from decoding. */
    hit: boolean;
    /** How many images were decoded in this call (0 on a cache hit). */
    decoded: number;
  };
}

/** One file in a class folder. */
interface FolderEntry {
  part: number;
  label: number;
  path: string;
  /** Path relative to root, '/'-separated, as shown in warnings. */
  relative: string;
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

interface FolderScan {
  classNames: string[];
  /** 'train' (and 'test' when given), or 'all'. */
  parts: string[];
  /** Class folders in the order scanned: [part, label, path]. */
  classFolders: { part: number; label: number; path: string; relative: string }[];
  entries: FolderEntry[];
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

function hasImageExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

/** Runs `fn` over `items` with at most IO_BATCH calls in flight, results in order. */
async function mapBatched<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let start = 0; start < items.length; start += IO_BATCH) {
    out.push(...(await Promise.all(items.slice(start, start + IO_BATCH).map(fn))));
  }
  return out;
}

async function subfolders(dir: string): Promise<string[]> {
  const platform = getPlatform();
  const names = (await platform.listDir(dir)).filter((n) => !isHidden(n));
  const isDir = await mapBatched(names, (n) => platform.isDirectory(platform.joinPath(dir, n)));
  return names.filter((_, i) => isDir[i]);
}

/** Finds the layout, class folders and every file in them (with sizes and times), reading no image. */
async function scanFolder(root: string): Promise<FolderScan> {
  const platform = getPlatform();
  if (!(await platform.isDirectory(root))) throw new NotFoundError(`image folder not found: ${root}`);
  const top = await subfolders(root);
  let parts: string[];
  let classNames: string[];
  const partDirs: string[] = [];
  if (top.includes('train')) {
    parts = top.includes('test') ? ['train', 'test'] : ['train'];
    for (const part of parts) partDirs.push(platform.joinPath(root, part));
    classNames = await subfolders(partDirs[0]);
    if (classNames.length === 0) throw new DatasetError(`${partDirs[0]}: expected one sub-folder per class, found none`);
  } else if (top.includes('test')) {
    throw new DatasetError(`${root}: has a test/ folder but no train/ folder; expected both (each with one sub-folder per class) or class folders directly`);
  } else {
    parts = ['all'];
    partDirs.push(root);
    classNames = top;
    if (classNames.length === 0) {
      const files = (await platform.listDir(root)).filter((n) => !isHidden(n));
      throw new DatasetError(
        `${root}: expected one sub-folder per class (or train/ and test/ folders holding them), found ${files.length ? `only files (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''})` : 'nothing'}`,
      );
    }
  }
  const classFolders: FolderScan['classFolders'] = [];
  for (let part = 0; part < parts.length; part++) {
    const names = part === 0 ? classNames : await subfolders(partDirs[part]);
    if (names.length === 0) throw new DatasetError(`${partDirs[part]}: expected one sub-folder per class, found none`);
    for (const name of names) {
      const label = classNames.indexOf(name);
      if (label < 0) {
        throw new DatasetError(`${platform.joinPath(partDirs[part], name)}: class '${name}' is not among the classes of ${partDirs[0]} (${classNames.join(', ')})`);
      }
      const relative = parts[part] === 'all' ? name : `${parts[part]}/${name}`;
      classFolders.push({ part, label, path: platform.joinPath(partDirs[part], name), relative });
    }
  }
  const entries: FolderEntry[] = [];
  for (const folder of classFolders) {
    const names = (await platform.listDir(folder.path)).filter((n) => !isHidden(n));
    const infos = await mapBatched(names, (n) => platform.fileInfo(platform.joinPath(folder.path, n)));
    names.forEach((n, i) => {
      const info = infos[i];
      if (!info) return; // vanished between listing and stat
      entries.push({
        part: folder.part,
        label: folder.label,
        path: platform.joinPath(folder.path, n),
        relative: `${folder.relative}/${n}`,
        size: info.size,
        mtimeMs: info.mtimeMs,
        isDirectory: info.isDirectory,
      });
    });
  }
  return { classNames, parts, classFolders, entries };
}

/** A 64-bit (two-lane, cyrb53-style) hash of a string, as 16 hex digits. Detects changes; not cryptographic. */
class Fingerprint {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;
  update(text: string): this {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      this.h1 = Math.imul(this.h1 ^ ch, 2654435761);
      this.h2 = Math.imul(this.h2 ^ ch, 1597334677);
    }
    return this;
  }
  digest(): string {
    let h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^ Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    let h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^ Math.imul(this.h1 ^ (this.h1 >>> 13), 3266489909);
    h1 >>>= 0;
    h2 >>>= 0;
    return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
  }
}

interface Target {
  height: number | null;
  width: number | null;
  channels: 1 | 3 | null;
}

function targetKey(target: Target): string {
  return `${target.height ?? 'auto'}x${target.width ?? 'auto'}x${target.channels ?? 'auto'}`;
}

function fingerprintOf(scan: FolderScan, target: Target): string {
  const fp = new Fingerprint().update(`fovea-image-folder ${CACHE_VERSION} ${targetKey(target)}\n${scan.parts.join(',')}\n${scan.classNames.join('\n')}\n`);
  for (const e of scan.entries) fp.update(`${e.relative}\t${e.size}\t${e.mtimeMs}\t${e.isDirectory ? 'd' : 'f'}\n`);
  return fp.digest();
}

/** What the cache file holds besides the bytes. */
interface CacheHeader {
  version: number;
  fingerprint: string;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  parts: string[];
  /** Images per part, in `parts` order; the bytes follow in the same order. */
  counts: number[];
  warnings: string[];
}

/** Decoded pixels and labels per part, before they become datasets. */
interface Decoded {
  height: number;
  width: number;
  channels: 1 | 3;
  parts: { images: Uint8Array; labels: Int32Array }[];
  warnings: string[];
}

function encodeCache(header: CacheHeader, decoded: Decoded): Uint8Array {
  let json = JSON.stringify(header);
  // Pad so the labels start 4-byte aligned.
  while ((CACHE_MAGIC.length + 4 + new TextEncoder().encode(json).length) % 4 !== 0) json += ' ';
  const jsonBytes = new TextEncoder().encode(json);
  const labelBytes = decoded.parts.reduce((n, p) => n + p.labels.length * 4, 0);
  const imageBytes = decoded.parts.reduce((n, p) => n + p.images.length, 0);
  const out = new Uint8Array(CACHE_MAGIC.length + 4 + jsonBytes.length + labelBytes + imageBytes);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(CACHE_MAGIC), 0);
  view.setUint32(CACHE_MAGIC.length, jsonBytes.length, true);
  let offset = CACHE_MAGIC.length + 4;
  out.set(jsonBytes, offset);
  offset += jsonBytes.length;
  for (const part of decoded.parts) {
    for (let i = 0; i < part.labels.length; i++, offset += 4) view.setInt32(offset, part.labels[i], true);
    out.set(part.images, offset);
    offset += part.images.length;
  }
  return out;
}

/** The cache's contents if `bytes` is a well-formed cache with this fingerprint; null if stale; FormatError if malformed. */
function decodeCache(bytes: Uint8Array, fingerprint: string, file: string): Decoded | null {
  const headerStart = CACHE_MAGIC.length + 4;
  if (bytes.length < headerStart || new TextDecoder().decode(bytes.subarray(0, CACHE_MAGIC.length)) !== CACHE_MAGIC) {
    throw new FormatError(`not a Fovea image cache (expected it to start with '${CACHE_MAGIC}')`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(CACHE_MAGIC.length, true);
  if (headerStart + jsonLength > bytes.length) throw new FormatError(`header of ${jsonLength} bytes runs past the end of the ${bytes.length}-byte file`, file);
  let header: CacheHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(headerStart, headerStart + jsonLength))) as CacheHeader;
  } catch (e) {
    throw new FormatError(`header is not JSON (${(e as Error).message})`, file);
  }
  if (header.version !== CACHE_VERSION || header.fingerprint !== fingerprint) return null;
  const { height, width, channels, counts, parts, classNames, warnings } = header;
  const dimsOk = [height, width].every((d) => Number.isInteger(d) && d > 0) && (channels === 1 || channels === 3);
  if (!dimsOk || !Array.isArray(counts) || !Array.isArray(parts) || counts.length !== parts.length || !Array.isArray(classNames) || !Array.isArray(warnings)) {
    throw new FormatError('header lacks the sizes, parts, class names or warnings', file);
  }
  if (!counts.every((c) => Number.isInteger(c) && c >= 0)) throw new FormatError(`image counts ${JSON.stringify(counts)} are not whole numbers`, file);
  const imageSize = height * width * channels;
  const expected = headerStart + jsonLength + counts.reduce((n, c) => n + c * (4 + imageSize), 0);
  if (bytes.length !== expected) throw new FormatError(`expected ${expected} bytes for ${counts.join(' + ')} images of ${height}x${width}x${channels}, found ${bytes.length}`, file);
  let offset = headerStart + jsonLength;
  const decodedParts = counts.map((count) => {
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++, offset += 4) labels[i] = view.getInt32(offset, true);
    const images = bytes.subarray(offset, offset + count * imageSize);
    offset += count * imageSize;
    return { images, labels };
  });
  return { height, width, channels, parts: decodedParts, warnings };
}

/** Where the cache may live, in the order tried: the given folder, or `<root>/.fovea-cache`, then the platform's cache folder. */
function cachePaths(root: string, target: Target, options: ImageFolderOptions): string[] {
  const platform = getPlatform();
  const file = `image-folder-${targetKey(target)}.bin`;
  if (options.cacheDir) return [platform.joinPath(options.cacheDir, file)];
  const paths = [platform.joinPath(root, CACHE_FOLDER, file)];
  const userCache = platform.cacheDir();
  if (userCache) {
    const rootKey = new Fingerprint().update(root).digest();
    paths.push(platform.joinPath(userCache, 'image-folders', `${baseName(root)}-${rootKey}-${file}`));
  }
  return paths;
}

function dirName(path: string): string {
  const index = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return index > 0 ? path.slice(0, index) : '.';
}

async function writeCache(paths: string[], bytes: Uint8Array, warnings: string[]): Promise<string | null> {
  const platform = getPlatform();
  const failures: string[] = [];
  for (const path of paths) {
    try {
      await platform.makeDir(dirName(path));
      await platform.writeFileAtomic(path, bytes);
      return path;
    } catch (e) {
      failures.push(`${path} (${(e as Error).message})`);
    }
  }
  warnings.push(`could not write the decode cache, so the next load decodes again: ${failures.join('; ')}`);
  return null;
}

async function readImage(entry: FolderEntry): Promise<DecodedImage> {
  const platform = getPlatform();
  const img = await platform.decodeImage(await platform.readFile(entry.path), entry.path);
  if (img.width <= 0 || img.height <= 0 || img.data.length !== img.width * img.height * img.channels) {
    throw new FormatError(`decoded to ${img.width}x${img.height}x${img.channels} with ${img.data.length} bytes`, entry.path);
  }
  return img;
}

/** Decodes every image of the scan to the target size. */
async function decodeAll(scan: FolderScan, target: Target): Promise<Decoded> {
  // Warnings are listed in file order, whichever check found them.
  const skipped = new Map<FolderEntry, string>();
  const candidates: FolderEntry[] = [];
  for (const e of scan.entries) {
    if (e.isDirectory) skipped.set(e, 'a folder inside a class folder (images must sit directly in the class folder)');
    else if (!hasImageExtension(e.relative)) skipped.set(e, `not a ${IMAGE_EXTENSIONS.join('/')} file`);
    else candidates.push(e);
  }
  // Without a target channel count, images are fitted as RGB and reduced to grey at the end if all are grey.
  const fitChannels = target.channels ?? 3;
  let height = target.height;
  let width = target.width;
  let stride = 0;
  let pixels = new Uint8Array(0);
  const labels = new Int32Array(candidates.length);
  const parts = new Int32Array(candidates.length);
  let count = 0;
  let allGrey = true;
  for (let start = 0; start < candidates.length; start += IO_BATCH) {
    const batch = candidates.slice(start, start + IO_BATCH);
    const images = await Promise.all(
      batch.map((entry) =>
        readImage(entry).catch((e: unknown) => {
          if (!(e instanceof FoveaError)) throw e;
          skipped.set(entry, e.message.startsWith(`${entry.path}: `) ? e.message.slice(entry.path.length + 2) : e.message);
          return null;
        }),
      ),
    );
    for (let i = 0; i < batch.length; i++) {
      const img = images[i];
      if (!img) continue;
      height ??= img.height;
      width ??= img.width;
      if (stride === 0) {
        stride = height * width * fitChannels;
        pixels = new Uint8Array(candidates.length * stride);
      }
      fitImage(img, height, width, fitChannels, pixels, count * stride);
      if (target.channels === null && allGrey) allGrey = isGreyRgb(pixels, count * stride, height * width);
      labels[count] = batch[i].label;
      parts[count] = batch[i].part;
      count++;
    }
  }
  const warnings = scan.entries.filter((e) => skipped.has(e)).map((e) => `skipped ${e.relative}: ${skipped.get(e)}`);
  if (count === 0 || height === null || width === null) {
    const skipped = warnings.length ? ` (${warnings.length} files skipped; first: ${warnings[0]})` : '';
    throw new DatasetError(`no readable images in the class folders${skipped}`);
  }
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add(`${parts[i]}/${labels[i]}`);
  for (const folder of scan.classFolders) {
    if (!seen.has(`${folder.part}/${folder.label}`)) {
      const inFolder = warnings.filter((w) => w.startsWith(`skipped ${folder.relative}/`)).length;
      throw new DatasetError(`${folder.path}: class folder holds no readable image${inFolder ? ` (${inFolder} files skipped)` : ''}; expected at least one .png, .jpg or .jpeg`);
    }
  }
  const channels: 1 | 3 = target.channels ?? (allGrey ? 1 : 3);
  const pixelCount = height * width;
  // Scan order puts each part's images together, so a part is a contiguous run.
  const out: Decoded['parts'] = [];
  let first = 0;
  for (let part = 0; part < scan.parts.length; part++) {
    let end = first;
    while (end < count && parts[end] === part) end++;
    let images: Uint8Array;
    if (channels === fitChannels) {
      images = pixels.subarray(first * stride, end * stride);
    } else {
      images = new Uint8Array((end - first) * pixelCount);
      for (let i = 0; i < images.length; i++) images[i] = pixels[first * stride + i * 3];
    }
    out.push({ images, labels: labels.slice(first, end) });
    first = end;
  }
  return { height, width, channels, parts: out, warnings };
}

function checkTarget(options: ImageFolderOptions): Target {
  for (const dim of ['height', 'width'] as const) {
    const v = options[dim];
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw new DatasetError(`image folder target ${dim} must be a positive integer, got ${v}`);
  }
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    throw new DatasetError(`image folder target channels must be 1 or 3, got ${String(options.channels)}`);
  }
  return { height: options.height ?? null, width: options.width ?? null, channels: options.channels ?? null };
}

/** Loads an image folder (see the module comment for the layout, the rules for bad files, and the cache). */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageFolderDataset> {
  const platform = getPlatform();
  const target = checkTarget(options);
  const name = options.name ?? baseName(root);
  const scan = await scanFolder(root);
  const fingerprint = fingerprintOf(scan, target);
  const useCache = options.cache ?? true;
  const paths = useCache ? cachePaths(root, target, options) : [];
  const notes: string[] = [];
  let decoded: Decoded | null = null;
  let cachePath: string | null = null;
  for (const path of paths) {
    if (!(await platform.exists(path))) continue;
    try {
      decoded = decodeCache(await platform.readFile(path), fingerprint, path);
    } catch (e) {
      if (!(e instanceof FoveaError)) throw e;
      notes.push(`ignored the unreadable decode cache ${e.message}; rebuilding it`);
    }
    if (decoded) {
      cachePath = path;
      break;
    }
  }
  const hit = decoded !== null;
  let decodedCount = 0;
  if (!decoded) {
    try {
      decoded = await decodeAll(scan, target);
    } catch (e) {
      if (e instanceof DatasetError && e.message.startsWith('no readable images in the class folders')) {
        throw new DatasetError(`${root}: ${e.message}`);
      }
      throw e;
    }
    decodedCount = decoded.parts.reduce((n, p) => n + p.labels.length, 0);
    if (useCache) {
      const header: CacheHeader = {
        version: CACHE_VERSION,
        fingerprint,
        height: decoded.height,
        width: decoded.width,
        channels: decoded.channels,
        classNames: scan.classNames,
        parts: scan.parts,
        counts: decoded.parts.map((p) => p.labels.length),
        warnings: decoded.warnings,
      };
      cachePath = await writeCache(paths, encodeCache(header, decoded), notes);
    }
  }
  const datasets = decoded.parts.map((part, i) =>
    createImageDataset({
      name: `${name}/${scan.parts[i]}`,
      images: part.images,
      labels: part.labels,
      height: decoded.height,
      width: decoded.width,
      channels: decoded.channels,
      classNames: scan.classNames,
      imagesSource: cachePath ?? root,
      labelsSource: cachePath ?? root,
    }),
  );
  let train: ImageDataset;
  let test: ImageDataset;
  let split: ImageFolderDataset['split'];
  if (datasets.length === 2) {
    [train, test] = datasets.map(interleaveClasses);
    split = 'folders';
  } else {
    // Each part's images are copied once, already in interleaved order.
    const all = datasets[0];
    const parts = splitIndices(all, options.valSplit ?? DEFAULT_VAL_SPLIT, options.seed ?? 0);
    train = selectIndices(all, interleavedOrder(all.labels, all.numClasses, parts.train), `${name}/train`);
    test = selectIndices(all, interleavedOrder(all.labels, all.numClasses, parts.validation), `${name}/test`);
    split = 'held-out';
  }
  return {
    name,
    location: root,
    train,
    test,
    classNames: scan.classNames,
    split,
    warnings: [...decoded.warnings, ...notes],
    cache: { path: cachePath, hit, decoded: decodedCount },
  };
}

/** Whether `dir` looks like an image folder: train/ (and test/) or class folders, without reading images. */
export async function isImageFolder(dir: string, options: { requireSplits?: boolean } = {}): Promise<boolean> {
  const platform = getPlatform();
  if (!(await platform.isDirectory(dir))) return false;
  const top = await subfolders(dir);
  if (options.requireSplits) return top.includes('train') && top.includes('test');
  return top.length > 0;
}
