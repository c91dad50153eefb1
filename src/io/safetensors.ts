/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * (`{ name: { dtype, shape, data_offsets: [begin, end] }, ..., "__metadata__": { key: value } }`,
 * offsets relative to the data that follows the header), then the raw little-endian tensor data.
 * Decoding trusts nothing in the header: every claimed size is checked against the bytes present.
 */
import { ArgumentError, ModelFileError } from '../errors.js';
import { Tensor, formatShape } from '../tensor/tensor.js';
import type { Shape } from '../tensor/tensor.js';

export interface DecodedSafetensors {
  /** Tensors in the order their data appears in the file. */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
/** The reference implementation's limit; a larger header is a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100_000_000;
const HEADER_ALIGNMENT = 8;

const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeSafetensors(
  tensors: Record<string, Tensor> | Array<[string, Tensor]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = Array.isArray(tensors) ? tensors : Object.entries(tensors);
  checkNames(entries);

  const headerParts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new ArgumentError(`safetensors metadata '${key}' must be a string, got ${typeof value}`);
    }
    headerParts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    const info = { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: t.shape, data_offsets: [offset, end] };
    // Built by hand, not through an object, so integer-like names keep their insertion order.
    headerParts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  const header = padHeader(new TextEncoder().encode(`{${headerParts.join(',')}}`));

  const out = new Uint8Array(8 + header.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let cursor = 8 + header.length;
  for (const [, t] of entries) {
    writeFloats(out, cursor, t.data);
    cursor += t.data.byteLength;
  }
  return out;
}

function checkNames(entries: ReadonlyArray<[string, Tensor]>): void {
  const seen = new Set<string>();
  for (const [name, t] of entries) {
    if (typeof name !== 'string' || name.length === 0) throw new ArgumentError('safetensors tensor names must be non-empty strings');
    if (name === METADATA_KEY) throw new ArgumentError(`'${METADATA_KEY}' is reserved and cannot name a tensor`);
    if (seen.has(name)) throw new ArgumentError(`tensor name '${name}' appears twice`);
    if (!(t instanceof Tensor)) throw new ArgumentError(`'${name}' is not a Tensor`);
    seen.add(name);
  }
}

/** Pads the JSON with spaces so the data after the 8-byte length and the header is 8-aligned. */
function padHeader(json: Uint8Array): Uint8Array {
  const padded = Math.ceil(json.length / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  if (padded === json.length) return json;
  const out = new Uint8Array(padded).fill(0x20);
  out.set(json);
  return out;
}

function writeFloats(out: Uint8Array, at: number, data: Float32Array | Float64Array): void {
  if (littleEndianHost) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + at, data.byteLength);
  if (data instanceof Float64Array) data.forEach((v, i) => view.setFloat64(i * 8, v, true));
  else data.forEach((v, i) => view.setFloat32(i * 4, v, true));
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export function decodeSafetensors(bytes: Uint8Array, fileName?: string): DecodedSafetensors {
  const fail = (message: string): never => {
    throw new ModelFileError(message, fileName);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for a safetensors file (at least 8 bytes of header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes): the file is truncated or not safetensors`);
  }
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), fail);
  const data = bytes.subarray(8 + headerLength);

  const metadata = readMetadata(header[METADATA_KEY], fail);
  const entries: TensorEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name !== METADATA_KEY) entries.push(readEntry(name, info, data.length, fail));
  }
  checkLayout(entries, data.length, fail);

  const tensors = new Map<string, Tensor>();
  for (const e of entries) tensors.set(e.name, new Tensor(decodeValues(data, e), e.shape));
  return { tensors, metadata };
}

type Fail = (message: string) => never;

function parseHeader(headerBytes: Uint8Array, fail: Fail): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    return fail('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail(`header must be a JSON object, found ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

function readMetadata(value: unknown, fail: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`'${METADATA_KEY}' must be an object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`'${METADATA_KEY}' entry '${key}' must be a string, found ${JSON.stringify(v)}`);
  }
  return Object.fromEntries(Object.entries(value));
}

function readEntry(name: string, info: unknown, dataLength: number, fail: Fail): TensorEntry {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return fail(`header entry for tensor '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (dtype === undefined || shape === undefined || offsets === undefined) {
    return fail(`header entry for tensor '${name}' needs dtype, shape and data_offsets, found keys: ${Object.keys(info).join(', ') || '(none)'}`);
  }
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    return fail(`tensor '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return fail(`tensor '${name}' has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    return fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end], non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`tensor '${name}' has data_offsets [${begin}, ${end}] with begin after end`);
  if (end > dataLength) {
    fail(`header lies about sizes: tensor '${name}' claims bytes [${begin}, ${end}) but the data section holds only ${dataLength} bytes`);
  }
  const expected = byteSize(shape, DTYPE_BYTES[dtype]);
  if (expected !== end - begin) {
    fail(`header says tensor '${name}' has shape ${formatShape(shape)} ${dtype} = ${expected} bytes but its offsets span ${end - begin}`);
  }
  return { name, dtype, shape, begin, end };
}

/** Bytes a shape needs; a product past 2^53 comes back as Infinity, which never matches a span. */
function byteSize(shape: Shape, elementBytes: number): number {
  let n = elementBytes;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return n;
}

/** Tensors must tile the data section exactly: no overlaps, no gaps, nothing left over. */
function checkLayout(entries: TensorEntry[], dataLength: number, fail: Fail): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: TensorEntry | null = null;
  for (const e of entries) {
    if (e.begin < cursor) {
      fail(`tensors '${previous!.name}' [${previous!.begin}, ${previous!.end}) and '${e.name}' [${e.begin}, ${e.end}) overlap`);
    }
    if (e.begin > cursor) fail(`data bytes [${cursor}, ${e.begin}) are not covered by any tensor`);
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) fail(`data bytes [${cursor}, ${dataLength}) are not covered by any tensor`);
}

function decodeValues(data: Uint8Array, e: TensorEntry): Float32Array | Float64Array {
  const raw = data.subarray(e.begin, e.end);
  if (e.dtype === 'F32' || e.dtype === 'F64') {
    const Float = e.dtype === 'F32' ? Float32Array : Float64Array;
    if (littleEndianHost) return new Float(raw.slice().buffer); // slice copies into a fresh, aligned buffer
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float(raw.length / Float.BYTES_PER_ELEMENT);
    for (let i = 0; i < out.length; i++) out[i] = e.dtype === 'F32' ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
    return out;
  }
  const count = raw.length / DTYPE_BYTES[e.dtype];
  const out = new Float32Array(count);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  // Half-precision formats are widened bit-exactly by writing float32 bit patterns.
  const bits = new Uint32Array(out.buffer);
  switch (e.dtype) {
    case 'F16': for (let i = 0; i < count; i++) bits[i] = float16BitsToFloat32Bits(view.getUint16(i * 2, true)); break;
    case 'BF16': for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16; break;
    case 'BOOL': for (let i = 0; i < count; i++) out[i] = view.getUint8(i) === 0 ? 0 : 1; break;
    case 'U8': for (let i = 0; i < count; i++) out[i] = view.getUint8(i); break;
    case 'I8': for (let i = 0; i < count; i++) out[i] = view.getInt8(i); break;
    case 'U16': for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true); break;
    case 'I16': for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true); break;
    case 'U32': for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, true); break;
    case 'I32': for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true); break;
    case 'U64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigUint64(i * 8, true)); break;
    case 'I64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true)); break;
  }
  return out;
}

/** IEEE 754 binary16 → binary32 bit pattern (exact: every half value is a float32 value). */
export function float16BitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal half: shift the mantissa up until its leading 1 becomes the implicit bit.
  let e = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}
