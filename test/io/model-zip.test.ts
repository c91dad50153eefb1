/**
 * Model zips: the round trip keeps weights and predictions bit for bit, both layouts load, and
 * every kind of bad archive gives a typed error that names the zip — before anything a header
 * merely claims is allocated.
 */
import '../../src/platform/node.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { FoveaError, FormatError, ModelFileError, ResourceError } from '../../src/errors.js';
import { encodeWeights, modelFromZip, modelToJson, modelToZip, readModelZip, saveModel } from '../../src/io/index.js';
import { listZipEntries } from '../../src/io/zip-archive.js';
import { createZooModel } from '../../src/models/index.js';
import type { Network } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';

function trainedLikeModel(): Network {
  const model = createZooModel('seed-cnn', { seed: 5 });
  model.classNames = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  return model;
}

function randomInput(seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float32Array.from({ length: 3 * 28 * 28 }, () => rng.uniform()), [3, 28, 28, 1]);
}

function assertSameModel(loaded: Network, model: Network): void {
  assert.deepEqual(loaded.getConfig(), model.getConfig());
  assert.deepEqual(loaded.classNames, model.classNames);
  const expected = model.parameters();
  loaded.parameters().forEach((p, i) => {
    assert.equal(p.name, expected[i].name);
    assert.deepEqual(new Uint8Array(p.value.data.buffer, p.value.data.byteOffset, p.value.data.byteLength), new Uint8Array(expected[i].value.data.buffer, expected[i].value.data.byteOffset, expected[i].value.data.byteLength), p.name);
  });
  const x = randomInput(9);
  assert.deepEqual(Array.from(loaded.predictBatch(x).data), Array.from(model.predictBatch(x).data));
}

/** The files of a model directory, as a zip made by another archiver would hold them. */
function modelFiles(model: Network): { json: Uint8Array; weights: Uint8Array } {
  return { json: strToU8(JSON.stringify(modelToJson(model))), weights: encodeWeights(model) };
}

/** Throws `type` whose message matches every pattern. */
function assertFails(body: () => unknown, type: abstract new (...args: never[]) => FoveaError, ...patterns: RegExp[]): void {
  assert.throws(body, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

/** Offsets of the central directory headers of a zip without a comment. */
function centralHeaders(zip: Uint8Array): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  assert.equal(view.getUint32(end, true), 0x06054b50);
  const offsets: number[] = [];
  let at = view.getUint32(end + 16, true);
  for (let i = 0; i < view.getUint16(end + 10, true); i++) {
    offsets.push(at);
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return offsets;
}

test('a model zip holds exactly what saveModel writes, in a folder named after the model', async () => {
  const model = trainedLikeModel();
  const zip = modelToZip(model, { training: { epochs: 3 } });
  const names = listZipEntries(zip, 'm.zip').map((e) => e.name).sort();
  assert.deepEqual(names, [`${model.name}/model.json`, `${model.name}/weights.safetensors`]);

  const dir = await mkdtemp(join(tmpdir(), 'fovea-model-zip-'));
  try {
    await saveModel(model, join(dir, 'saved'), { training: { epochs: 3 } });
    const { unzipSync } = await import('fflate');
    const files = unzipSync(zip);
    assert.deepEqual(files[`${model.name}/model.json`], new Uint8Array(await readFile(join(dir, 'saved', 'model.json'))));
    assert.deepEqual(files[`${model.name}/weights.safetensors`], new Uint8Array(await readFile(join(dir, 'saved', 'weights.safetensors'))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('round trip: weights bit-identical, same predictions, training info kept', () => {
  const model = trainedLikeModel();
  const loaded = readModelZip(modelToZip(model, { training: { dataset: 'mnist' }, folder: 'seed-cnn-mnist' }), 'seed-cnn-mnist.zip');
  assertSameModel(loaded.model, model);
  assert.deepEqual(loaded.training, { dataset: 'mnist' });
  assert.match(loaded.savedWith ?? '', /^fovea /);
});

test('files at the root of the zip load as well as files in one folder', () => {
  const model = trainedLikeModel();
  const zip = modelToZip(model, { folder: '' });
  assert.deepEqual(listZipEntries(zip, 'root.zip').map((e) => e.name).sort(), ['model.json', 'weights.safetensors']);
  assertSameModel(modelFromZip(zip, 'root.zip'), model);
});

test("another archiver's zip loads: stored entries, folder entries, __MACOSX and .DS_Store", () => {
  const model = trainedLikeModel();
  const { json, weights } = modelFiles(model);
  const zip = zipSync({
    'my model': { 'model.json': json, 'weights.safetensors': weights, '.DS_Store': new Uint8Array(8), empty: {} },
    __MACOSX: { 'my model': { '._model.json': new Uint8Array(4) } },
  }, { level: 0 });
  assertSameModel(modelFromZip(zip, 'finder.zip'), model);
});

test('a folder name that is not a plain name is refused when writing', () => {
  assertFails(() => modelToZip(trainedLikeModel(), { folder: '../up' }), FoveaError, /plain name/);
});

test('bytes that are not a zip: typed errors saying what was expected and found', () => {
  assertFails(() => modelFromZip(new Uint8Array(0), 'empty.zip'), FormatError, /empty\.zip/, /empty/);
  assertFails(() => modelFromZip(strToU8('{"format": "fovea-model"}'), 'json.zip'), FormatError, /json\.zip/, /not a zip archive/, /7b 22/);
  assertFails(() => modelFromZip(new Uint8Array(100_000).fill(7), 'sevens.zip'), FormatError, /not a zip archive/);
});

test('truncated and corrupt zips: typed errors', () => {
  const zip = modelToZip(trainedLikeModel());
  assertFails(() => modelFromZip(zip.subarray(0, zip.length >> 1), 'half.zip'), FormatError, /half\.zip/, /truncated/);
  assertFails(() => modelFromZip(zip.subarray(0, zip.length - 5), 'cut.zip'), FormatError, /truncated/);

  // Damage the weights' deflate data: inflating fails or the CRC-32 disagrees.
  const [, weightsHeader] = centralHeaders(zip);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const local = view.getUint32(weightsHeader + 42, true);
  const weightsData = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true) + 16;
  const flipped = zip.slice();
  for (let i = weightsData; i < weightsData + 64; i++) flipped[i] ^= 0x5a;
  assertFails(() => modelFromZip(flipped, 'flipped.zip'), FormatError, /flipped\.zip/, /weights\.safetensors/, /corrupt/);

  const encrypted = zip.slice();
  new DataView(encrypted.buffer).setUint16(weightsHeader + 8, 1, true);
  assertFails(() => modelFromZip(encrypted, 'secret.zip'), FormatError, /encrypted/);
});

test('random damage never escapes as anything but a typed error', () => {
  const zip = modelToZip(trainedLikeModel());
  const rng = new Rng(1);
  for (let trial = 0; trial < 300; trial++) {
    const damaged = zip.slice(0, trial % 3 === 0 ? Math.floor(rng.uniform() * zip.length) : zip.length);
    for (let k = 0; k < 4; k++) damaged[Math.floor(rng.uniform() * damaged.length)] = Math.floor(rng.uniform() * 256);
    try {
      modelFromZip(damaged, 'damaged.zip');
    } catch (e) {
      assert.ok(e instanceof FoveaError, `trial ${trial}: ${String(e)}`);
    }
  }
});

test('a zip without model.json, without weights, or with several models: ModelFileError naming what it holds', () => {
  const { json, weights } = modelFiles(trainedLikeModel());
  assertFails(() => modelFromZip(zipSync({ 'photo.png': new Uint8Array(10) }), 'photos.zip'), ModelFileError, /photos\.zip/, /no model\.json/, /photo\.png/);
  assertFails(() => modelFromZip(zipSync({ m: { 'model.json': json } }), 'nw.zip'), ModelFileError, /nw\.zip/, /no 'm\/weights\.safetensors'/, /m\/model\.json/);
  assertFails(
    () => modelFromZip(zipSync({ a: { 'model.json': json, 'weights.safetensors': weights }, b: { 'model.json': json, 'weights.safetensors': weights } }), 'two.zip'),
    ModelFileError, /two\.zip/, /2 models/, /'a\/'/, /'b\/'/,
  );
  assertFails(() => modelFromZip(zipSync({ 'model.json': json, 'weights.safetensors': weights, b: { 'model.json': json } }), 'mixed.zip'), ModelFileError, /2 models/, /root/);
  assertFails(() => modelFromZip(zipSync({ a: { b: { 'model.json': json, 'weights.safetensors': weights } } }), 'deep.zip'), ModelFileError, /'a\/b\/model\.json'/, /single top-level folder/);
});

test("a bad model.json inside the zip is reported with the zip's name and the entry", () => {
  const { weights } = modelFiles(trainedLikeModel());
  assertFails(() => modelFromZip(zipSync({ m: { 'model.json': strToU8('{ nope'), 'weights.safetensors': weights } }), 'bad.zip'), ModelFileError, /bad\.zip\/m\/model\.json/, /not valid JSON/);
  assertFails(() => modelFromZip(zipSync({ 'model.json': strToU8('{"format": "other"}') }), 'other.zip'), ModelFileError, /other\.zip\/model\.json/, /fovea-model/);
});

test('size guard: a central directory claiming more than the limit is refused before inflating', () => {
  const zip = modelToZip(trainedLikeModel());
  const [jsonHeader] = centralHeaders(zip);
  const huge = zip.slice();
  new DataView(huge.buffer).setUint32(jsonHeader + 24, 0xc0000000, true); // 3 GiB
  assertFails(() => modelFromZip(huge, 'huge.zip'), ResourceError, /huge\.zip/, /3\.00 GiB/, /limit of 2 GiB/);
  assertFails(() => modelFromZip(zip, 'small-limit.zip', { maxTotalBytes: 1000 }), ResourceError, /limit of 1000 bytes/);

  const lying = zip.slice();
  new DataView(lying.buffer).setUint32(jsonHeader + 24, 100_000_000, true);
  assertFails(() => modelFromZip(lying, 'lying.zip'), FormatError, /lying\.zip/, /more than deflate can produce/);
});
