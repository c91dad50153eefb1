/**
 * Adversarial training (fit's `adversarial` option) and its text form (`--adversarial`): the
 * spec grammar and its errors, the 50/50 mix (at ε = 0 it is ordinary training), reproducibility,
 * and the setting recorded in checkpoints.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArgumentError } from '../../src/errors.js';
import { Dense, Flatten, type Network, Sequential } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { adversarialTrainingBatch, checkAdversarialTraining, fgsm, fit, formatAdversarialTraining, parseAdversarialSpec } from '../../src/train/index.js';
import { assertSameWeights, mnistSlice, weightsOf } from './small-model.js';

/** Flatten → Dense 16 ReLU → Dense 10 softmax: no dropout, so runs can be compared weight for weight. */
function plainModel(seed = 0): Network {
  return new Sequential([new Flatten(), new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 10, activation: 'softmax' })], { inputShape: [28, 28, 1], name: 'plain-mlp' }).build({ seed });
}

test('--adversarial forms parse to the setting; formatAdversarialTraining gives the form back with the defaults filled in', () => {
  assert.deepEqual(parseAdversarialSpec('fgsm:0.1'), { attack: 'fgsm', epsilon: 0.1 });
  assert.deepEqual(parseAdversarialSpec(' fgsm:0.3 , replace '), { attack: 'fgsm', epsilon: 0.3, mode: 'replace' });
  assert.deepEqual(parseAdversarialSpec('pgd:0.2,steps=7,step=0.05,random-start'), { attack: 'pgd', epsilon: 0.2, steps: 7, stepSize: 0.05, randomStart: true });
  assert.equal(formatAdversarialTraining(parseAdversarialSpec('fgsm:0.1')), 'fgsm:0.1');
  assert.equal(formatAdversarialTraining(parseAdversarialSpec('pgd:0.2')), 'pgd:0.2,steps=10,step=0.05');
  assert.equal(formatAdversarialTraining(parseAdversarialSpec('pgd:0.2,steps=4,replace')), 'pgd:0.2,steps=4,step=0.125,replace');
  assert.deepEqual(checkAdversarialTraining({ attack: 'fgsm', epsilon: 0.1 }), { attack: 'fgsm', epsilon: 0.1, steps: 1, stepSize: 0.1, randomStart: false, mode: 'mix' });
});

test('malformed --adversarial forms are ArgumentErrors that quote the text and give the expected form', () => {
  const cases: Array<[string, RegExp]> = [
    ['fgsm', /'fgsm': no ε given/],
    ['fgsm:', /no ε given/],
    ['fgsm:abc', /ε must be a number, got 'abc'/],
    ['fgsm:2', /ε must be in \[0, 1\].*got 2/],
    ['fgsm:-0.1', /ε must be in \[0, 1\]/],
    ['bim:0.1', /unknown attack 'bim'/],
    [':0.1', /no attack named/],
    ['fgsm:0.1,steps=3', /unknown option 'steps' \(fgsm takes replace\)/],
    ['pgd:0.1,steps=0', /steps must be a whole number ≥ 1, got 0/],
    ['pgd:0.1,steps=2.5', /steps must be a whole number/],
    ['pgd:0.1,step=-1', /step must be a positive number/],
    ['pgd:0.1,step', /option 'step' must be a number/],
    ['pgd:0.1,replace=yes', /option 'replace' takes no value/],
    ['pgd:0.1,steps=3,steps=4', /option 'steps' is given twice/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseAdversarialSpec(text),
      (e: unknown) => e instanceof ArgumentError && pattern.test(e.message) && e.message.includes('expected fgsm:EPS[,replace] or pgd:EPS[,steps=N][,step=S][,random-start][,replace]'),
      text,
    );
  }
  assert.throws(() => checkAdversarialTraining({ attack: 'fgsm', epsilon: 0.1, steps: 3 }), /apply to PGD/);
  assert.throws(() => checkAdversarialTraining({ attack: 'pgd', epsilon: 1.2 }), /epsilon must be a number in \[0, 1\]/);
});

test("'mix' trains on the clean batch followed by its FGSM copy, labels twice; 'replace' on the copy alone", () => {
  const model = plainModel(1);
  const x = tensor(Array.from({ length: 2 * 784 }, (_, i) => (i % 7) / 7), [2, 28, 28, 1]);
  const labels = Int32Array.of(3, 8);
  const copy = fgsm(model, x, labels, { epsilon: 0.1 });
  const rng = new Rng(0);
  const mixed = adversarialTrainingBatch(model, x, labels, checkAdversarialTraining({ attack: 'fgsm', epsilon: 0.1 }), rng);
  assert.deepEqual(mixed.x.shape, [4, 28, 28, 1]);
  assert.deepEqual(Array.from(mixed.labels), [3, 8, 3, 8]);
  assert.deepEqual(Array.from(mixed.x.data.subarray(0, x.size)), Array.from(x.data));
  assert.deepEqual(Array.from(mixed.x.data.subarray(x.size)), Array.from(copy.data));
  const replaced = adversarialTrainingBatch(model, x, labels, checkAdversarialTraining({ attack: 'fgsm', epsilon: 0.1, mode: 'replace' }), rng);
  assert.deepEqual(Array.from(replaced.x.data), Array.from(copy.data));
  assert.equal(replaced.labels, labels);
});

test('adversarial training at ε = 0 (each batch twice, half the loss each) ends with the weights of ordinary training', async () => {
  const { train } = await mnistSlice(256);
  const run = async (adversarial?: { attack: 'fgsm'; epsilon: number }) => {
    const model = plainModel(2);
    const logs = await fit(model, train, { epochs: 1, batchSize: 32, optimizer: new Adam({ learningRate: 2e-3 }), seed: 3, adversarial });
    return { weights: weightsOf(model), logs };
  };
  const plain = await run();
  const mixed = await run({ attack: 'fgsm', epsilon: 0 });
  plain.weights.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - mixed.weights[i][j]) < 1e-5, `parameter ${i}[${j}]: ${v} vs ${mixed.weights[i][j]}`)));
  assert.ok(Math.abs(plain.logs[0].loss - mixed.logs[0].loss) < 1e-5);
  assert.ok(Math.abs(plain.logs[0].accuracy - mixed.logs[0].accuracy) <= 1 / 256, `the accuracy counts each image once: ${plain.logs[0].accuracy} vs ${mixed.logs[0].accuracy}`);
  // At ε = 0.1 the examples differ, so the weights do, and the loss of the images trained on is higher.
  const attacked = await run({ attack: 'fgsm', epsilon: 0.1 });
  assert.ok(attacked.weights.some((w, i) => w.some((v, j) => v !== plain.weights[i][j])));
  assert.ok(attacked.logs[0].loss > plain.logs[0].loss, `loss ${attacked.logs[0].loss} vs ${plain.logs[0].loss}`);
});

test('PGD adversarial training with a random start is reproducible from the seed; the setting is recorded in checkpoints; bad settings fail before training', async () => {
  const { train } = await mnistSlice(128);
  const dir = await mkdtemp(join(tmpdir(), 'fovea-adversarial-'));
  try {
    const run = async (checkpointDir?: string) => {
      const model = plainModel(4);
      await fit(model, train, { epochs: 1, batchSize: 32, seed: 5, adversarial: { attack: 'pgd', epsilon: 0.1, steps: 2, randomStart: true, mode: 'replace' }, checkpointDir });
      return weightsOf(model);
    };
    const a = await run(join(dir, 'ckpt'));
    const b = await run();
    assertSameWeights(a, b, 'differs between identical runs');
    const modelJson = JSON.parse(await readFile(join(dir, 'ckpt', 'model.json'), 'utf8'));
    assert.equal(modelJson.training.adversarial, 'pgd:0.1,steps=2,step=0.125,random-start,replace');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(fit(plainModel(), train, { adversarial: { attack: 'fgsm', epsilon: 2 } }), (e: unknown) => e instanceof ArgumentError && /adversarial-training epsilon must be a number in \[0, 1\] \(pixels are in \[0, 1\]\), got 2/.test(e.message));
});
