/** End to end: `fovea bench` measures images/s of a zoo or saved model; tiny runs (speed is never asserted). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '../../src/platform/node.js';
import { saveModel } from '../../src/io/index.js';
import { createZooModel } from '../../src/models/index.js';
import { makeTempDir, removeTempDirs, runFails, runJson, runOk } from './run-cli.js';

/** The smallest run that still has two timed repeats. */
const TINY = ['--batch-size', '8', '--repeats', '2', '--steps', '2', '--warmup', '1'];

let modelDir: string;

before(async () => {
  modelDir = join(await makeTempDir('fovea-bench-'), 'mlp');
  await saveModel(createZooModel('mlp', { seed: 1 }), modelDir);
});

after(removeTempDirs);

function assertSpread(s: { median: number; min: number; max: number; samples: number[] }, n: number): void {
  assert.equal(s.samples.length, n);
  for (const x of s.samples) assert.ok(Number.isFinite(x) && x > 0, `sample ${x}`);
  assert.ok(s.min <= s.median && s.median <= s.max, JSON.stringify(s));
  assert.equal(s.min, Math.min(...s.samples));
  assert.equal(s.max, Math.max(...s.samples));
}

test('bench --model mlp --json (train, 2 repeats of 2 steps, batch 8) prints one JSON object: images/s median/min/max, backend, threads, every repeat', async () => {
  const { json, result } = await runJson(['bench', '--model', 'mlp', ...TINY, '--json']);
  assert.equal(json.model, 'mlp');
  assert.equal(json.source, 'zoo');
  assert.equal(json.mode, 'train');
  assert.equal(json.batchSize, 8);
  assert.deepEqual(json.inputShape, [28, 28, 1]);
  assert.equal(json.numClasses, 10);
  assert.equal(json.parameters, 669_706);
  assert.equal(typeof json.backend, 'string');
  assert.ok(Number.isInteger(json.threads) && json.threads >= 1, `threads ${json.threads}`);
  assert.equal(json.warmup.steps, 1);
  assert.equal(json.repeats.length, 2);
  for (const r of json.repeats) {
    assert.equal(r.steps, 2);
    assert.ok(r.seconds > 0);
    assert.ok(Math.abs(r.imagesPerSecond - (2 * 8) / r.seconds) < 1e-6 * r.imagesPerSecond);
  }
  assertSpread(json.imagesPerSecond, 2);
  assert.deepEqual(json.imagesPerSecond.samples, json.repeats.map((r: { imagesPerSecond: number }) => r.imagesPerSecond));
  assert.ok(Number.isFinite(json.meanLoss) && json.meanLoss >= 0, `meanLoss ${json.meanLoss}`);
  assert.deepEqual(json.settings, { repeats: 2, seconds: null, steps: 2, warmupSteps: 1, seed: 0 });
  assert.match(result.stderr, /^warm-up: 1 step\(s\)/m);
  assert.match(result.stderr, /^repeat 2\/2: [\d,.]+ images\/s/m);
});

test('bench --mode infer --json measures inference (no loss) with the batch size given', async () => {
  const { json } = await runJson(['bench', '--model', 'seed-cnn', '--mode', 'infer', ...TINY, '--json']);
  assert.equal(json.mode, 'infer');
  assert.equal(json.batchSize, 8);
  assert.equal(json.meanLoss, undefined);
  assertSpread(json.imagesPerSecond, 2);
});

test('bench prints one summary line on stdout: model, mode, batch, images/s median with min and max, backend and thread count', async () => {
  const r = await runOk(['--backend', 'js', 'bench', '--model', 'mlp', ...TINY]);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  assert.match(lines[0], /^mlp \(zoo\) training, batch 8, input \[28, 28, 1\]: [\d,.]+ images\/s \(median of 2 repeats; min [\d,.]+, max [\d,.]+\) on backend js, 1 thread$/);
});

test('bench keras-cifar-cnn defaults to its 32×32×3 input; --input-shape gives a zoo model another one', async () => {
  const args = ['--mode', 'infer', '--batch-size', '2', '--repeats', '1', '--steps', '1', '--warmup', '0', '--json'];
  const cifar = await runJson(['bench', '--model', 'keras-cifar-cnn', ...args]);
  assert.deepEqual(cifar.json.inputShape, [32, 32, 3]);
  assert.equal(cifar.json.parameters, 1_250_858);
  const mlp = await runJson(['bench', '--model', 'mlp', '--input-shape', '32,32,3', ...args]);
  assert.deepEqual(mlp.json.inputShape, [32, 32, 3]);
});

test('bench --model DIR measures a saved model; its source is the directory', async () => {
  const { json } = await runJson(['bench', '--model', modelDir, ...TINY, '--json']);
  assert.equal(json.model, 'mlp');
  assert.equal(json.source, modelDir);
  assert.equal(json.parameters, 669_706);
});

test('bench --backend wasm --threads 1 runs on wasm with one thread', async () => {
  const { json } = await runJson(['--backend', 'wasm', '--threads', '1', 'bench', '--model', 'seed-cnn', ...TINY, '--json']);
  assert.equal(json.backend, 'wasm');
  assert.equal(json.threads, 1);
});

test('bench --help lists --model, --mode, --batch-size, --repeats, --seconds, --steps, --json and says how to set threads', async () => {
  const r = await runOk(['bench', '--help']);
  assert.match(r.stdout, /Usage: fovea bench/);
  for (const flag of ['--model', '--mode', '--batch-size', '--repeats', '--seconds', '--steps', '--warmup', '--input-shape', '--json']) assert.ok(r.stdout.includes(flag), flag);
  assert.match(r.stdout, /--threads/);
  assert.match(r.stdout, /FOVEA_THREADS/);
});

test('bench with bad flags fails with a one-line error and a non-zero exit', async () => {
  assert.match(await runFails(['bench', '--mode', 'fit']), /argument 'fit' is invalid.*train, infer/);
  assert.match(await runFails(['bench', '--batch-size', '0']), /--batch-size.*expected a positive integer, got '0'/);
  assert.match(await runFails(['bench', '--repeats', 'many']), /--repeats.*expected a positive integer, got 'many'/);
  assert.match(await runFails(['bench', '--seconds', '-1']), /--seconds.*expected a positive number, got '-1'/);
  assert.match(await runFails(['bench', '--input-shape', '28,28']), /--input-shape.*expected height,width,channels/);
  assert.match(await runFails(['bench', '--model', 'resnet9000']), /\[E_UNKNOWN_NAME\]: unknown model 'resnet9000'; known: mlp, .*keras-cifar-cnn/);
  assert.match(await runFails(['bench', '--model', modelDir, '--input-shape', '32,32,3']), /\[E_ARGUMENT\]: --input-shape applies to zoo models only/);
  assert.match(await runFails(['bench', '--epochs', '2']), /unknown option '--epochs'/);
});

test('bench --profile --json adds a per-kernel profile of the timed repeats: seed-cnn training runs every conv pass, counted once per step', async () => {
  const { json } = await runJson(['bench', '--model', 'seed-cnn', ...TINY, '--profile', '--json']);
  const rows = json.profile as { kernel: string; calls: number; seconds: number; flopsPerCall?: number }[];
  assert.ok(Array.isArray(rows) && rows.length > 0);
  const steps = 2 * 2;
  for (const pass of ['conv2d 3×3 1→8 @28×28 s1', 'conv2dBackwardFilter 3×3 1→8 @28×28 s1', 'conv2d 5×5 8→16 @14×14 s1', 'conv2dBackwardInput 5×5 8→16 @14×14 s1']) {
    const row = rows.find((r) => r.kernel === pass);
    assert.ok(row, `a row for ${pass} in ${rows.map((r) => r.kernel).join(', ')}`);
    assert.equal(row.calls, steps, pass);
    assert.ok(row.flopsPerCall! > 0 && row.seconds >= 0);
  }
  assert.equal(rows.find((r) => r.kernel === 'conv2d 3×3 1→8 @28×28 s1')!.flopsPerCall, 2 * 8 * 28 * 28 * 8 * 9);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].seconds >= rows[i].seconds, 'rows sorted by time, slowest first');
});

test('bench --profile prints the per-kernel table after the result line', async () => {
  const { stdout } = await runOk(['bench', '--model', 'mlp', ...TINY, '--profile']);
  assert.match(stdout, /Time per kernel over the timed repeats/);
  assert.match(stdout, /^gemm 8×784·784×512 +\d+ /m);
  assert.match(stdout, /total in kernels/);
});
