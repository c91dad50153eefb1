/**
 * A strict reader of zip archives held in memory (PKWARE APPNOTE: end record, zip64 end record,
 * central directory, local headers). Every offset and size is checked against the bytes there
 * are before it is used, the central directory's claimed sizes are checked before anything is
 * inflated, and each entry's length and CRC-32 are verified after. Deflate itself is fflate's.
 * Writing zips is left to fflate's `zipSync`.
 */
import { inflateSync } from 'fflate';
import { FormatError, ResourceError } from '../errors.js';

export interface ZipEntry {
  /** The path inside the archive, '/'-separated; directories end in '/'. */
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  /** The uncompressed size the central directory claims. */
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

export interface ZipReadOptions {
  /** Refuse archives whose entries claim more than this many bytes in all (default 2 GiB). */
  maxTotalBytes?: number;
}

export const DEFAULT_MAX_ZIP_BYTES = 2 * 1024 ** 3;

const END_RECORD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_RECORD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const END_RECORD_SIZE = 22;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** Deflate cannot expand data by more than about 1032:1; a larger claim is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Lists the entries of a zip archive from its central directory, after checking that the
 * directory lies inside the file and that the claimed sizes are possible and within the limit.
 */
export function listZipEntries(bytes: Uint8Array, fileName: string, options: ZipReadOptions = {}): ZipEntry[] {
  const fail = (message: string): never => {
    throw new FormatError(message, fileName);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(bytes, view, fail);
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0) fail('is a multi-part (spanned) zip archive; expected a single file');
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    ({ count, directorySize, directoryOffset } = readZip64End(view, end, fail));
  }
  if (directoryOffset + directorySize > end) {
    fail(`is truncated or corrupt: its central directory (${directorySize} bytes at offset ${directoryOffset}) does not fit before its end record at offset ${end}`);
  }
  if (count * CENTRAL_HEADER_SIZE > directorySize) {
    fail(`is corrupt: ${count} entries cannot fit in a central directory of ${directorySize} bytes`);
  }

  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  const directoryEnd = directoryOffset + directorySize;
  for (let i = 0; i < count; i++) {
    const entry = readCentralHeader(bytes, view, at, directoryEnd, i, fail);
    entries.push(entry.entry);
    at = entry.next;
  }
  checkClaimedSizes(entries, options.maxTotalBytes ?? DEFAULT_MAX_ZIP_BYTES, fileName, fail);
  return entries;
}

/** The uncompressed bytes of one entry, checked against its claimed size and CRC-32. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, fileName: string): Uint8Array {
  const fail = (message: string): never => {
    throw new FormatError(`entry '${entry.name}' ${message}`, fileName);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + LOCAL_HEADER_SIZE > bytes.length || view.getUint32(at, true) !== LOCAL_HEADER) {
    fail(`has no local header at offset ${at}: the archive is truncated or corrupt`);
  }
  const dataStart = at + LOCAL_HEADER_SIZE + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (dataStart + entry.compressedSize > bytes.length) {
    fail(`needs ${entry.compressedSize} bytes of data at offset ${dataStart}, but the archive ends at ${bytes.length}: it is truncated`);
  }
  const data = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  let content: Uint8Array;
  if (entry.method === 0) {
    content = data;
  } else {
    try {
      content = inflateSync(data, { out: new Uint8Array(entry.size) });
    } catch (e) {
      return fail(`is corrupt: its deflate data cannot be inflated (${(e as Error).message})`);
    }
  }
  if (content.length !== entry.size) fail(`inflates to ${content.length} bytes, but the archive says ${entry.size}: it is corrupt`);
  const crc = crc32(content);
  if (crc !== entry.crc32) {
    fail(`is corrupt: its CRC-32 is ${hex32(crc)}, the archive says ${hex32(entry.crc32)}`);
  }
  return content;
}

function findEndRecord(bytes: Uint8Array, view: DataView, fail: (message: string) => never): number {
  if (bytes.length === 0) fail('is empty (0 bytes); expected a zip archive');
  const lowest = Math.max(0, bytes.length - END_RECORD_SIZE - MAX_COMMENT);
  for (let at = bytes.length - END_RECORD_SIZE; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_RECORD && at + END_RECORD_SIZE + view.getUint16(at + 20, true) <= bytes.length) return at;
  }
  if (bytes.length >= 4 && view.getUint32(0, true) === LOCAL_HEADER) {
    return fail(`is truncated: it starts like a zip archive but has no end-of-central-directory record (${bytes.length} bytes)`);
  }
  const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return fail(`is not a zip archive: expected the zip signature 50 4b 03 04 at the start and an end-of-central-directory record, found neither (it starts with ${start})`);
}

function readZip64End(view: DataView, end: number, fail: (message: string) => never): { count: number; directorySize: number; directoryOffset: number } {
  const locator = end - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) {
    return fail('is corrupt: its end record needs a zip64 record and there is none');
  }
  const record = readUint64(view, locator + 8, fail);
  if (record + 56 > locator || view.getUint32(record, true) !== ZIP64_END_RECORD) {
    return fail(`is corrupt: no zip64 end record at offset ${record}`);
  }
  return {
    count: readUint64(view, record + 32, fail),
    directorySize: readUint64(view, record + 40, fail),
    directoryOffset: readUint64(view, record + 48, fail),
  };
}

function readCentralHeader(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  directoryEnd: number,
  index: number,
  fail: (message: string) => never,
): { entry: ZipEntry; next: number } {
  if (at + CENTRAL_HEADER_SIZE > directoryEnd || view.getUint32(at, true) !== CENTRAL_HEADER) {
    return fail(`is corrupt: central directory entry ${index + 1} is missing at offset ${at}`);
  }
  const flags = view.getUint16(at + 8, true);
  const method = view.getUint16(at + 10, true);
  const nameLength = view.getUint16(at + 28, true);
  const extraLength = view.getUint16(at + 30, true);
  const commentLength = view.getUint16(at + 32, true);
  const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
  if (next > directoryEnd) fail(`is corrupt: central directory entry ${index + 1} runs past the directory's end`);
  const nameBytes = bytes.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength);
  const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes).replace(/\\/g, '/');
  if (flags & 0x1) fail(`entry '${name}' is encrypted; expected an unencrypted zip archive`);
  if (method !== 0 && method !== 8) fail(`entry '${name}' uses compression method ${method}; expected 0 (stored) or 8 (deflate)`);
  const extra = new DataView(bytes.buffer, bytes.byteOffset + at + CENTRAL_HEADER_SIZE + nameLength, extraLength);
  const sizes = zip64Sizes(extra, view.getUint32(at + 24, true), view.getUint32(at + 20, true), view.getUint32(at + 42, true), name, fail);
  return {
    entry: { name, method, crc32: view.getUint32(at + 16, true), ...sizes },
    next,
  };
}

/** Sizes and offsets of 0xffffffff are in the zip64 extra field (id 1), in this order. */
function zip64Sizes(
  extra: DataView,
  size: number,
  compressedSize: number,
  localHeaderOffset: number,
  name: string,
  fail: (message: string) => never,
): { size: number; compressedSize: number; localHeaderOffset: number } {
  const needed = [size, compressedSize, localHeaderOffset].filter((v) => v === 0xffffffff).length;
  if (needed === 0) return { size, compressedSize, localHeaderOffset };
  for (let at = 0; at + 4 <= extra.byteLength; at += 4 + extra.getUint16(at + 2, true)) {
    if (extra.getUint16(at, true) !== 1) continue;
    if (at + 4 + 8 * needed > extra.byteLength) break;
    let field = at + 4;
    const next = (value: number): number => {
      if (value !== 0xffffffff) return value;
      const v = readUint64(extra, field, fail);
      field += 8;
      return v;
    };
    const realSize = next(size);
    const realCompressed = next(compressedSize);
    return { size: realSize, compressedSize: realCompressed, localHeaderOffset: next(localHeaderOffset) };
  }
  return fail(`is corrupt: entry '${name}' needs a zip64 extra field and has none`);
}

/** Refuses, before anything is inflated, sizes deflate cannot produce and totals over the limit. */
function checkClaimedSizes(entries: ZipEntry[], maxTotalBytes: number, fileName: string, fail: (message: string) => never): void {
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  if (total > maxTotalBytes) {
    throw new ResourceError(`${fileName}: refusing to unpack: its entries claim ${formatBytes(total)} in all, more than the limit of ${formatBytes(maxTotalBytes)}`);
  }
  for (const e of entries) {
    if (e.method === 0 && e.size !== e.compressedSize) {
      fail(`is corrupt: stored entry '${e.name}' claims ${e.size} bytes but holds ${e.compressedSize}`);
    }
    if (e.method === 8 && e.size > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      fail(`is corrupt: entry '${e.name}' claims ${e.size} bytes from ${e.compressedSize} compressed bytes, more than deflate can produce`);
    }
  }
}

function readUint64(view: DataView, at: number, fail: (message: string) => never): number {
  if (at + 8 > view.byteLength) return fail('is truncated: a zip64 field runs past the end of the file');
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`is corrupt: a zip64 field holds ${value}, beyond any file this reader can hold`);
  return Number(value);
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 === 0 ? 0 : 2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${n} bytes`;
}
