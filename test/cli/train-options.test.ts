/**
 * `fovea train`'s training-practice flags (optimizers, schedules, label smoothing, clipping,
 * validation split, callbacks): --help documents them, invalid values exit non-zero with a
 * message saying what was expected, and a short run with all of them works; `fovea eval`
 * reports top-1 and top-5 accuracy.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, removeTempDirs, runFails, runJson, runOk } from './run-cli.js';

after(removeTempDirs);

const SMALL = ['--backend', 'js', 'train', '--model', 'mlp', '--limit-train', '128', '--limit-test', '50', '--batch-size', '32'];

test('train --help documents the optimizers, every schedule form with its grammar, the callbacks and checkpoint flags', async () => {
  const stdout = (await runOk(['train', '--help'])).stdout.replace(/\s+/g, ' ');
  for (const text of ['adam, adamw, rmsprop, sgd, momentum, nesterov', '--momentum', '--weight-decay', '--label-smoothing', '--clip-norm', '--validation-split', '--monitor', '--early-stopping', '--reduce-lr-on-plateau', '--keep-best', '--checkpoint-dir', '--resume', '--lookahead', '--drop-last']) {
    assert.ok(stdout.includes(text), `--help lacks ${text}`);
  }
  for (const form of ['constant', 'step:every=EPOCHS[,gamma=G]', 'exponential:gamma=G', 'cosine[:warmup=EPOCHS][,min=LR]', 'onecycle[:pct=P][,div=D][,final=F]', 'triangle[:start=S][,peak=P][,end=E]', 'PATIENCE[:min-delta=D]', 'PATIENCE[:factor=F][,min-lr=LR][,cooldown=EPOCHS]']) {
    assert.ok(stdout.includes(form), `--help lacks the form ${form}`);
  }
});

test('invalid training flags exit non-zero before training, each with a message naming the expected form', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--schedule', 'cosine:warmpu=2'], /unknown option 'warmpu'.*expected one of constant \| step:every=EPOCHS/],
    [['--schedule', 'linear'], /unknown schedule 'linear'; expected one of/],
    [['--schedule', 'step:every=0'], /every must be a positive whole number.*expected one of/],
    [['--optimizer', 'adagrad'], /unknown optimizer 'adagrad'; known: adam, adamw, rmsprop, sgd/],
    [['--rmsprop-epsilon', 'middle'], /--rmsprop-epsilon.*'middle' is invalid. Allowed choices are outside, inside/],
    [['--optimizer', 'adam', '--rmsprop-epsilon', 'inside'], /an RMSprop setting; adam does not take it/],
    [['--optimizer', 'adam', '--momentum', '0.9'], /momentum does not apply to adam/],
    [['--momentum', '1'], /--momentum.*expected a number from 0 up to \(not including\) 1/],
    [['--weight-decay', '-0.1'], /--weight-decay.*expected a number ≥ 0/],
    [['--label-smoothing', '1'], /--label-smoothing.*expected a number from 0 up to/],
    [['--clip-norm', '0'], /--clip-norm.*expected a positive number/],
    [['--validation-split', '1'], /--validation-split.*between 0 and 1/],
    [['--monitor', 'val_acc'], /--monitor.*expected one of val_loss, val_accuracy, loss, accuracy/],
    [['--early-stopping', 'three'], /PATIENCE must be a whole number.*expected PATIENCE\[:min-delta=D\]/],
    [['--early-stopping', '3:patience=2'], /unknown option 'patience'/],
    [['--reduce-lr-on-plateau', '2:factor=2'], /factor must be in \(0, 1\).*expected PATIENCE\[:factor=F\]/],
    [['--early-stopping', '3'], /E_ARGUMENT.*--early-stopping watch val_loss, which needs validation data: add --validation-split/],
    [['--validation-split', '0.2', '--eval-every-epoch'], /--validation-split and --eval-every-epoch/],
    [['--resume', '/nonexistent/fovea-checkpoint'], /E_NOT_FOUND.*does not exist/],
  ];
  for (const [flags, pattern] of cases) {
    const stderr = await runFails([...SMALL, ...flags]);
    assert.match(stderr.replace(/\n/g, ' '), pattern, `fovea train ${flags.join(' ')}`);
  }
});

test('a short run with rmsprop, an exponential schedule, label smoothing, clipping, a validation split, reduce-on-plateau, keep-best and early stopping; eval of the kept model reports top-1 and top-5 accuracy', async () => {
  const dir = await makeTempDir();
  const best = join(dir, 'best');
  const { json } = await runJson([
    ...SMALL,
    '--epochs', '3',
    '--optimizer', 'rmsprop', '--momentum', '0.5', '--weight-decay', '1e-4', '--lr', '0.001',
    '--schedule', 'exponential:gamma=0.5',
    '--label-smoothing', '0.1', '--clip-norm', '2',
    '--validation-split', '0.25',
    '--monitor', 'val_accuracy',
    '--reduce-lr-on-plateau', '1:factor=0.5',
    '--keep-best', best,
    '--early-stopping', '1',
    '--quiet', '--json',
  ]);
  assert.equal(json.trainImages, 96);
  assert.equal(json.validationImages, 32);
  assert.ok(json.epochs.length >= 1 && json.epochs.length <= 3);
  for (const e of json.epochs) assert.ok(e.valAccuracy >= 0 && e.valAccuracy <= 1 && e.learningRate > 0);
  assert.ok(json.epochs[0].learningRate < 0.001, 'the schedule decays within the first epoch');
  assert.ok(json.test.top5Accuracy >= json.test.accuracy);
  const kept = JSON.parse(await readFile(join(best, 'model.json'), 'utf8'));
  const bestEpoch = json.epochs.reduce((b: { valAccuracy: number }, e: { valAccuracy: number }) => (e.valAccuracy > b.valAccuracy ? e : b));
  assert.equal(kept.training.epoch, bestEpoch.epoch);

  const { json: evaluation } = await runJson(['--backend', 'js', 'eval', best, '--limit', '50', '--json']);
  assert.equal(evaluation.top1Accuracy, evaluation.accuracy);
  assert.ok(evaluation.top5Accuracy >= evaluation.accuracy && evaluation.top5Accuracy <= 1);
  const text = await runOk(['--backend', 'js', 'eval', best, '--limit', '50']);
  assert.match(text.stdout, /mnist test accuracy: \d+\.\d\d% on 50 images/);
  assert.match(text.stdout, /mnist test top-5 accuracy: \d+\.\d\d%/);
});

test("airbench's recipe flags: nesterov, the triangle schedule, --lookahead (its average checkpointed), --drop-last and --tta flip-translate on a short run", async () => {
  const dir = await makeTempDir();
  const ckpt = join(dir, 'ckpt');
  const { json } = await runJson([
    ...SMALL,
    '--epochs', '2',
    '--batch-size', '48',
    '--optimizer', 'nesterov', '--momentum', '0.85', '--lr', '0.05', '--weight-decay', '1e-3',
    '--schedule', 'triangle:start=0.2,peak=0.3,end=0.1',
    '--label-smoothing', '0.2',
    '--lookahead',
    '--drop-last',
    '--tta', 'flip-translate',
    '--checkpoint-dir', ckpt,
    '--quiet', '--json',
  ]);
  assert.equal(json.epochs.length, 2);
  assert.equal(json.test.tta, 'flip-translate');
  const state = JSON.parse(await readFile(join(ckpt, 'training-state.json'), 'utf8'));
  assert.equal(state.schedule.spec, 'triangle:start=0.2,peak=0.3,end=0.1');
  assert.ok('lookahead' in state.callbacks, 'the lookahead state is in the checkpoint');
  assert.equal(state.settings.dropLast, true);
  // 128 images at batch 48: two full batches, the 32 left over dropped.
  assert.equal(state.stepsPerEpoch, 2);
});
