/**
 * The wasm kernels and worker pool in a browser: headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core; never a downloaded browser) loads test/browser/fixtures/step.html
 * from a local server that serves the built dist/ as plain ES modules. A module worker on the page
 * registers the browser platform and runs one seed-cnn forward/backward step on the wasm backend
 * with 2 threads; the loss and every gradient must match the same step computed here in Node.
 * The page is served twice: cross-origin isolated (COOP same-origin + COEP require-corp), where
 * threads work, and without those headers, where asking for threads fails with a typed error
 * naming the headers and the default falls back to 1 thread. Also checks the rest of the browser
 * platform (gunzip and its size guard, image decoding, refused writes, URLs as files).
 *
 * Skipped when /usr/bin/chromium is missing (`apt-get install -y chromium`).
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { nodePlatform } from '../../src/platform/node.js';
import { seedCnnStep, type StepResult } from './seed-cnn-step.js';

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian: apt-get install -y chromium); the browser test needs it`;

/** The tolerance the brief allows; the kernels and partitioning are the same, so bits usually match. */
const TOLERANCE = 1e-6;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Where each URL prefix (after /isolated or /plain) is served from. */
const ROOTS: Record<string, string> = {
  dist: path.join(repoRoot, 'dist'),
  fixtures: path.join(repoRoot, 'test', 'browser', 'fixtures'),
};

/**
 * Serves dist/ and the fixtures under /isolated/… (with COOP/COEP) and /plain/… (without), so the
 * same page can be loaded with and without cross-origin isolation.
 */
function startServer(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, mode, rootName, ...rest] = url.pathname.split('/');
    const root = ROOTS[rootName ?? ''];
    const file = root ? path.resolve(root, ...rest.map(decodeURIComponent)) : null;
    if ((mode !== 'isolated' && mode !== 'plain') || !root || !file || !file.startsWith(root + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    };
    if (mode === 'isolated') {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface StepReply {
  ok: boolean;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  workersStarted: number;
  result?: StepResult;
  error?: { name?: string; code?: string; message: string };
}

function assertStepsMatch(actual: StepResult, expected: StepResult, where: string): { identical: boolean; worst: number } {
  let identical = Object.is(actual.loss, expected.loss);
  assert.ok(Math.abs(actual.loss - expected.loss) <= TOLERANCE, `${where}: loss ${actual.loss} vs Node's ${expected.loss}`);
  assert.deepEqual(
    actual.grads.map((g) => [g.name, g.shape]),
    expected.grads.map((g) => [g.name, g.shape]),
    `${where}: gradient names and shapes`,
  );
  let worst = 0;
  expected.grads.forEach((e, i) => {
    const a = actual.grads[i].values;
    const scale = Math.max(1, ...e.values.map(Math.abs));
    for (let j = 0; j < e.values.length; j++) {
      const diff = Math.abs(a[j] - e.values[j]);
      if (!Object.is(a[j], e.values[j])) identical = false;
      worst = Math.max(worst, diff / scale);
      if (!(diff <= TOLERANCE * scale)) assert.fail(`${where}: gradient of ${e.name}[${j}] is ${a[j]}, Node computed ${e.values[j]}`);
    }
  });
  return { identical, worst };
}

describe('wasm backend in headless Chromium', { skip, timeout: 60_000 }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base = '';
  let nodeStep: StepResult;

  before(async () => {
    const { chromium } = await import('playwright-core');
    server = await startServer();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    nodeStep = await seedCnnStep(2);
  }, { timeout: 30_000 });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  async function open(mode: 'isolated' | 'plain'): Promise<void> {
    const errors: string[] = [];
    const onError = (e: Error) => errors.push(e.message);
    page.on('pageerror', onError);
    await page.goto(`${base}/${mode}/fixtures/step.html`);
    await page.waitForFunction('window.pageReady === true', undefined, { timeout: 10_000 }).catch((e: Error) => {
      throw new Error(`the test page did not load (${errors.join('; ') || e.message})`);
    });
    page.off('pageerror', onError);
  }

  const runStep = (threads?: number): Promise<StepReply> => page.evaluate((t) => (window as unknown as { runStep(t?: number): Promise<StepReply> }).runStep(t), threads);

  test('Node computes the step on 2 threads', () => {
    assert.equal(nodeStep.threads, 2);
    assert.ok(Number.isFinite(nodeStep.loss) && nodeStep.loss > 0, `loss ${nodeStep.loss}`);
    assert.equal(nodeStep.grads.length, 10, 'seed-cnn has 10 parameter tensors');
  });

  test('cross-origin isolated page: a worker runs the step on 2 threads and matches Node', async (t) => {
    await open('isolated');
    const reply = await runStep(2);
    assert.ok(reply.ok, `the step failed in the browser: ${JSON.stringify(reply.error)}`);
    assert.equal(reply.crossOriginIsolated, true);
    assert.equal(reply.result!.threads, 2, 'the backend computes with 2 threads');
    assert.equal(reply.workersStarted, 1, 'one kernel worker started beside the calling thread');
    const { identical, worst } = assertStepsMatch(reply.result!, nodeStep, 'browser, 2 threads');
    t.diagnostic(`loss ${reply.result!.loss}; gradients ${identical ? 'bit-identical to Node' : `within ${worst.toExponential(2)} of Node (relative to each tensor's largest value)`}`);
  });

  test('on the window thread, 2 threads fail with a typed error telling to use a Web Worker', async (t) => {
    await open('isolated');
    const reply = await page.evaluate(() => (window as unknown as { windowThreadCheck(): Promise<StepReply & { hardwareConcurrency: number }> }).windowThreadCheck());
    assert.equal(reply.ok, false);
    assert.equal(reply.error?.code, 'E_UNSUPPORTED', JSON.stringify(reply.error));
    assert.match(reply.error!.message, /Web Worker/);
    t.diagnostic(reply.error!.message);
    assert.equal(reply.hardwareConcurrency, 1, 'the window thread reports 1 usable thread');
  });

  test('page without COOP/COEP: asking for 2 threads fails naming the headers; the default falls back to 1 thread', async (t) => {
    await open('plain');
    const refused = await runStep(2);
    assert.equal(refused.crossOriginIsolated, false);
    assert.equal(refused.ok, false, 'threads cannot work without cross-origin isolation');
    assert.equal(refused.error?.code, 'E_UNSUPPORTED', JSON.stringify(refused.error));
    assert.match(refused.error!.message, /Cross-Origin-Opener-Policy: same-origin/);
    assert.match(refused.error!.message, /Cross-Origin-Embedder-Policy: require-corp/);
    t.diagnostic(refused.error!.message);

    const fallback = await runStep();
    assert.ok(fallback.ok, `the single-threaded step failed: ${JSON.stringify(fallback.error)}`);
    assert.equal(fallback.hardwareConcurrency, 1);
    assert.equal(fallback.result!.threads, 1);
    assert.equal(fallback.workersStarted, 0);
    assertStepsMatch(fallback.result!, nodeStep, 'browser without isolation, 1 thread');
  });

  test('the rest of the browser platform: gunzip with its guard, PNG decoding, refused writes, URLs as files', async () => {
    await open('isolated');
    const plain = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) % 251));
    const image = new PNG({ width: 3, height: 2 });
    for (let i = 0; i < image.data.length; i++) image.data[i] = i % 4 === 3 ? 255 : (i * 37) % 256;
    const png = PNG.sync.write(image);
    const r = await page.evaluate(
      (input) => (window as unknown as { platformChecks(i: unknown): Promise<Record<string, any>> }).platformChecks(input),
      { gzipped: Array.from(gzipSync(plain)), plainLength: plain.length, png: Array.from(png) },
    );
    assert.equal(r.crossOriginIsolated, true);
    assert.ok(r.gunzip.ok, JSON.stringify(r.gunzip.error));
    assert.deepEqual(r.gunzip.bytes, Array.from(plain));
    assert.equal(r.gunzipOverLimit.error?.code, 'E_FORMAT');
    assert.match(r.gunzipOverLimit.error.message, /expands to more than 4999 bytes/);
    assert.equal(r.gunzipCorrupt.error?.code, 'E_FORMAT');

    const expected = await nodePlatform.decodeImage(new Uint8Array(png), 'probe.png');
    assert.ok(r.decode.ok, JSON.stringify(r.decode.error));
    assert.deepEqual({ ...r.decode, ok: undefined }, { ok: undefined, width: expected.width, height: expected.height, channels: expected.channels, data: Array.from(expected.data) });
    assert.equal(r.decodeNotImage.error?.code, 'E_FORMAT');

    assert.equal(r.writeFile.error?.code, 'E_UNSUPPORTED');
    assert.equal(r.makeDir.error?.code, 'E_UNSUPPORTED');
    assert.equal(r.readFile.length, (await readFile(path.join(repoRoot, 'dist/wasm/fovea-kernels.wasm'))).length);
    assert.equal(r.readMissing.error?.code, 'E_NOT_FOUND');
    assert.equal(r.existsWasm, true);
    assert.equal(r.existsMissing, false);
    assert.equal(r.joinPath, 'https://example.org/models/seed-cnn/model.json');
  });
});
