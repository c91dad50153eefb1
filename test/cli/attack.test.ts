/**
 * End to end: `fovea attack` on a seed-cnn trained briefly here (2,000 MNIST images, 1 epoch):
 * the accuracy-versus-ε table (ε = 0 is the test accuracy train reported), the picture as SVG
 * and PNG, a targeted attack; `fovea train --adversarial` records its setting; bad flags exit
 * non-zero with a message naming what was expected.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { makeTempDir, removeTempDirs, runFails, runJson, runOk } from './run-cli.js';

let work: string;
let model: string;
let testAccuracy: number;

before(async () => {
  work = await makeTempDir('fovea-attack-');
  model = join(work, 'seed-cnn');
  const { json } = await runJson(['train', '--model', 'seed-cnn', '--limit-train', '2000', '--limit-test', '500', '--epochs', '1', '--batch-size', '32', '--lr', '2e-3', '--out', model, '--json', '--quiet'], { timeoutMs: 120_000 });
  testAccuracy = json.test.accuracy;
});

after(removeTempDirs);

test('attack --help documents the methods, the budgets, the target and the picture', async () => {
  const stdout = (await runOk(['attack', '--help'])).stdout.replace(/\s+/g, ' ');
  for (const text of ['--method', 'fgsm', 'pgd', '--epsilons', '--epsilon', '--steps', '--step-size', '--random-start', '--target', '--index', '--out', '--limit', '--no-curve', '--json', 'L∞']) {
    assert.ok(stdout.includes(text), `--help lacks ${text}`);
  }
});

test('FGSM on a briefly trained seed-cnn: ε = 0 is the test accuracy, ε = 0.2 lowers it; the picture as SVG and PNG', async () => {
  const svg = join(work, 'adversarial.svg');
  const { json } = await runJson(['attack', model, '--limit', '500', '--epsilons', '0,0.05,0.2', '--epsilon', '0.2', '--index', '3', '--out', svg, '--json']);
  assert.equal(json.method, 'fgsm');
  assert.equal(json.curve.count, 500);
  assert.deepEqual(
    json.curve.points.map((p: { epsilon: number }) => p.epsilon),
    [0, 0.05, 0.2],
  );
  const [clean, , strong] = json.curve.points;
  assert.equal(clean.accuracy, testAccuracy, 'ε = 0 is the accuracy train reported on the same 500 images');
  assert.ok(clean.accuracy > 0.8, `clean accuracy ${clean.accuracy}`);
  assert.ok(strong.accuracy < clean.accuracy - 0.2, `FGSM at ε = 0.2 leaves ${strong.accuracy} (clean ${clean.accuracy})`);
  const picture = json.picture;
  assert.deepEqual({ index: picture.index, label: picture.label, epsilon: picture.epsilon, format: picture.format }, { index: 3, label: '0', epsilon: 0.2, format: 'svg' });
  assert.ok(picture.maxPerturbation <= 0.2 + 1e-6 && picture.maxPerturbation > 0.19);
  const text = await readFile(svg, 'utf8');
  assert.match(text, /^<svg /);
  for (const caption of ['original x (label 0)', 'perturbation δ', 'adversarial x′ = x + δ', `predicted ${picture.adversarial.predictedClassName}`, '-0.2', '0.2']) assert.ok(text.includes(caption), `the SVG lacks '${caption}'`);
  assert.equal([...text.matchAll(/<image /g)].length, 4, 'three panels and the colour bar');
  // The plain PNG, text mode.
  const png = join(work, 'adversarial.png');
  const plain = await runOk(['attack', model, '--no-curve', '--index', '3', '--epsilon', '0.2', '--out', png]);
  assert.match(plain.stdout, /wrote .*adversarial\.png \(\d+×\d+ px png\): mnist test image 3, label 0, ε = 0\.2: /);
  const decoded = PNG.sync.read(await readFile(png));
  assert.equal(decoded.width, picture.width);
  assert.ok(decoded.height < picture.height);
});

test('a targeted PGD attack reports how often the model says the target; the text table', async () => {
  const { json } = await runJson(['attack', model, '--method', 'pgd', '--steps', '5', '--target', '3', '--limit', '100', '--epsilons', '0,0.2', '--json']);
  assert.deepEqual({ method: json.method, steps: json.steps, target: json.target, stepSize: json.stepSize }, { method: 'pgd', steps: 5, target: 3, stepSize: null });
  const [clean, attacked] = json.curve.points;
  assert.ok(attacked.targetRate > clean.targetRate + 0.3, `images called 3: ${clean.targetRate} → ${attacked.targetRate}`);
  const { stdout } = await runOk(['attack', model, '--limit', '100', '--epsilons', '0,0.1']);
  assert.match(stdout, /^FGSM, untargeted, L∞ on pixels in \[0, 1\]: model seed-cnn, mnist test, 100 images\n/);
  assert.match(stdout, /\n {2}0 +\d+\.\d\d% +\d+ \/ 100\n {2}0\.1 +\d+\.\d\d% +\d+ \/ 100\n$/);
});

test('train --adversarial fgsm:0.1 trains on clean and adversarial batches and records the setting in model.json', async () => {
  const out = join(work, 'robust');
  const { json } = await runJson(['train', '--model', 'mlp', '--limit-train', '256', '--limit-test', '100', '--epochs', '1', '--adversarial', 'fgsm:0.1', '--out', out, '--json', '--quiet']);
  assert.ok(Number.isFinite(json.epochs[0].loss));
  const saved = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
  assert.equal(saved.training.adversarial, 'fgsm:0.1');
  const help = (await runOk(['train', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.ok(help.includes('--adversarial <spec>') && help.includes('fgsm:EPS[,replace] or pgd:EPS[,steps=N][,step=S][,random-start][,replace]'), 'train --help documents --adversarial');
});

test('bad attack and --adversarial flags exit non-zero with a message saying what was expected', async () => {
  const attack: Array<[string[], RegExp]> = [
    [['--epsilon', '1.5'], /--epsilon.*expected ε, a number in \[0, 1\].*got '1\.5'/],
    [['--epsilons', '0,2'], /--epsilons.*every ε must be a number in \[0, 1\].*got '2'/],
    [['--epsilons', '0,,0.1'], /--epsilons.*expected comma-separated ε values/],
    [['--target', '10'], /E_ARGUMENT.*--target 10: class 10 is not one of model 'seed-cnn''s 10 classes: expected 0..9/],
    [['--target', 'cat'], /unknown class 'cat'/],
    [['--steps', '3'], /--steps apply to --method pgd/],
    [['--method', 'pgd', '--step-size', '0'], /--step-size.*expected a positive number/],
    [['--method', 'bim'], /--method.*Allowed choices are fgsm, pgd/],
    [['--index', '2'], /--index chooses the image of the picture: add --out/],
    [['--out', 'x.jpg'], /--out must end in \.svg .* or \.png/],
    [['--no-curve'], /--no-curve leaves nothing to do without --out/],
  ];
  for (const [flags, pattern] of attack) {
    const stderr = await runFails(['attack', model, '--limit', '10', ...flags]);
    assert.match(stderr.replace(/\n/g, ' '), pattern, `fovea attack ${flags.join(' ')}`);
  }
  assert.match(await runFails(['attack', join(work, 'no-such-model')]), /E_NOT_FOUND/);
  const train: Array<[string, RegExp]> = [
    ['fgsm', /'fgsm': no ε given; expected fgsm:EPS\[,replace\] or pgd:EPS/],
    ['fgsm:1.5', /ε must be in \[0, 1\]/],
    ['fgsm:abc', /ε must be a number, got 'abc'/],
    ['noise:0.1', /unknown attack 'noise'/],
    ['pgd:0.1,steps=0', /steps must be a whole number ≥ 1/],
    ['fgsm:0.1,steps=3', /unknown option 'steps' \(fgsm takes replace\)/],
  ];
  for (const [spec, pattern] of train) {
    const stderr = await runFails(['train', '--model', 'mlp', '--limit-train', '64', '--adversarial', spec]);
    assert.match(stderr.replace(/\n/g, ' '), pattern, `fovea train --adversarial ${spec}`);
  }
});
