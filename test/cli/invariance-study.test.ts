/**
 * End to end: `fovea invariance-study` trains tiny models on shifted digits on a 40×40 canvas,
 * tests them on centred and affine-transformed digits, saves and reuses them one model at a time,
 * writes a preview, and refuses bad flags with a clear message.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { loadDataset } from '../../src/data/registry.js';
import { makeTempDir, removeTempDirs, runFails, runJson, runOk } from './run-cli.js';

let work: string;

before(async () => {
  work = await makeTempDir('fovea-invariance-');
});

after(removeTempDirs);

/** Small enough to take a second or two per model. */
const QUICK = ['--epochs', '1', '--train-limit', '300', '--test-limit', '120', '--batch-size', '50'];

interface Row {
  model: string;
  parameters: number;
  epochs: number;
  testAccuracy: number;
  affineTestAccuracy: number;
  trainImagesPerSecond: number | null;
  source: string;
  dir: string | null;
}

test('one model at a time into --out DIR: the table covers every model in DIR; --reuse evaluates them without training', async () => {
  const out = join(work, 'study');
  const first = await runJson(['invariance-study', '--models', 'mlp', ...QUICK, '--out', out, '--json']);
  assert.equal(first.json.models.length, 1);
  const mlp: Row = first.json.models[0];
  assert.equal(mlp.model, 'mlp');
  assert.equal(mlp.parameters, 1600 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10, 'the MLP is built for 40×40 inputs');
  assert.equal(mlp.epochs, 1);
  assert.equal(mlp.source, 'trained');
  assert.equal(mlp.dir, join(out, 'mlp'));
  assert.ok(mlp.trainImagesPerSecond! > 0);
  for (const key of ['testAccuracy', 'affineTestAccuracy'] as const) assert.ok(mlp[key] >= 0 && mlp[key] <= 1, `${key} ${mlp[key]}`);
  assert.match(first.result.stderr, /training .* parameters for 1 epoch/);
  const { json } = first;
  assert.deepEqual(
    { dataset: json.dataset, canvas: json.canvas, shift: json.shift, trainImages: json.trainImages, testImages: json.testImages, affine: json.affine },
    { dataset: 'mnist', canvas: 40, shift: 2, trainImages: 300, testImages: 120, affine: { seed: 0, size: 40, rotation: 20, shear: 0.2, scale: [0.8, 1.2], translate: true, clipped: 0 } },
  );

  // A second model later, into the same directory: trained, and the saved MLP evaluated beside it.
  const second = await runJson(['invariance-study', '--models', 'seed-cnn', ...QUICK, '--out', out, '--json']);
  assert.deepEqual(second.json.models.map((r: Row) => [r.model, r.source]), [['seed-cnn', 'trained'], ['mlp', 'reused']]);
  const [cnn, mlpAgain]: Row[] = second.json.models;
  assert.equal(mlpAgain.testAccuracy, mlp.testAccuracy, 'the saved MLP scores as it did after training');
  assert.equal(mlpAgain.affineTestAccuracy, mlp.affineTestAccuracy);
  assert.equal(mlpAgain.trainImagesPerSecond, mlp.trainImagesPerSecond, 'throughput comes from the saved model.json');
  assert.deepEqual((await readdir(out)).sort(), ['mlp', 'results.json', 'results.md', 'seed-cnn']);
  assert.deepEqual(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')), second.json);
  const md = await readFile(join(out, 'results.md'), 'utf8');
  assert.match(md, /\| model \| parameters \| epochs \| mnist test \| affine test \| train images\/s \|/);
  assert.match(md, /\| seed-cnn \| [\d,]+ \| 1 \| \d+\.\d\d% \| \d+\.\d\d% \| [\d,]+ \|/);

  // --reuse: nothing is trained; the text table lists both models.
  const third = await runOk(['invariance-study', '--models', 'seed-cnn', ...QUICK, '--out', out, '--reuse']);
  assert.doesNotMatch(third.stderr, /\] \S+: training/);
  assert.match(third.stderr, /seed-cnn: reusing .*seed-cnn \(1 epoch\(s\)\)/);
  const lines = third.stdout.trim().split('\n');
  assert.match(lines[0], /^model\s+parameters\s+epochs\s+mnist test\s+affine test\s+train img\/s$/);
  assert.match(lines[1], new RegExp(`^seed-cnn\\s+[\\d,]+\\s+1\\s+${(cnn.testAccuracy * 100).toFixed(2)}%\\s+${(cnn.affineTestAccuracy * 100).toFixed(2)}%\\s+[\\d,]+$`));
  assert.match(lines[2], /^mlp\s/);
  assert.equal(lines.length, 3);
});

test('--no-affine-translate makes the affine test set without the move (rotation, shear, scale about the centre) and records it', async () => {
  const { json } = await runJson(['invariance-study', '--models', 'mlp', '--epochs', '1', '--train-limit', '100', '--test-limit', '10', '--no-affine-translate', '--json']);
  assert.equal(json.affine.translate, false);
  assert.equal(json.affine.rotation, 20);
});

test('--preview writes a PNG of the first digits, each centred original followed by its affine version', async () => {
  const file = join(work, 'preview.png');
  const { json } = await runJson(['invariance-study', '--models', 'mlp', '--epochs', '1', '--train-limit', '100', '--test-limit', '10', '--preview', file, '--json']);
  assert.equal(json.preview, file);
  assert.equal(json.out, null);
  const png = PNG.sync.read(await readFile(file));
  // 10 digits, 8 pairs a row: 2 rows of pairs; a pair is two 80 px tiles (40 px magnified twice)
  // with 1 px lines around them (163×82 px); pairs are 8 px apart and from the edges.
  assert.equal(png.width, 8 * 163 + 9 * 8);
  assert.equal(png.height, 2 * 82 + 3 * 8);
  const digit = (await loadDataset('mnist')).test.images;
  // The first tile is test digit 0 with 6 black pixels around it.
  for (let y = 0; y < 80; y++) {
    for (let x = 0; x < 80; x++) {
      const cx = Math.floor(x / 2) - 6;
      const cy = Math.floor(y / 2) - 6;
      const expected = cx >= 0 && cx < 28 && cy >= 0 && cy < 28 ? digit[cy * 28 + cx] : 0;
      assert.equal(png.data[((9 + y) * png.width + 9 + x) * 4], expected, `(${x}, ${y})`);
    }
  }
});

test('bad flags exit non-zero with a clear message', async () => {
  const unknown = await runFails(['invariance-study', '--models', 'mlp,nope', ...QUICK]);
  assert.match(unknown, /E_UNKNOWN_NAME.*unknown zoo model 'nope'; known: mlp, seed-cnn/);
  const small = await runFails(['invariance-study', '--models', 'mlp', '--canvas', '20', ...QUICK]);
  assert.match(small, /E_ARGUMENT.*--canvas 20 is smaller than the 28×28 images of 'mnist\/train'; expected at least 28/);
  const shift = await runFails(['invariance-study', '--models', 'mlp', '--shift', '-1', ...QUICK]);
  assert.match(shift, /--shift.*expected a non-negative integer, got '-1'/);
  const reuse = await runFails(['invariance-study', '--models', 'mlp', '--reuse', ...QUICK]);
  assert.match(reuse, /--reuse evaluates the models saved in the --out directory; give --out DIR/);
  const twice = await runFails(['invariance-study', '--models', 'mlp,mlp']);
  assert.match(twice, /model 'mlp' is named twice/);
});

test('--help describes the experiment and the flags', async () => {
  const { stdout } = await runOk(['invariance-study', '--help']);
  for (const flag of ['--models', '--canvas', '--shift', '--epochs', '--batch-size', '--lr', '--schedule', '--seed', '--affine-seed', '--out', '--reuse', '--train-limit', '--test-limit', '--preview', '--json']) {
    assert.ok(stdout.includes(flag), `--help mentions ${flag}`);
  }
  assert.match(stdout, /default:\s+capsnet-small,seed-cnn,keras-mnist-cnn/);
  assert.match(stdout, /±20°/);
});
