/**
 * `fovea train --checkpoint-dir` / `--resume` end to end: a run killed with SIGKILL in the
 * middle of its second epoch is resumed from the checkpoint of its first and ends with the same
 * weights file, byte for byte, as a run that was never interrupted; resuming with another model
 * is refused with a typed error naming both models.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI_PATH, makeTempDir, removeTempDirs, runFails, runJson, runOk } from './run-cli.js';

// mlp (with dropout) on 512 images, 32 steps per epoch; AdamW, a cosine schedule with warm-up,
// label smoothing and clipping, so that every piece of state must survive the restart.
const TRAIN = ['--backend', 'js', 'train', '--model', 'mlp', '--limit-train', '512', '--limit-test', '50', '--epochs', '3', '--batch-size', '16', '--optimizer', 'adamw', '--lr', '0.002', '--schedule', 'cosine:warmup=1', '--label-smoothing', '0.1', '--clip-norm', '5', '--seed', '3'];

let root: string;
before(async () => {
  root = await makeTempDir('fovea-resume-');
});
after(removeTempDirs);

/** Starts `fovea ...args` and SIGKILLs it once stderr shows progress inside epoch 2; resolves to its stderr and signal. */
function killDuringSecondEpoch(args: string[]): Promise<{ stderr: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: tmpdir(), env: { ...process.env, FOVEA_DATA: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const second = stderr.indexOf('Epoch 2/3');
      // A progress line (e.g. " 8/32 [=======>...") after "Epoch 2/3": the second epoch is under way.
      if (second >= 0 && /\d+\/32 \[/.test(stderr.slice(second)) && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stderr, signal, code });
    });
  });
}

test('train killed (SIGKILL) in the middle of epoch 2 and resumed with --resume ends with byte-identical weights to an uninterrupted run, though only the killed run evaluated after each epoch', async () => {
  const straightDir = join(root, 'straight');
  const { json: straight } = await runJson([...TRAIN, '--json', '--out', straightDir], { timeoutMs: 180_000 });

  const checkpointDir = join(root, 'checkpoint');
  // --eval-every-epoch only measures (inference mode, no random numbers drawn), so the killed run
  // may use it and the others not.
  const killed = await killDuringSecondEpoch([...TRAIN, '--json', '--eval-every-epoch', '--checkpoint-dir', checkpointDir]);
  assert.equal(killed.signal, 'SIGKILL', `the run was not killed mid-way (exit ${killed.code}):\n${killed.stderr}`);
  assert.doesNotMatch(killed.stderr, /Epoch 3\/3/, 'killed too late');
  // The checkpoint of epoch 1 is complete, and nothing half-written lies beside it.
  const state = JSON.parse(await readFile(join(checkpointDir, 'training-state.json'), 'utf8'));
  assert.equal(state.epochsDone, 1);
  assert.equal(state.globalStep, 32);
  assert.equal(typeof state.logs[0].valAccuracy, 'number', 'epoch 1 was evaluated');
  assert.deepEqual((await readdir(checkpointDir)).sort(), ['model.json', 'training-state.json', 'training-state.safetensors', 'weights.safetensors']);
  assert.deepEqual((await readdir(root)).filter((n) => n.startsWith('checkpoint')), ['checkpoint']);

  const resumedDir = join(root, 'resumed');
  const { json: resumed } = await runJson([...TRAIN, '--json', '--resume', checkpointDir, '--out', resumedDir], { timeoutMs: 180_000 });
  assert.equal(resumed.resumedFrom, checkpointDir);
  assert.deepEqual(resumed.epochs.map((e: { epoch: number }) => e.epoch), [1, 2, 3]);
  assert.deepEqual(resumed.epochs.map((e: { loss: number }) => e.loss), straight.epochs.map((e: { loss: number }) => e.loss));
  const a = await readFile(join(straightDir, 'weights.safetensors'));
  const b = await readFile(join(resumedDir, 'weights.safetensors'));
  assert.ok(a.equals(b), 'the weights files differ');
  assert.equal(resumed.test.accuracy, straight.test.accuracy);
  const finalState = JSON.parse(await readFile(join(checkpointDir, 'training-state.json'), 'utf8'));
  assert.equal(finalState.epochsDone, 3, 'the resumed run kept checkpointing into the same directory');

  // Resuming a finished run says where it stands, and only evaluates.
  const again = await runOk([...TRAIN, '--resume', checkpointDir]);
  const last = resumed.epochs[2] as { loss: number; accuracy: number };
  assert.match(
    again.stdout,
    new RegExp(`Resuming the run checkpointed in \\S+ after epoch 3 \\(loss ${last.loss.toFixed(4)}, accuracy ${(last.accuracy * 100).toFixed(2)}%\\); --epochs 3 are all done, so it is only evaluated`),
  );
  assert.doesNotMatch(again.stderr, /Epoch \d\/3/, 'no epoch was trained');
});

test('--resume with a checkpoint of another model exits 1 with E_CHECKPOINT naming both models; a plain model directory is not a checkpoint', async () => {
  const checkpointDir = join(root, 'checkpoint');
  const stderr = await runFails(['--backend', 'js', 'train', '--model', 'lenet5', '--limit-train', '512', '--batch-size', '16', '--resume', checkpointDir]);
  assert.match(stderr, /E_CHECKPOINT/);
  assert.match(stderr, /'mlp'/);
  assert.match(stderr, /'lenet5'/);
  const notCheckpoint = await runFails(['--backend', 'js', 'train', '--model', 'mlp', '--limit-train', '512', '--batch-size', '16', '--resume', join(root, 'straight')]);
  assert.match(notCheckpoint, /E_CHECKPOINT.*not a training checkpoint/);
});

test('--resume with another --lr, --schedule or --label-smoothing than the checkpointed run exits 1 with E_CHECKPOINT before training, naming the flag', async () => {
  const checkpointDir = join(root, 'checkpoint');
  const withFlag = (flag: string, value: string): string[] => {
    const args = [...TRAIN];
    args[args.indexOf(flag) + 1] = value;
    return [...args, '--resume', checkpointDir];
  };
  const lr = await runFails(withFlag('--lr', '0.01'));
  assert.match(lr, /E_CHECKPOINT.*learning rate 0\.002, but this run uses 0\.01 \(resume with --lr 0\.002\)/);
  assert.doesNotMatch(lr, /Epoch \d/, 'refused before any training');
  assert.match(await runFails(withFlag('--schedule', 'cosine:warmup=2')), /E_CHECKPOINT.*resume with --schedule cosine:warmup=1,min=0/);
  assert.match(await runFails(withFlag('--label-smoothing', '0')), /E_CHECKPOINT.*--label-smoothing 0\.1, but this run uses 0/);
});
