/**
 * End to end: bad flags, datasets and model files. Each must exit non-zero with one clear message on
 * stderr (typed code, what was expected, what was found), print nothing on stdout and show no stack
 * trace; a failed `train --out` must leave no directory behind.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { copyFile, cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/data/idx.js';
import { MNIST_DIR, makeTempDir, removeTempDirs, runFails, runOk } from './run-cli.js';

const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

let work: string;
/** A seed-cnn saved by `fovea train` (barely trained; only its files matter here). */
let modelDir: string;
let textFile: string;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** A directory holding a small IDX dataset (h×w images, black), with optional classes.txt. */
async function makeIdxDataset(
  name: string,
  options: { size?: number; trainLabels?: number[]; trainImages?: number; testLabels?: number[]; classes?: string[] } = {},
): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir);
  const size = options.size ?? 28;
  const trainLabels = options.trainLabels ?? [0, 1, 2, 0, 1, 2];
  const testLabels = options.testLabels ?? [2, 1, 0, 1];
  const trainCount = options.trainImages ?? trainLabels.length;
  const images = (n: number) => encodeIdx('ubyte', [n, size, size], new Uint8Array(n * size * size));
  await writeFile(join(dir, 'train-images-idx3-ubyte'), images(trainCount));
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), encodeIdx('ubyte', [trainLabels.length], trainLabels));
  await writeFile(join(dir, 't10k-images-idx3-ubyte'), images(testLabels.length));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx('ubyte', [testLabels.length], testLabels));
  if (options.classes) await writeFile(join(dir, 'classes.txt'), `${options.classes.join('\n')}\n`);
  return dir;
}

/** A copy of the saved model directory, to corrupt. */
async function copyModel(name: string): Promise<string> {
  const dir = join(work, name);
  await cp(modelDir, dir, { recursive: true });
  return dir;
}

async function editWeights(dir: string, edit: (header: Record<string, any>, headerLength: number, bytes: Buffer) => Buffer): Promise<void> {
  const path = join(dir, 'weights.safetensors');
  const bytes = await readFile(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  await writeFile(path, edit(header, headerLength, bytes));
}

before(async () => {
  work = await makeTempDir();
  modelDir = join(work, 'model');
  await runOk(['train', '--limit-train', '64', '--limit-test', '16', '--epochs', '1', '--quiet', '--out', modelDir]);
  textFile = join(work, 'notes.txt');
  await writeFile(textFile, 'hello, this is not an image\n');
});

after(removeTempDirs);

// ---------------------------------------------------------------------------------------------
// Flags

test('train --epochs -1 fails naming the flag, "expected a positive integer" and the value -1', async () => {
  const err = await runFails(['train', '--epochs', '-1']);
  assert.match(err, /--epochs/);
  assert.match(err, /expected a positive integer, got '-1'/);
});

test('train --batch-size 0 fails: expected a positive integer, got 0', async () => {
  const err = await runFails(['train', '--batch-size', '0']);
  assert.match(err, /--batch-size/);
  assert.match(err, /expected a positive integer, got '0'/);
});

test('train --epochs 1.5 fails: not an integer', async () => {
  const err = await runFails(['train', '--epochs', '1.5']);
  assert.match(err, /expected a positive integer, got '1\.5'/);
});

test('train --lr abc fails: expected a positive number, got abc', async () => {
  const err = await runFails(['train', '--lr', 'abc']);
  assert.match(err, /--lr/);
  assert.match(err, /expected a positive number, got 'abc'/);
});

test('train --lr 0 fails: a learning rate must be positive', async () => {
  const err = await runFails(['train', '--lr', '0']);
  assert.match(err, /expected a positive number, got '0'/);
});

test('train --seed -1 and --seed abc fail quoting the value given (not a value derived from it)', async () => {
  assert.match(await runFails(['train', '--seed', '-1']), /--seed.*expected a non-negative integer, got '-1'/);
  assert.match(await runFails(['train', '--seed', 'abc']), /expected a non-negative integer, got 'abc'/);
});

test('eval --limit 0 and predict --top-k 0 fail: expected a positive integer', async () => {
  assert.match(await runFails(['eval', modelDir, '--limit', '0']), /--limit.*expected a positive integer, got '0'/);
  assert.match(await runFails(['predict', modelDir, textFile, '--top-k', '0']), /--top-k.*expected a positive integer, got '0'/);
});

test('an unknown flag and an unknown command fail with exit code 2', async () => {
  assert.match(await runFails(['train', '--epoch', '3']), /unknown option '--epoch'/);
  assert.match(await runFails(['trian']), /unknown command 'trian'/);
});

test('a missing argument fails naming it: eval without a model dir, predict without images', async () => {
  assert.match(await runFails(['eval']), /missing required argument 'model-dir'/);
  assert.match(await runFails(['predict', modelDir]), /missing required argument 'images'/);
});

test('train --model with an unknown zoo name fails with E_UNKNOWN_NAME listing mlp, seed-cnn, lenet5, keras-mnist-cnn, keras-cifar-cnn', async () => {
  const err = await runFails(['train', '--model', 'resnet9000', '--limit-train', '10']);
  assert.match(err, /\[E_UNKNOWN_NAME\]/);
  assert.match(err, /unknown model 'resnet9000'/);
  for (const name of ['mlp', 'seed-cnn', 'lenet5', 'keras-mnist-cnn', 'keras-cifar-cnn']) assert.ok(err.includes(name), `${name} listed in: ${err}`);
});

test('summary with an unknown zoo name fails with E_UNKNOWN_NAME listing the zoo models', async () => {
  const err = await runFails(['summary', 'resnet9000']);
  assert.match(err, /\[E_UNKNOWN_NAME\]: unknown model 'resnet9000'; known: mlp, seed-cnn, lenet5, keras-mnist-cnn, keras-cifar-cnn/);
});

test('train --optimizer with an unknown name fails with E_UNKNOWN_NAME listing adam and sgd', async () => {
  const err = await runFails(['train', '--optimizer', 'adagrad']);
  assert.match(err, /\[E_UNKNOWN_NAME\]: unknown optimizer 'adagrad'; known: .*adam/);
  assert.match(err, /sgd/);
});

// ---------------------------------------------------------------------------------------------
// Datasets

test('train --dataset /nonexistent fails with E_NOT_FOUND naming the directory', async () => {
  const err = await runFails(['train', '--dataset', '/nonexistent-fovea-dataset']);
  assert.match(err, /\[E_NOT_FOUND\]: dataset directory not found: \/nonexistent-fovea-dataset/);
});

test('train --dataset with an unknown name fails with E_UNKNOWN_NAME listing mnist and fashion-mnist', async () => {
  const err = await runFails(['train', '--dataset', 'imagenet']);
  assert.match(err, /\[E_UNKNOWN_NAME\]: unknown dataset 'imagenet'; known: mnist, fashion-mnist/);
});

test('a dataset directory holding only the two image files fails with E_NOT_FOUND naming the missing label files and what it holds', async () => {
  const dir = join(work, 'two-files');
  await mkdir(dir);
  await copyFile(join(MNIST_DIR, 'train-images-idx3-ubyte.gz'), join(dir, 'train-images-idx3-ubyte.gz'));
  await copyFile(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'), join(dir, 't10k-images-idx3-ubyte.gz'));
  const err = await runFails(['train', '--dataset', dir, '--limit-train', '10']);
  assert.match(err, /\[E_NOT_FOUND\]/);
  assert.match(err, /no training labels file \(tried train-labels-idx1-ubyte/);
  assert.match(err, /no test labels file \(tried t10k-labels-idx1-ubyte/);
  assert.match(err, /the directory holds: t10k-images-idx3-ubyte\.gz, train-images-idx3-ubyte\.gz/);
  assert.doesNotMatch(err, /no training images file|no test images file/);
});

test('a truncated t10k-labels IDX file (raw, 5,000 of 10,008 bytes) fails with E_FORMAT naming the file, the dims and the bytes found', async () => {
  const dir = join(work, 'truncated');
  await mkdir(dir);
  for (const file of MNIST_FILES.slice(0, 3)) await copyFile(join(MNIST_DIR, file), join(dir, file));
  const labels = gunzipSync(await readFile(join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz')));
  assert.equal(labels.length, 10_008);
  await writeFile(join(dir, 't10k-labels-idx1-ubyte'), labels.subarray(0, 5000));
  const err = await runFails(['eval', modelDir, '--dataset', dir]);
  assert.match(err, /\[E_FORMAT\]/);
  assert.ok(err.includes(join(dir, 't10k-labels-idx1-ubyte')), err);
  assert.match(err, /truncated: dimensions \[10000\] of ubyte need 10000 data bytes after the 8-byte header, found 4992/);
});

test('a truncated gzip file fails with E_FORMAT naming the file', async () => {
  const dir = join(work, 'truncated-gz');
  await mkdir(dir);
  for (const file of MNIST_FILES.slice(0, 3)) await copyFile(join(MNIST_DIR, file), join(dir, file));
  const gz = await readFile(join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  const err = await runFails(['eval', modelDir, '--dataset', dir]);
  assert.match(err, /\[E_FORMAT\]/);
  assert.ok(err.includes('t10k-labels-idx1-ubyte.gz'), err);
  assert.match(err, /gzip/);
});

test('a labels file that is really an images file fails with E_FORMAT: expected magic 2049 for labels, found 2051', async () => {
  const dir = await makeIdxDataset('swapped');
  await copyFile(join(dir, 't10k-images-idx3-ubyte'), join(dir, 't10k-labels-idx1-ubyte'));
  const err = await runFails(['eval', modelDir, '--dataset', dir]);
  assert.match(err, /\[E_FORMAT\]/);
  assert.match(err, /expected magic 2049 \(0x00000801\) for labels/);
  assert.match(err, /found 2051 \(0x00000803\)/);
});

test('6 training images with 5 labels fail with E_DATASET naming both files and both counts', async () => {
  const dir = await makeIdxDataset('count-mismatch', { trainImages: 6, trainLabels: [0, 1, 2, 0, 1] });
  const err = await runFails(['train', '--dataset', dir, '--epochs', '1']);
  assert.match(err, /\[E_DATASET\]/);
  assert.match(err, /train-images-idx3-ubyte holds 6 images but .*train-labels-idx1-ubyte holds 5 labels/);
});

test('a label outside the classes of classes.txt fails with E_DATASET naming the file, index, label and range', async () => {
  const dir = await makeIdxDataset('bad-label', { classes: ['cat', 'dog', 'bird'], testLabels: [2, 1, 5, 1] });
  const err = await runFails(['train', '--dataset', dir, '--epochs', '1']);
  assert.match(err, /\[E_DATASET\]/);
  assert.match(err, /t10k-labels-idx1-ubyte: label at index 2 is 5, outside 0\.\.2 \(3 classes\)/);
});

test('eval of a 28×28 model on 8×8 images fails with E_SHAPE naming both shapes', async () => {
  const dir = await makeIdxDataset('small-images', { size: 8 });
  const err = await runFails(['eval', modelDir, '--dataset', dir]);
  assert.match(err, /\[E_SHAPE\]: model 'seed-cnn' expects images \[28, 28, 1\], dataset '.*' has \[8, 8, 1\]/);
});

test('train of seed-cnn on 8×8 images fails when the model is built, with E_SHAPE naming the layer and the formula', async () => {
  const dir = await makeIdxDataset('small-images-train', { size: 8 });
  const err = await runFails(['train', '--dataset', dir]);
  assert.match(err, /\[E_SHAPE\]: layer 'conv2d_1' \(Conv2D\)/);
});

test('train --model <saved 10-class model> on a 3-class dataset fails with E_SHAPE before training and saves nothing', async () => {
  const dir = await makeIdxDataset('three-classes', { classes: ['cat', 'dog', 'bird'] });
  const out = join(work, 'three-classes-model');
  const err = await runFails(['train', '--model', modelDir, '--dataset', dir, '--out', out]);
  assert.match(err, /\[E_SHAPE\]: model '.*' has 10 outputs but dataset 'three-classes' has 3 classes/);
  assert.equal(await exists(out), false);
});

test('a failed train (bad dataset) with --out leaves no output directory behind', async () => {
  const out = join(work, 'never-written');
  await runFails(['train', '--dataset', '/nonexistent-fovea-dataset', '--out', out]);
  const dir = await makeIdxDataset('bad-label-out', { classes: ['a', 'b'], trainLabels: [0, 1, 7, 0, 1, 1] });
  await runFails(['train', '--dataset', dir, '--out', out]);
  assert.equal(await exists(out), false);
});

// ---------------------------------------------------------------------------------------------
// Images and model files

test('predict on a text file fails with E_FORMAT naming the file and what its bytes are', async () => {
  const err = await runFails(['predict', modelDir, textFile]);
  assert.match(err, /\[E_FORMAT\]/);
  assert.ok(err.includes(textFile), err);
  assert.match(err, /expected a PNG or JPEG image, found bytes starting 68 65 6c 6c/);
});

test('predict on a file that starts like a PNG but is cut short fails with E_FORMAT', async () => {
  const file = join(work, 'cut.png');
  await writeFile(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]));
  const err = await runFails(['predict', modelDir, file]);
  assert.match(err, /\[E_FORMAT\]/);
  assert.match(err, /not a readable PNG image/);
});

test('predict on a missing file fails with E_NOT_FOUND naming it', async () => {
  const missing = join(work, 'missing.png');
  const err = await runFails(['predict', modelDir, missing]);
  assert.match(err, /\[E_NOT_FOUND\]/);
  assert.ok(err.includes(missing), err);
});

test('predict on a directory instead of an image fails without a stack trace', async () => {
  const err = await runFails(['predict', modelDir, work]);
  assert.match(err, /EISDIR|directory/);
});

test('eval on a missing model directory fails with E_NOT_FOUND naming it', async () => {
  const err = await runFails(['eval', join(work, 'no-such-model')]);
  assert.match(err, /\[E_NOT_FOUND\]: model directory not found: .*no-such-model/);
});

test('eval on a directory without model.json fails with E_NOT_FOUND saying what it holds', async () => {
  const dir = join(work, 'not-a-model');
  await mkdir(dir);
  await writeFile(join(dir, 'readme.txt'), 'x');
  const err = await runFails(['eval', dir]);
  assert.match(err, /\[E_NOT_FOUND\]/);
  assert.match(err, /model\.json/);
  assert.match(err, /readme\.txt/);
});

test('eval on a file that is not model.json fails with E_ARGUMENT instead of loading the model.json beside it', async () => {
  const err = await runFails(['eval', join(modelDir, 'weights.safetensors')]);
  assert.match(err, /\[E_ARGUMENT\]: expected a model directory or its model\.json, found the file .*weights\.safetensors/);
});

test('a model.json naming an unknown layer type fails with E_MODEL_FILE listing the known layer types', async () => {
  const dir = await copyModel('unknown-layer');
  const path = join(dir, 'model.json');
  const json = JSON.parse(await readFile(path, 'utf8'));
  json.architecture.layers[1].type = 'SpatialPyramidPool';
  await writeFile(path, JSON.stringify(json));
  for (const command of [['eval', dir], ['summary', dir], ['predict', dir, textFile]]) {
    const err = await runFails(command);
    assert.match(err, /\[E_MODEL_FILE\]/);
    assert.ok(err.includes(path), err);
    assert.match(err, /unknown layer type 'SpatialPyramidPool'/);
    for (const type of ['Conv2D', 'MaxPool2D', 'Dense', 'Flatten']) assert.ok(err.includes(type), `${type} listed in: ${err}`);
  }
});

test('a model.json that is not JSON fails with E_MODEL_FILE', async () => {
  const dir = await copyModel('bad-json');
  await writeFile(join(dir, 'model.json'), '{"format": "fovea-model",');
  const err = await runFails(['eval', dir]);
  assert.match(err, /\[E_MODEL_FILE\]: .*model\.json: not valid JSON/);
});

test('a model.json whose classNames disagree with the outputs fails with E_MODEL_FILE', async () => {
  const dir = await copyModel('bad-classes');
  const path = join(dir, 'model.json');
  const json = JSON.parse(await readFile(path, 'utf8'));
  json.classNames = ['a', 'b', 'c'];
  await writeFile(path, JSON.stringify(json));
  const err = await runFails(['eval', dir]);
  assert.match(err, /\[E_MODEL_FILE\]: .*"classNames" lists 3 classes but the model has 10 outputs/);
});

test('a weights file whose header length runs past the end of the file fails with E_MODEL_FILE', async () => {
  const dir = await copyModel('long-header');
  await editWeights(dir, (_header, headerLength, bytes) => {
    const out = Buffer.from(bytes);
    out.writeBigUInt64LE(BigInt(headerLength + 1_000_000), 0);
    return out;
  });
  const err = await runFails(['eval', dir]);
  assert.match(err, /\[E_MODEL_FILE\]: .*weights\.safetensors: header length \d+ runs past the end of the file/);
});

test('a weights file whose header claims a tensor spans more bytes than the file holds fails with E_MODEL_FILE', async () => {
  const dir = await copyModel('lying-offsets');
  await editWeights(dir, (header, headerLength, bytes) => {
    const entry = header['conv2d/kernel'];
    entry.data_offsets = [entry.data_offsets[0], entry.data_offsets[1] + 4_000_000];
    const text = JSON.stringify(header);
    // Keep the header length and pad with spaces, so only the offsets lie.
    assert.ok(text.length <= headerLength);
    return Buffer.concat([bytes.subarray(0, 8), Buffer.from(text.padEnd(headerLength, ' ')), bytes.subarray(8 + headerLength)]);
  });
  const err = await runFails(['predict', dir, textFile]);
  assert.match(err, /\[E_MODEL_FILE\]: .*weights\.safetensors: header lies about sizes: tensor 'conv2d\/kernel'/);
});

test('a weights file whose tensor shape disagrees with the layer fails with E_MODEL_FILE', async () => {
  const dir = await copyModel('wrong-shape');
  await editWeights(dir, (header, headerLength, bytes) => {
    header['conv2d/kernel'].shape = [3, 3, 8, 1];
    const text = JSON.stringify(header);
    return Buffer.concat([bytes.subarray(0, 8), Buffer.from(text.padEnd(headerLength, ' ')), bytes.subarray(8 + headerLength)]);
  });
  const err = await runFails(['eval', dir]);
  assert.match(err, /\[E_MODEL_FILE\]/);
  assert.match(err, /conv2d\/kernel/);
});

test('a weights file cut in half fails with E_MODEL_FILE', async () => {
  const dir = await copyModel('cut-weights');
  await editWeights(dir, (_header, _headerLength, bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)));
  const err = await runFails(['eval', dir]);
  assert.match(err, /\[E_MODEL_FILE\]: .*weights\.safetensors/);
});

test('train --out inside a regular file fails without a stack trace', async () => {
  const err = await runFails(['train', '--limit-train', '32', '--limit-test', '8', '--epochs', '1', '--quiet', '--out', join(textFile, 'model')]);
  assert.match(err, /ENOTDIR|not a directory/);
});
