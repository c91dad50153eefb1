/** Helpers shared by the CLI tests: run the built `fovea` command in a child process, temp dirs. */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { encodeIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/registry.js';

const here = dirname(fileURLToPath(import.meta.url));
/** This file compiles to dist/test/cli/; the CLI to dist/src/cli/main.js. */
export const CLI_PATH = resolve(here, '../../src/cli/main.js');
/** The repository root (above dist/), where data/mnist lives. */
export const REPO_ROOT = resolve(here, '../../..');
export const MNIST_DIR = join(REPO_ROOT, 'data', 'mnist');

export interface CliResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/src/cli/main.js ...args` and collects its output. Never rejects on a non-zero
 * exit; a run that outlives `timeoutMs` is killed and reported as a failed assertion.
 */
export function runCli(args: readonly string[], options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: options.cwd ?? tmpdir(),
      // FOVEA_DATA from the developer's shell must not change which dataset a test sees.
      env: { ...process.env, FOVEA_DATA: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`fovea ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr so far:\n${stderr}`));
        return;
      }
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** A string describing a run, for assertion messages. */
export function describeRun(args: readonly string[], r: CliResult): string {
  return `fovea ${args.join(' ')} exited ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout:\n${r.stdout.slice(0, 2000)}\n--- stderr:\n${r.stderr.slice(0, 2000)}`;
}

/** Runs the CLI and asserts exit code 0. */
export async function runOk(args: readonly string[], options?: Parameters<typeof runCli>[1]): Promise<CliResult> {
  const r = await runCli(args, options);
  assert.equal(r.code, 0, describeRun(args, r));
  return r;
}

/** Runs the CLI and parses stdout as exactly one JSON object. */
export async function runJson<T = any>(args: readonly string[], options?: Parameters<typeof runCli>[1]): Promise<{ json: T; result: CliResult }> {
  const result = await runOk(args, options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch (e) {
    assert.fail(`stdout of fovea ${args.join(' ')} is not one JSON document (${(e as Error).message}):\n${result.stdout.slice(0, 2000)}`);
  }
  assert.equal(typeof json, 'object');
  assert.ok(json !== null && !Array.isArray(json), 'expected a JSON object on stdout');
  return { json, result };
}

/**
 * Runs the CLI expecting failure: a non-zero exit, nothing on stdout, a one-line `fovea: error`
 * (or commander's `error:`) message on stderr and no stack trace. Returns stderr.
 */
export async function runFails(args: readonly string[], options?: Parameters<typeof runCli>[1]): Promise<string> {
  const r = await runCli(args, options);
  const what = describeRun(args, r);
  assert.equal(r.signal, null, what);
  assert.notEqual(r.code, 0, what);
  assert.equal(r.stdout, '', `nothing should be printed on stdout when failing\n${what}`);
  assert.match(r.stderr, /^(fovea: )?error/m, what);
  assertNoStackTrace(r.stderr, what);
  return r.stderr;
}

export function assertNoStackTrace(stderr: string, what = stderr): void {
  assert.doesNotMatch(stderr, /^\s+at .+[(:]\d+/m, `stack trace on stderr\n${what}`);
  assert.doesNotMatch(stderr, /node:internal|Node\.js v\d+/, `uncaught Node error on stderr\n${what}`);
}

/** A fresh directory under the OS temp dir; removed by `removeTempDirs`. */
const tempDirs: string[] = [];
export async function makeTempDir(prefix = 'fovea-cli-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/**
 * Writes the first `count` MNIST test images, as both the train and the t10k split, into a new IDX
 * directory `dir`: a small dataset for commands that read a whole split.
 */
export async function writeMnistSubset(dir: string, count: number): Promise<void> {
  await mkdir(dir);
  const { test } = await loadDataset(MNIST_DIR);
  const images = encodeIdx('ubyte', [count, 28, 28], test.images.subarray(0, count * 784));
  const labels = encodeIdx('ubyte', [count], Array.from(test.labels.subarray(0, count)));
  for (const split of ['train', 't10k']) {
    await writeFile(join(dir, `${split}-images-idx3-ubyte`), images);
    await writeFile(join(dir, `${split}-labels-idx1-ubyte`), labels);
  }
}
