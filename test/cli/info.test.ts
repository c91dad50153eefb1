/** End to end: `fovea summary` of zoo models, `fovea datasets`, `--help` and `--version`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MNIST_DIR, runCli, runJson, runOk } from './run-cli.js';

const ZOO = ['mlp', 'seed-cnn', 'lenet5', 'keras-mnist-cnn', 'keras-cifar-cnn'];

test("summary seed-cnn prints the course's table: its columns, (28, 28, 8) / 6,272 for the first conv, Total params 59,810", async () => {
  const r = await runOk(['summary', 'seed-cnn']);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  for (const column of ['Layer', 'Filters', 'Padding', 'Activation shape', 'Activation size', 'Params']) assert.ok(out.includes(column), `column ${column}`);
  const row = (name: string) => out.split('\n').find((line) => line.startsWith(name)) ?? assert.fail(`no row starting '${name}' in\n${out}`);
  assert.match(row('Input'), /\(28, 28, 1\)\s+784\s+0$/);
  assert.match(row('conv2d '), /\b8\s+same\s+\(28, 28, 8\)\s+6,272\s+80$/);
  assert.match(row('max_pool2d '), /valid\s+\(14, 14, 8\)\s+1,568\s+0$/);
  assert.match(row('conv2d_1 '), /\b16\s+valid\s+\(10, 10, 16\)\s+1,600\s+3,216$/);
  assert.match(row('max_pool2d_1 '), /\(5, 5, 16\)\s+400\s+0$/);
  assert.match(row('dense '), /\(120\)\s+120\s+48,120$/);
  assert.match(row('dense_1 '), /\(64\)\s+64\s+7,744$/);
  assert.match(row('dense_2 '), /\(10\)\s+10\s+650$/);
  assert.ok(out.includes('Total params: 59,810'));
  assert.ok(out.includes('Trainable params: 59,810'));
});

test('summary seed-cnn --json gives the input shape, every layer with its output shape and params, and totalParams 59,810', async () => {
  const { json } = await runJson(['summary', 'seed-cnn', '--json']);
  assert.equal(json.name, 'seed-cnn');
  assert.deepEqual(json.inputShape, [28, 28, 1]);
  assert.equal(json.totalParams, 59_810);
  assert.deepEqual(
    json.layers.map((l: { type: string }) => l.type),
    ['Conv2D', 'MaxPool2D', 'Conv2D', 'MaxPool2D', 'Flatten', 'Dense', 'Dense', 'Dense'],
  );
  assert.deepEqual(json.layers[0].outputShape, [28, 28, 8]);
  assert.equal(json.layers[0].filters, 8);
  assert.equal(json.layers[0].padding, 'same');
  assert.equal(json.layers[0].params, 80);
  const sum = json.layers.reduce((n: number, l: { params: number }) => n + l.params, 0);
  assert.equal(sum, 59_810);
});

test('summary works for every zoo model (mlp, seed-cnn, lenet5, keras-mnist-cnn, keras-cifar-cnn), in text and JSON', async () => {
  for (const name of ZOO) {
    const text = await runOk(['summary', name]);
    assert.match(text.stdout, /Total params: [\d,]+/, name);
    const { json } = await runJson(['summary', name, '--json']);
    assert.equal(json.name, name);
    assert.ok(json.totalParams > 0);
    assert.ok(text.stdout.includes(`Total params: ${json.totalParams.toLocaleString('en-US')}`), name);
  }
});

test('summary keras-cifar-cnn is built for 32×32×3 by default (the MNIST models for 28×28×1): the Keras CIFAR-10 example, 1,250,858 params', async () => {
  const { json } = await runJson(['summary', 'keras-cifar-cnn', '--json']);
  assert.deepEqual(json.inputShape, [32, 32, 3]);
  assert.deepEqual(
    json.layers.map((l: { type: string }) => l.type),
    ['Conv2D', 'Conv2D', 'MaxPool2D', 'Dropout', 'Conv2D', 'Conv2D', 'MaxPool2D', 'Dropout', 'Flatten', 'Dense', 'Dropout', 'Dense'],
  );
  assert.deepEqual(
    json.layers.map((l: { outputShape: number[] }) => l.outputShape),
    [[32, 32, 32], [30, 30, 32], [15, 15, 32], [15, 15, 32], [15, 15, 64], [13, 13, 64], [6, 6, 64], [6, 6, 64], [2304], [512], [512], [10]],
  );
  assert.equal(json.totalParams, 1_250_858);
  const mnist = await runJson(['summary', 'keras-mnist-cnn', '--json']);
  assert.deepEqual(mnist.json.inputShape, [28, 28, 1]);
});

test("datasets lists mnist as found in the repository's data/mnist, with a description", async () => {
  const r = await runOk(['datasets']);
  assert.equal(r.stderr, '');
  assert.ok(r.stdout.includes(`found in ${MNIST_DIR}`), r.stdout);
  assert.match(r.stdout, /^mnist\s+found in /m);
  assert.match(r.stdout, /handwritten digits/);
  assert.match(r.stdout, /^fashion-mnist\s/m);
});

test('datasets --json gives each known dataset with found, location, searched and hint; mnist is found in data/mnist', async () => {
  const { json } = await runJson(['datasets', '--json']);
  assert.ok(Array.isArray(json.datasets));
  const names = json.datasets.map((d: { name: string }) => d.name);
  assert.ok(names.includes('mnist') && names.includes('fashion-mnist'), names.join(', '));
  const mnist = json.datasets.find((d: { name: string }) => d.name === 'mnist');
  assert.equal(mnist.found, true);
  assert.equal(mnist.location, MNIST_DIR);
  assert.ok(mnist.searched.includes(MNIST_DIR));
  for (const d of json.datasets) {
    assert.equal(typeof d.found, 'boolean');
    assert.equal(typeof d.description, 'string');
    assert.equal(typeof d.hint, 'string');
    assert.ok(Array.isArray(d.searched) && d.searched.length > 0);
    assert.equal(d.location === null, !d.found);
  }
});

test('datasets searches the directories in FOVEA_DATA first', async () => {
  const { json } = await runJson(['datasets', '--json'], { env: { FOVEA_DATA: '/nonexistent-fovea-data' } });
  const mnist = json.datasets.find((d: { name: string }) => d.name === 'mnist');
  assert.equal(mnist.searched[0], '/nonexistent-fovea-data/mnist');
  assert.equal(mnist.location, MNIST_DIR);
});

test('fovea --help exits 0 and lists every command', async () => {
  const r = await runOk(['--help']);
  assert.match(r.stdout, /Usage: fovea/);
  for (const command of ['train', 'eval', 'predict', 'summary', 'datasets']) assert.match(r.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), command);
});

test('fovea --version prints the version', async () => {
  const r = await runOk(['--version']);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

const FLAGS: Record<string, string[]> = {
  train: ['--model', '--dataset', '--epochs', '--batch-size', '--lr', '--optimizer', '--seed', '--out', '--limit-train', '--limit-test', '--json', '--quiet', '--help'],
  eval: ['<model-dir>', '--dataset', '--batch-size', '--limit', '--json', '--help'],
  predict: ['<model-dir>', '<images...>', '--top-k', '--invert', '--json', '--help'],
  summary: ['<model>', '--json', '--help'],
  datasets: ['--json', '--help'],
};

for (const [command, flags] of Object.entries(FLAGS)) {
  test(`fovea ${command} --help exits 0 and lists ${flags.join(', ')}`, async () => {
    const r = await runOk([command, '--help']);
    assert.match(r.stdout, new RegExp(`Usage: fovea ${command}`));
    for (const flag of flags) assert.ok(r.stdout.includes(flag), `${flag} missing from\n${r.stdout}`);
  });
}

test('fovea help <command> prints the same usage as <command> --help', async () => {
  const a = await runOk(['help', 'train']);
  const b = await runOk(['train', '--help']);
  assert.equal(a.stdout, b.stdout);
});

test('fovea with no command prints the usage on stderr and exits non-zero, printing nothing on stdout', async () => {
  const r = await runCli([]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /Usage: fovea/);
});
