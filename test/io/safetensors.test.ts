import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/platform/node.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { ModelFileError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tensor, scalar, zeros } from '../../src/tensor/tensor.js';

const FILE = 'bad.safetensors';

/** Assembles a file by hand: 8-byte little-endian length, header text, data. */
function rawFile(header: string | object, data: ArrayLike<number> = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function assertModelFileError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, FILE),
    (e: unknown) => {
      assert.ok(e instanceof ModelFileError, `expected ModelFileError, got ${String(e)}`);
      assert.match(e.message, new RegExp(`^${FILE}: `));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

function bitsOf(data: Float32Array | Float64Array): number[] {
  return data instanceof Float64Array
    ? Array.from(new BigUint64Array(data.buffer, data.byteOffset, data.length), Number)
    : Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}

function sampleFile(): Uint8Array {
  return encodeSafetensors(
    [
      ['conv/kernel', tensor([1, -2, 3.5, 0.25, 5, 6], [1, 2, 3, 1])],
      ['conv/bias', tensor([0.5], [1])],
      ['steps', scalar(12)],
      ['empty', zeros([0])],
    ],
    { format: 'pt', epoch: '3' },
  );
}

test('round trip keeps names in insertion order, shapes, metadata and float32/float64 bits', () => {
  const nanWithPayload = new Float32Array(new Uint32Array([0x7fc12345]).buffer)[0];
  const special = [-0, 0, Infinity, -Infinity, 1e-45, -1.17549421e-38, 3.4028234e38, nanWithPayload, Math.PI];
  const tensors: Array<[string, Tensor]> = [
    ['10', tensor(special, [special.length])],
    ['2', tensor([1, 2, 3, 4, 5, 6], [2, 3])],
    ['scalar', scalar(-7.25)],
    ['zero-size', zeros([0])],
    ['zero-size-3d', zeros([2, 0, 3])],
    ['double', tensor([Math.PI, -0, 5e-324, Number.MAX_VALUE], [2, 2], 'float64')],
  ];
  const decoded = decodeSafetensors(encodeSafetensors(tensors, { author: 'fovea', note: 'ünïcode ✓' }));
  assert.deepEqual([...decoded.tensors.keys()], tensors.map(([name]) => name));
  assert.deepEqual(decoded.metadata, { author: 'fovea', note: 'ünïcode ✓' });
  for (const [name, original] of tensors) {
    const copy = decoded.tensors.get(name)!;
    assert.deepEqual(copy.shape, original.shape, name);
    assert.equal(copy.dtype, original.dtype, name);
    assert.deepEqual(bitsOf(copy.data), bitsOf(original.data), name);
  }
});

test('round trip accepts a record of tensors and no metadata', () => {
  const decoded = decodeSafetensors(encodeSafetensors({ w: tensor([1, 2], [2]) }));
  assert.deepEqual(decoded.metadata, {});
  assert.deepEqual(Array.from(decoded.tensors.get('w')!.data), [1, 2]);
});

test('encodes {"a": F32 [2] = [1, 2]} byte for byte as written by hand', () => {
  const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes
  const header = [...json].map((c) => c.charCodeAt(0)).concat([0x20, 0x20]); // padded to 56
  const expected = new Uint8Array([
    56, 0, 0, 0, 0, 0, 0, 0,
    ...header,
    0x00, 0x00, 0x80, 0x3f, // 1.0f
    0x00, 0x00, 0x00, 0x40, // 2.0f
  ]);
  assert.deepEqual(encodeSafetensors({ a: tensor([1, 2], [2]) }), expected);
});

test('pads the header with spaces so tensor data starts 8-byte aligned', () => {
  for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
    const bytes = encodeSafetensors({ [name]: scalar(1) });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + headerLength) % 8, 0, name);
    assert.match(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)), /^\{.*\} *$/);
  }
});

test('decodes from a buffer whose data is not 4-byte aligned and returns an independent copy', () => {
  const file = encodeSafetensors({ a: tensor([1.5, -2.5, 3], [3]), b: tensor([4], [1], 'float64') });
  const backing = new Uint8Array(file.length + 3);
  backing.set(file, 1);
  const view = backing.subarray(1, 1 + file.length);
  const decoded = decodeSafetensors(view);
  assert.deepEqual(Array.from(decoded.tensors.get('a')!.data), [1.5, -2.5, 3]);
  assert.deepEqual(Array.from(decoded.tensors.get('b')!.data), [4]);
  backing.fill(0);
  assert.deepEqual(Array.from(decoded.tensors.get('a')!.data), [1.5, -2.5, 3]);
});

test('decodes F16 values (normal, subnormal, zero signs, infinities, NaN) to float32', () => {
  const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x3555];
  const expected = [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, Infinity, -Infinity, 0.333251953125];
  const data = new Uint8Array(new Uint16Array([...halves, 0x7e00]).buffer);
  const { tensors } = decodeSafetensors(rawFile({ h: { dtype: 'F16', shape: [11], data_offsets: [0, 22] } }, data));
  const h = tensors.get('h')!;
  assert.equal(h.dtype, 'float32');
  assert.deepEqual(Array.from(h.data.subarray(0, 10)), expected);
  assert.ok(Object.is(h.data[6], -0));
  assert.ok(Number.isNaN(h.data[10]));
});

test('decodes BF16 values to float32 exactly', () => {
  const data = new Uint8Array(new Uint16Array([0x3f80, 0xc000, 0x4049, 0x7f80, 0x0001, 0x8000]).buffer);
  const { tensors } = decodeSafetensors(rawFile({ b: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] } }, data));
  const b = tensors.get('b')!;
  assert.deepEqual(b.shape, [2, 3]);
  assert.deepEqual(Array.from(b.data), [1, -2, 3.140625, Infinity, 2 ** -133, -0]);
});

test('decodes integer and BOOL dtypes to float32', () => {
  const i32 = new Uint8Array(new Int32Array([-5, 7]).buffer);
  const i64 = new Uint8Array(new BigInt64Array([-3n, 1n << 40n]).buffer);
  const data = [...i32, ...i64, 255, 0x80, 0, 2];
  const { tensors } = decodeSafetensors(rawFile({
    i: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
    l: { dtype: 'I64', shape: [2], data_offsets: [8, 24] },
    u: { dtype: 'U8', shape: [1], data_offsets: [24, 25] },
    s: { dtype: 'I8', shape: [1], data_offsets: [25, 26] },
    flags: { dtype: 'BOOL', shape: [2], data_offsets: [26, 28] },
  }, data));
  assert.deepEqual(Array.from(tensors.get('i')!.data), [-5, 7]);
  assert.deepEqual(Array.from(tensors.get('l')!.data), [-3, 2 ** 40]);
  assert.deepEqual(Array.from(tensors.get('u')!.data), [255]);
  assert.deepEqual(Array.from(tensors.get('s')!.data), [-128]);
  assert.deepEqual(Array.from(tensors.get('flags')!.data), [0, 1]);
});

test('rejects a file shorter than the 8-byte header length', () => {
  assertModelFileError(new Uint8Array(0), /0 bytes, too short/);
  assertModelFileError(new Uint8Array(7), /7 bytes, too short/);
});

test('rejects every truncation of a valid file', () => {
  const file = sampleFile();
  for (let length = 0; length < file.length; length++) {
    assert.throws(() => decodeSafetensors(file.subarray(0, length), FILE), ModelFileError, `truncated to ${length}`);
  }
  assertModelFileError(file.subarray(0, 20), /runs past the end of the file/);
  assertModelFileError(file.subarray(0, file.length - 1), /header lies about sizes/);
});

test('rejects a header length beyond the file or above 100 MB without allocating it', () => {
  assertModelFileError(rawFile('{}', [], 50_000_000), /header length 50000000 runs past the end of the file \(10 bytes\)/);
  assertModelFileError(rawFile('{}', [], 100_000_001), /exceeds the 100000000-byte limit/);
  const hugeLength = rawFile('{}');
  hugeLength.fill(0xff, 0, 8);
  assertModelFileError(hugeLength, /exceeds the 100000000-byte limit/);
});

test('rejects a header that is not UTF-8, not JSON, or not a JSON object', () => {
  assertModelFileError(rawFile('{garbage'), /not valid JSON/);
  assertModelFileError(rawFile(''), /not valid JSON/);
  assertModelFileError(rawFile('[1, 2]'), /must be a JSON object, found an array/);
  assertModelFileError(rawFile('null'), /must be a JSON object, found null/);
  assertModelFileError(rawFile('42'), /must be a JSON object, found 42/);
  const badUtf8 = rawFile('{"a":1}');
  badUtf8[9] = 0xff;
  assertModelFileError(badUtf8, /not valid UTF-8/);
});

test('rejects entries missing dtype, shape or data_offsets, or not objects', () => {
  assertModelFileError(rawFile({ a: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /'a' needs dtype, shape and data_offsets, found keys: shape, data_offsets/);
  assertModelFileError(rawFile({ a: { dtype: 'F32', data_offsets: [0, 4] } }, [0, 0, 0, 0]), /'a' needs dtype, shape and data_offsets/);
  assertModelFileError(rawFile({ a: { dtype: 'F32', shape: [1] } }, [0, 0, 0, 0]), /'a' needs dtype, shape and data_offsets/);
  assertModelFileError(rawFile({ a: 'F32' }), /entry for tensor 'a' is not an object/);
});

test('rejects unsupported dtypes, naming the supported ones', () => {
  assertModelFileError(rawFile({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, [0]), /dtype "F8_E4M3"; supported: .*F32/);
  assertModelFileError(rawFile({ a: { dtype: 7, shape: [1], data_offsets: [0, 1] } }, [0]), /dtype 7/);
});

test('rejects shapes that are not arrays of non-negative integers', () => {
  for (const shape of [[-1], [1.5], ['2'], 3, [2 ** 60], null]) {
    assertModelFileError(rawFile({ a: { dtype: 'U8', shape, data_offsets: [0, 0] } }), /has shape .*expected an array of non-negative integers/);
  }
});

test('rejects offsets that are not integers, not a pair, or have begin after end', () => {
  for (const offsets of [[0.5, 4], [0], [0, 4, 8], ['0', '4'], [-4, 0], 'x']) {
    assertModelFileError(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: offsets } }, [0, 0, 0, 0]), /data_offsets .*expected \[begin, end\]/);
  }
  assertModelFileError(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, [0, 0, 0, 0]), /begin after end/);
});

test('rejects offsets whose span disagrees with shape times dtype size', () => {
  assertModelFileError(
    rawFile({ x: { dtype: 'F32', shape: [3, 3], data_offsets: [0, 40] } }, new Uint8Array(40)),
    /header says tensor 'x' has shape \[3, 3\] F32 = 36 bytes but its offsets span 40/,
  );
  assertModelFileError(
    rawFile({ x: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, new Uint8Array(8)),
    /header says tensor 'x' has shape .* but its offsets span 8/,
  );
});

test('rejects offsets beyond the data section as a header lying about sizes', () => {
  assertModelFileError(
    rawFile({ big: { dtype: 'F32', shape: [1000000], data_offsets: [0, 4000000] } }, f32Bytes([1, 2])),
    /header lies about sizes: tensor 'big' claims bytes \[0, 4000000\) but the data section holds only 8 bytes/,
  );
});

test('rejects overlapping tensors, gaps and trailing bytes not covered by any tensor', () => {
  const twelve = new Uint8Array(12);
  assertModelFileError(rawFile({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
  }, twelve), /tensors 'a' \[0, 8\) and 'b' \[4, 12\) overlap/);
  assertModelFileError(rawFile({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  }, new Uint8Array(8)), /overlap/);
  assertModelFileError(rawFile({
    a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
  }, twelve), /data bytes \[4, 8\) are not covered by any tensor/);
  assertModelFileError(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, twelve), /data bytes \[8, 12\) are not covered/);
});

test('rejects metadata that is not an object of strings', () => {
  assertModelFileError(rawFile({ __metadata__: { epoch: 3 } }), /'__metadata__' entry 'epoch' must be a string, found 3/);
  assertModelFileError(rawFile({ __metadata__: ['x'] }), /'__metadata__' must be an object of strings/);
});

test('accepts a header padded with trailing spaces and an empty file with no tensors', () => {
  const { tensors } = decodeSafetensors(rawFile('{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}      ', f32Bytes([9])));
  assert.equal(tensors.get('a')!.item(), 9);
  assert.equal(decodeSafetensors(rawFile('{}')).tensors.size, 0);
});

test('200 random mutations and truncations of a valid file each decode or throw ModelFileError', () => {
  const original = sampleFile();
  const headerEnd = 8 + Number(new DataView(original.buffer).getBigUint64(0, true));
  const rng = new Rng(20240601);
  const below = (n: number): number => rng.nextUint32() % n;
  let decoded = 0;
  let rejected = 0;
  for (let trial = 0; trial < 200; trial++) {
    let bytes = original.slice();
    const kind = trial % 4;
    if (kind === 0) {
      bytes = bytes.subarray(0, below(bytes.length));
    } else if (kind === 1) {
      for (let k = 1 + below(4); k > 0; k--) bytes[below(bytes.length)] = below(256);
    } else if (kind === 2) {
      // Mutate the JSON header, where a changed digit or quote makes it lie.
      for (let k = 1 + below(3); k > 0; k--) bytes[8 + below(headerEnd - 8)] = [0x30 + below(10), 0x22, 0x2c, 0x5b, 0x7d, below(256)][below(6)];
    } else {
      bytes[below(8)] = below(256);
    }
    try {
      decodeSafetensors(bytes, FILE);
      decoded++;
    } catch (e) {
      assert.ok(e instanceof ModelFileError, `trial ${trial}: expected ModelFileError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
      rejected++;
    }
  }
  assert.equal(decoded + rejected, 200);
  assert.ok(rejected > 50, `only ${rejected} mutations were rejected`);
});
