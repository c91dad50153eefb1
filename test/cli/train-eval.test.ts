/**
 * End to end: `fovea train` on a small slice of MNIST, then `fovea eval` and `fovea summary` on the
 * model it saved. One training run is shared by the tests (see `before`).
 */
import assert from 'node:assert/strict';
import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliResult, makeTempDir, removeTempDirs, runCli, runFails, runJson, runOk } from './run-cli.js';

// 1,000 images, one epoch of 32 batches at lr 0.003: seed 0 reaches about 76% on the first 200
// test images (the default lr 0.001 on 600 images stays near 40%). 50% leaves a wide margin.
const TRAIN_ARGS = ['--limit-train', '1000', '--limit-test', '200', '--epochs', '1', '--batch-size', '32', '--lr', '0.003'];
const MIN_ACCURACY = 0.5;

let modelDir: string;
let trainRun: CliResult;
let trained: any;

before(async () => {
  modelDir = join(await makeTempDir(), 'model');
  const { json, result } = await runJson(['train', ...TRAIN_ARGS, '--json', '--out', modelDir]);
  trained = json;
  trainRun = result;
});

after(removeTempDirs);

test('train --json on 1,000 MNIST images for one epoch exits 0 and reports test accuracy above 50% on 200 images', () => {
  assert.equal(trained.model, 'seed-cnn');
  assert.equal(trained.dataset, 'mnist');
  assert.equal(trained.trainImages, 1000);
  assert.equal(trained.test.count, 200);
  assert.ok(trained.test.accuracy > MIN_ACCURACY, `test accuracy ${trained.test.accuracy}`);
  assert.ok(trained.test.accuracy <= 1);
  assert.ok(Number.isFinite(trained.test.loss) && trained.test.loss > 0, `test loss ${trained.test.loss}`);
  assert.equal(trained.savedTo, modelDir);
});

test('train --json reports a 10×10 confusion matrix summing to the 200 test images whose diagonal gives the accuracy', () => {
  const matrix: number[][] = trained.test.confusionMatrix;
  assert.equal(matrix.length, 10);
  for (const row of matrix) {
    assert.equal(row.length, 10);
    for (const v of row) assert.ok(Number.isInteger(v) && v >= 0);
  }
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 200);
  const diagonal = matrix.reduce((n, row, i) => n + row[i], 0);
  assert.ok(Math.abs(diagonal / total - trained.test.accuracy) < 1e-12);
});

test('train --json reports 10 per-class accuracies, the class names and one history epoch', () => {
  const perClass: (number | null)[] = trained.test.perClassAccuracy;
  assert.equal(perClass.length, 10);
  for (const a of perClass) assert.ok(a === null || (a >= 0 && a <= 1), `per-class accuracy ${a}`);
  assert.deepEqual(trained.test.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(trained.epochs.length, 1);
  const [epoch] = trained.epochs;
  assert.equal(epoch.epoch, 1);
  assert.ok(Number.isFinite(epoch.loss) && epoch.loss > 0, `epoch loss ${epoch.loss}`);
  assert.ok(epoch.accuracy >= 0 && epoch.accuracy <= 1);
  assert.ok(trained.trainSeconds > 0);
});

test('train --out saves model.json and weights.safetensors, and model.json records the classes and training run', async () => {
  assert.deepEqual((await readdir(modelDir)).sort(), ['model.json', 'weights.safetensors']);
  const modelJson = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
  assert.equal(modelJson.format, 'fovea-model');
  assert.deepEqual(modelJson.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(modelJson.training.dataset, 'mnist');
  assert.equal(modelJson.training.batchSize, 32);
  assert.equal(modelJson.training.testAccuracy, trained.test.accuracy);
  const weights = await readFile(join(modelDir, 'weights.safetensors'));
  // 59,810 float32 parameters plus a JSON header.
  assert.ok(weights.length > 59_810 * 4, `weights file is ${weights.length} bytes`);
});

test('train --json writes its progress (Epoch 1/1, 32/32 [...]) on stderr and nothing but the JSON on stdout', () => {
  assert.match(trainRun.stderr, /Epoch 1\/1/);
  assert.match(trainRun.stderr, /\b32\/32 \[=+\]/);
  assert.match(trainRun.stderr, /loss: \d/);
  assert.doesNotMatch(trainRun.stdout, /Epoch|\[=/);
  assert.equal(trainRun.stdout.trim().startsWith('{'), true);
  assert.equal(trainRun.stdout.trim().endsWith('}'), true);
});

test('train without --json prints the course-style summary table, test accuracy, per-class accuracy and confusion matrix on stdout', async () => {
  const r = await runOk(['train', '--limit-train', '200', '--limit-test', '100', '--epochs', '1', '--batch-size', '32']);
  for (const column of ['Filters', 'Padding', 'Activation shape', 'Activation size', 'Params']) assert.ok(r.stdout.includes(column), `column ${column}`);
  assert.ok(r.stdout.includes('(28, 28, 8)'), 'first conv activation shape');
  assert.ok(r.stdout.includes('6,272'), 'first conv activation size');
  assert.ok(r.stdout.includes('(5, 5, 16)'));
  assert.ok(r.stdout.includes('48,120'), 'the first dense layer params');
  assert.ok(r.stdout.includes('Total params: 59,810'));
  assert.match(r.stdout, /Test accuracy: \d+\.\d\d% on 100 images/);
  assert.ok(r.stdout.includes('Per-class accuracy'));
  assert.ok(r.stdout.includes('Confusion matrix'));
  // Progress stays on stderr even in the human-readable mode.
  assert.match(r.stderr, /Epoch 1\/1/);
  assert.match(r.stderr, /\b7\/7 \[/);
  assert.doesNotMatch(r.stdout, /Epoch 1\/1|\[=/);
});

test('train --quiet prints no progress on stderr and no summary table, but still the test accuracy', async () => {
  const r = await runOk(['train', '--limit-train', '100', '--limit-test', '50', '--epochs', '1', '--batch-size', '32', '--quiet']);
  assert.equal(r.stderr, '');
  assert.doesNotMatch(r.stdout, /Activation shape|Epoch/);
  assert.match(r.stdout, /Test accuracy: \d+\.\d\d% on 50 images/);
});

test('train --quiet --json prints only the JSON object and nothing on stderr', async () => {
  const { json, result } = await runJson(['train', '--limit-train', '64', '--limit-test', '20', '--epochs', '1', '--quiet', '--json']);
  assert.equal(result.stderr, '');
  assert.equal(json.test.count, 20);
  assert.equal(json.savedTo, null);
});

test('eval <dir> --limit 200 --json gives the accuracy, loss and confusion matrix train reported on the same 200 test images', async () => {
  const { json, result } = await runJson(['eval', modelDir, '--limit', '200', '--json']);
  assert.equal(result.stderr, '');
  assert.equal(json.dataset, 'mnist');
  assert.equal(json.count, 200);
  assert.equal(json.accuracy, trained.test.accuracy);
  assert.ok(Math.abs(json.loss - trained.test.loss) < 1e-5, `eval loss ${json.loss}, train reported ${trained.test.loss}`);
  assert.deepEqual(json.confusionMatrix, trained.test.confusionMatrix);
});

test('eval accepts the path of the model.json inside a model directory', async () => {
  const { json } = await runJson(['eval', join(modelDir, 'model.json'), '--limit', '200', '--json']);
  assert.equal(json.accuracy, trained.test.accuracy);
});

test('eval without --json prints the accuracy, per-class accuracy and confusion matrix as text', async () => {
  const r = await runOk(['eval', modelDir, '--limit', '200', '--batch-size', '64']);
  const percent = (trained.test.accuracy * 100).toFixed(2);
  assert.ok(r.stdout.includes(`mnist test accuracy: ${percent}% on 200 images`), r.stdout);
  assert.ok(r.stdout.includes('Per-class accuracy'));
  assert.ok(r.stdout.includes('Confusion matrix'));
});

test('eval --tta flip averages each test image with its mirror: another accuracy than plain, said in the text and the JSON; --tta rotate is refused listing the choices', async () => {
  const { json } = await runJson(['eval', modelDir, '--limit', '200', '--tta', 'flip', '--json']);
  assert.equal(json.tta, 'flip');
  assert.equal(json.count, 200);
  assert.notEqual(json.loss, trained.test.loss, 'mirrored digits change the outputs');
  const text = await runOk(['eval', modelDir, '--limit', '50', '--tta', 'flip']);
  assert.match(text.stdout, /mnist test accuracy: [\d.]+% on 50 images \(loss [\d.]+\), each averaged with its mirror image \(--tta flip\)/);
  assert.match(await runFails(['eval', modelDir, '--tta', 'rotate']), /--tta.*'rotate'.*none, flip/);
});

test('summary <dir> and summary <dir>/model.json --json describe the trained seed-cnn', async () => {
  const text = await runOk(['summary', modelDir]);
  assert.ok(text.stdout.includes('Total params: 59,810'));
  assert.ok(text.stdout.includes('(28, 28, 8)'));
  const { json } = await runJson(['summary', join(modelDir, 'model.json'), '--json']);
  assert.equal(json.name, 'seed-cnn');
  assert.equal(json.totalParams, 59_810);
});

/** One quick epoch at a tiny learning rate: a continued model keeps its accuracy, a fresh one stays near chance. */
const CONTINUE_ARGS = ['--limit-train', '64', '--limit-test', '200', '--epochs', '1', '--batch-size', '32', '--lr', '0.0001', '--quiet', '--json'];

test('train --model <saved dir> continues from the saved weights (a tiny learning rate keeps the saved model accuracy)', async () => {
  const { json } = await runJson(['train', '--model', modelDir, ...CONTINUE_ARGS]);
  // A tiny learning rate barely moves the weights, so the saved model's accuracy carries over.
  assert.ok(json.test.accuracy > MIN_ACCURACY, `continued accuracy ${json.test.accuracy}`);
});

test('train --model <zoo name> with a saved folder of that name beside it warns and starts fresh; ./<name> continues from the folder', async () => {
  const dir = await makeTempDir();
  await cp(modelDir, join(dir, 'seed-cnn'), { recursive: true });
  const fresh = await runJson(['train', '--model', 'seed-cnn', ...CONTINUE_ARGS], { cwd: dir });
  assert.match(fresh.result.stderr, /warning: 'seed-cnn' is a zoo model name, so this starts a fresh seed-cnn; to continue from the saved model in the folder 'seed-cnn', pass it as \.\/seed-cnn/);
  assert.ok(fresh.json.test.accuracy < MIN_ACCURACY, `fresh accuracy ${fresh.json.test.accuracy}`);
  const continued = await runJson(['train', '--model', './seed-cnn', ...CONTINUE_ARGS], { cwd: dir });
  assert.doesNotMatch(continued.result.stderr, /warning/);
  assert.ok(continued.json.test.accuracy > MIN_ACCURACY, `continued accuracy ${continued.json.test.accuracy}`);
});

test('--json output is parseable by JSON.parse for every command that has it (no stray lines)', async () => {
  for (const args of [['datasets', '--json'], ['summary', 'mlp', '--json'], ['eval', modelDir, '--limit', '10', '--json']]) {
    const r = await runCli(args);
    assert.equal(r.code, 0);
    assert.doesNotThrow(() => JSON.parse(r.stdout), `fovea ${args.join(' ')}`);
    assert.equal(r.stdout.trimEnd().split('\n')[0], '{');
  }
});
