import '../../src/platform/node.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FormatError, NotFoundError } from '../../src/errors.js';
import { encodeIdx, expectIdx, parseIdx, readIdxFile } from '../../src/data/idx.js';
import type { IdxType } from '../../src/data/idx.js';
import { imagesIdx, labelsIdx, makeTempDir, writeFiles } from './fixtures.js';

const cases: { type: IdxType; values: number[] }[] = [
  { type: 'ubyte', values: [0, 1, 127, 128, 254, 255] },
  { type: 'sbyte', values: [-128, -1, 0, 1, 2, 127] },
  { type: 'int16', values: [-32768, -300, 0, 1, 300, 32767] },
  { type: 'int32', values: [-2147483648, -70000, 0, 1, 70000, 2147483647] },
  { type: 'float32', values: [-1.5, 0, 0.25, 3.5, 1e-3, 65504] },
  { type: 'float64', values: [-1e300, 0, Math.PI, 1 / 3, 1e-300, 42] },
];

for (const { type, values } of cases) {
  test(`IDX ${type} array of shape [2, 3] survives encode then parse`, () => {
    const parsed = parseIdx(encodeIdx(type, [2, 3], values), 'x.idx');
    assert.equal(parsed.type, type);
    assert.deepEqual(parsed.dims, [2, 3]);
    const expected = type === 'float32' ? values.map(Math.fround) : values;
    assert.deepEqual(Array.from(parsed.data), expected);
  });
}

test('IDX header is big-endian: magic 0x00000803 and dims as uint32', () => {
  const bytes = encodeIdx('ubyte', [1, 2, 2], [1, 2, 3, 4]);
  assert.deepEqual(Array.from(bytes.subarray(0, 16)), [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2]);
  assert.deepEqual(Array.from(encodeIdx('int16', [1], [0x0102]).subarray(8)), [1, 2]);
});

test('IDX ubyte data is a view into the file bytes, not a copy', () => {
  const bytes = encodeIdx('ubyte', [4], [9, 8, 7, 6]);
  const parsed = parseIdx(bytes, 'x.idx');
  assert.equal(parsed.data.buffer, bytes.buffer);
  assert.equal(parsed.data.byteOffset, 8);
});

test('IDX 4-dimensional array parses', () => {
  const values = Array.from({ length: 24 }, (_, i) => i);
  assert.deepEqual(parseIdx(encodeIdx('ubyte', [1, 2, 3, 4], values), 'x').dims, [1, 2, 3, 4]);
});

test('IDX file shorter than the 4-byte magic gives FormatError', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8]), 'short.idx'), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /short\.idx: too short .* expected at least 4 bytes, found 3/);
    return true;
  });
});

test('IDX with nonzero first two bytes gives FormatError naming the magic found', () => {
  const bytes = encodeIdx('ubyte', [1], [5]);
  bytes[0] = 0x50;
  assert.throws(() => parseIdx(bytes, 'photo.png'), /photo\.png: not an IDX file.*0x50000801/);
});

test('IDX with an unknown element type code gives FormatError listing known codes', () => {
  const bytes = encodeIdx('ubyte', [1], [5]);
  bytes[2] = 0x0a;
  assert.throws(() => parseIdx(bytes, 'x.idx'), (e: unknown) => e instanceof FormatError && /type code 0x0a; known: 0x08 ubyte/.test(e.message));
});

test('IDX with zero dimensions or more than four gives FormatError', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 0, 1, 2]), 'x'), /expected 1 to 4 dimensions .* found 0/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 5, ...new Array(20).fill(0)]), 'x'), /expected 1 to 4 dimensions .* found 5/);
});

test('IDX header cut off inside the dimensions gives FormatError', () => {
  const bytes = encodeIdx('ubyte', [1, 1, 1], [5]).subarray(0, 10);
  assert.throws(() => parseIdx(bytes, 'x'), /truncated IDX header: 3 dimensions need 16 header bytes, found 10/);
});

test('truncated IDX data gives FormatError saying expected and found bytes', () => {
  const full = imagesIdx(3, 2, 2);
  assert.throws(() => parseIdx(full.subarray(0, full.length - 5), 'cut.idx'), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /cut\.idx: truncated: dimensions \[3, 2, 2\] of ubyte need 12 data bytes after the 16-byte header, found 7/);
    return true;
  });
});

test('IDX with trailing bytes after the data gives FormatError', () => {
  const full = labelsIdx([1, 2, 3]);
  const longer = new Uint8Array(full.length + 2);
  longer.set(full);
  assert.throws(() => parseIdx(longer, 'long.idx'), /long\.idx: trailing bytes after the data: .* need 3 data bytes .* found 5/);
});

test('IDX header claiming 2^31 images of 28x28 with a tiny body throws FormatError without allocating', () => {
  const bytes = encodeIdx('ubyte', [1, 28, 28], new Array(784).fill(0));
  new DataView(bytes.buffer).setUint32(4, 2 ** 31, false);
  assert.throws(() => parseIdx(bytes, 'liar.idx'), /need 1683627180032 data bytes .* found 784/);
});

test('IDX header whose dims multiply past 2^53 still reports the exact expected size', () => {
  const bytes = new Uint8Array([0, 0, 0x0e, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const exact = (2n ** 32n - 1n) ** 3n * 8n;
  assert.throws(() => parseIdx(bytes, 'x'), new RegExp(`need ${exact} data bytes`));
});

test('readIdxFile reads raw and gzip-compressed files alike, detecting gzip by its magic bytes', async () => {
  const dir = await makeTempDir();
  const bytes = encodeIdx('int32', [2, 2], [1, -2, 3, -4]);
  await writeFiles(dir, { 'raw-idx': bytes, 'packed-idx.gz': bytes });
  await writeFile(join(dir, 'gzip-without-suffix'), gzipSync(bytes));
  for (const name of ['raw-idx', 'packed-idx.gz', 'gzip-without-suffix']) {
    const arr = await readIdxFile(join(dir, name));
    assert.deepEqual(Array.from(arr.data), [1, -2, 3, -4]);
    assert.deepEqual(arr.dims, [2, 2]);
  }
});

test('readIdxFile gives FormatError naming the file for corrupt gzip data', async () => {
  const dir = await makeTempDir();
  await writeFile(join(dir, 'bad.gz'), gzipSync(labelsIdx([1, 2, 3])).subarray(0, 15));
  await assert.rejects(readIdxFile(join(dir, 'bad.gz')), (e: unknown) => e instanceof FormatError && /bad\.gz: corrupt or truncated gzip/.test(e.message));
});

test('readIdxFile refuses gzip data that expands past maxBytes', async () => {
  const dir = await makeTempDir();
  await writeFiles(dir, { 'big.gz': imagesIdx(100, 28, 28) });
  await assert.rejects(readIdxFile(join(dir, 'big.gz'), { maxBytes: 1000 }), (e: unknown) => e instanceof FormatError && /big\.gz: .*more than 1000 bytes/.test(e.message));
});

test('readIdxFile on a missing file gives NotFoundError', async () => {
  const dir = await makeTempDir();
  await assert.rejects(readIdxFile(join(dir, 'nope')), NotFoundError);
});

test('expectIdx on a labels file passed as images says expected magic 2051 found 2049', () => {
  const labels = parseIdx(labelsIdx([1, 2]), 'train-labels-idx1-ubyte');
  assert.throws(() => expectIdx(labels, 'train-labels-idx1-ubyte', { type: 'ubyte', rank: 3, role: 'images' }), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /expected magic 2051 \(0x00000803\) for images .* found 2049 \(0x00000801\)/);
    return true;
  });
  assert.doesNotThrow(() => expectIdx(labels, 'x', { type: 'ubyte', rank: 1 }));
});

test('expectIdx rejects a float32 file where ubyte is expected', () => {
  const arr = parseIdx(encodeIdx('float32', [1], [1]), 'f');
  assert.throws(() => expectIdx(arr, 'f', { type: 'ubyte', rank: 1 }), /expected magic 2049 .* found 3329 \(0x00000d01\)/);
});
