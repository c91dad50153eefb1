/**
 * The IDX file format of MNIST and its relatives: two zero bytes, a type code, a dimension
 * count, the dimensions as big-endian uint32, then the values big-endian, row-major.
 */
import { FormatError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';

export type IdxType = 'ubyte' | 'sbyte' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: IdxData;
}

interface IdxTypeInfo {
  type: IdxType;
  code: number;
  bytes: number;
}

const IDX_TYPES: readonly IdxTypeInfo[] = [
  { type: 'ubyte', code: 0x08, bytes: 1 },
  { type: 'sbyte', code: 0x09, bytes: 1 },
  { type: 'int16', code: 0x0b, bytes: 2 },
  { type: 'int32', code: 0x0c, bytes: 4 },
  { type: 'float32', code: 0x0d, bytes: 4 },
  { type: 'float64', code: 0x0e, bytes: 8 },
];

export const MAX_IDX_DIMS = 4;

/** Largest decompressed size `readIdxFile` accepts from a gzip file unless told otherwise. */
export const DEFAULT_MAX_IDX_BYTES = 1024 * 1024 * 1024;

function infoForType(type: IdxType): IdxTypeInfo {
  const info = IDX_TYPES.find((t) => t.type === type);
  if (!info) throw new FormatError(`unknown IDX element type '${type}'`);
  return info;
}

/** The 32-bit magic number of an IDX file: type code in the third byte, rank in the fourth. */
export function idxMagic(type: IdxType, rank: number): number {
  return (infoForType(type).code << 8) | rank;
}

export function formatMagic(magic: number): string {
  return `${magic} (0x${magic.toString(16).padStart(8, '0')})`;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  if (bytes.length < 4) {
    throw new FormatError(`too short for an IDX header: expected at least 4 bytes, found ${bytes.length}`, fileName);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    throw new FormatError(`not an IDX file: expected a magic number starting with two zero bytes, found ${formatMagic(magic)}`, fileName);
  }
  const info = IDX_TYPES.find((t) => t.code === bytes[2]);
  if (!info) {
    const known = IDX_TYPES.map((t) => `${hex(t.code)} ${t.type}`).join(', ');
    throw new FormatError(`unknown IDX element type code ${hex(bytes[2])}; known: ${known}`, fileName);
  }
  const rank = bytes[3];
  if (rank === 0 || rank > MAX_IDX_DIMS) {
    throw new FormatError(`expected 1 to ${MAX_IDX_DIMS} dimensions in the IDX header, found ${rank}`, fileName);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new FormatError(`truncated IDX header: ${rank} dimensions need ${headerBytes} header bytes, found ${bytes.length}`, fileName);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));

  // BigInt so that a lying header (say 2^32 x 2^32 x 2^32) cannot round to a plausible size.
  const expected = dims.reduce((n, d) => n * BigInt(d), BigInt(info.bytes));
  const found = BigInt(bytes.length - headerBytes);
  if (expected !== found) {
    const what = found < expected ? 'truncated' : 'trailing bytes after the data';
    throw new FormatError(
      `${what}: dimensions [${dims.join(', ')}] of ${info.type} need ${expected} data bytes after the ${headerBytes}-byte header, found ${found}`,
      fileName,
    );
  }
  const count = Number(expected) / info.bytes;
  return { type: info.type, dims, data: decodeValues(info.type, view, headerBytes, count) };
}

function decodeValues(type: IdxType, view: DataView, offset: number, count: number): IdxData {
  const at = view.byteOffset + offset;
  switch (type) {
    case 'ubyte':
      return new Uint8Array(view.buffer, at, count);
    case 'sbyte':
      return new Int8Array(view.buffer, at, count);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Writes an IDX file (uncompressed); the inverse of `parseIdx`. Handy for fixtures and exports. */
export function encodeIdx(type: IdxType, dims: readonly number[], values: ArrayLike<number>): Uint8Array {
  const info = infoForType(type);
  if (dims.length === 0 || dims.length > MAX_IDX_DIMS) {
    throw new FormatError(`IDX needs 1 to ${MAX_IDX_DIMS} dimensions, got ${dims.length}`);
  }
  const count = dims.reduce((n, d) => n * d, 1);
  if (values.length !== count) {
    throw new FormatError(`IDX dimensions [${dims.join(', ')}] need ${count} values, got ${values.length}`);
  }
  const headerBytes = 4 + 4 * dims.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, idxMagic(type, dims.length), false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const write: (offset: number, v: number) => void = {
    ubyte: (o: number, v: number) => view.setUint8(o, v),
    sbyte: (o: number, v: number) => view.setInt8(o, v),
    int16: (o: number, v: number) => view.setInt16(o, v, false),
    int32: (o: number, v: number) => view.setInt32(o, v, false),
    float32: (o: number, v: number) => view.setFloat32(o, v, false),
    float64: (o: number, v: number) => view.setFloat64(o, v, false),
  }[type];
  for (let i = 0; i < count; i++) write(headerBytes + i * info.bytes, values[i]);
  return out;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface ReadIdxOptions {
  /** Refuse gzip files that expand to more than this many bytes. */
  maxBytes?: number;
}

/** Reads an IDX file, raw or gzip-compressed (detected by its magic bytes, not its name). */
export async function readIdxFile(path: string, options: ReadIdxOptions = {}): Promise<IdxArray> {
  const platform = getPlatform();
  let bytes = await platform.readFile(path);
  if (isGzip(bytes)) {
    try {
      bytes = await platform.gunzip(bytes, options.maxBytes ?? DEFAULT_MAX_IDX_BYTES);
    } catch (e) {
      throw new FormatError((e as Error).message, path);
    }
  }
  return parseIdx(bytes, path);
}

export interface IdxExpectation {
  type: IdxType;
  rank: number;
  /** What the file should hold, for the message: 'images', 'labels'. */
  role?: string;
}

/** Checks an IDX array's element type and rank, phrased as the magic number a reader of the spec knows. */
export function expectIdx(arr: IdxArray, fileName: string, expected: IdxExpectation): void {
  if (arr.type === expected.type && arr.dims.length === expected.rank) return;
  const want = idxMagic(expected.type, expected.rank);
  const got = idxMagic(arr.type, arr.dims.length);
  const role = expected.role ? ` for ${expected.role}` : '';
  throw new FormatError(
    `expected magic ${formatMagic(want)}${role} (${expected.type}, ${expected.rank} dimensions), ` +
      `found ${formatMagic(got)} (${arr.type}, ${arr.dims.length} dimensions)`,
    fileName,
  );
}
