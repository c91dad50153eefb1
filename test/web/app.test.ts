/**
 * The web app (web/, built by `vite build` into dist/web) in Debian's headless Chromium, driven by
 * playwright-core, served by `fovea app` as a user would serve it. Checks: drawing a "1" and a "0"
 * with the mouse gives those answers; training for a few hundred steps raises accuracy, pauses and
 * resumes, keeps the page answering clicks within 200 ms, and downloads a zip that `fovea eval`
 * loads; the explorer's filters, confusion-matrix cells and sorting; opening a model zip and
 * classifying a dropped image; and, served without cross-origin isolation, the one-thread fallback
 * with its note. Screenshots of each page go to $FOVEA_SCREENSHOT_DIR (default: the temp folder).
 *
 * Skipped when /usr/bin/chromium is missing (`apt-get install -y chromium`) or the app is not built.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { CLI_PATH, REPO_ROOT, runCli } from '../cli/run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const APP_DIR = join(REPO_ROOT, 'dist', 'web');
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is not installed (Debian: apt-get install -y chromium); the web app tests need it`
  : !existsSync(join(APP_DIR, 'index.html'))
    ? 'the web app is not built (npm run build:web)'
    : false;
const SCREENSHOTS = process.env.FOVEA_SCREENSHOT_DIR ?? tmpdir();

/** Starts `fovea app --port 0 --json` and resolves with its URL once it serves. */
function startApp(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [CLI_PATH, 'app', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        resolve({ url: (JSON.parse(out) as { url: string }).url, process: child });
      } catch {
        // Not all of the JSON object has arrived yet.
      }
    });
    child.on('exit', (code) => reject(new Error(`fovea app exited with ${code}: ${out}`)));
  });
}

/** The built app served without cross-origin isolation headers, as a careless static host would. */
function startPlainServer(): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(APP_DIR, path === '/' ? 'index.html' : decodeURIComponent(path));
    if (!file.startsWith(APP_DIR) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** An image folder of MNIST 0s and 1s (root/zero, root/one), plus a text file and a broken PNG. */
function mnistFolder(dir: string, perClass: number): string {
  const images = gunzipSync(readFileSync(join(REPO_ROOT, 'data/mnist/t10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(join(REPO_ROOT, 'data/mnist/t10k-labels-idx1-ubyte.gz')));
  const root = join(dir, 'digits');
  const counts = [0, 0];
  for (const name of ['zero', 'one']) mkdirSync(join(root, name), { recursive: true });
  for (let i = 0; counts[0] < perClass || counts[1] < perClass; i++) {
    const label = labels[8 + i];
    if (label > 1 || counts[label] >= perClass) continue;
    const png = new PNG({ width: 28, height: 28 });
    for (let p = 0; p < 784; p++) png.data.set([images[16 + i * 784 + p], images[16 + i * 784 + p], images[16 + i * 784 + p], 255], p * 4);
    writeFileSync(join(root, label === 0 ? 'zero' : 'one', `${i}.png`), PNG.sync.write(png));
    counts[label]++;
  }
  writeFileSync(join(root, 'notes.txt'), 'not an image\n');
  writeFileSync(join(root, 'one', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\n this is not really a PNG'));
  return root;
}

/** MNIST test image `index` as a PNG file (white on black, as MNIST stores it), and its label. */
function mnistTestPng(dir: string, index: number): { path: string; label: number } {
  const images = gunzipSync(readFileSync(join(REPO_ROOT, 'data/mnist/t10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(join(REPO_ROOT, 'data/mnist/t10k-labels-idx1-ubyte.gz')));
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) {
    const v = images[16 + index * 784 + p];
    png.data.set([v, v, v, 255], p * 4);
  }
  const path = join(dir, `mnist-test-${index}.png`);
  writeFileSync(path, PNG.sync.write(png));
  return { path, label: labels[8 + index] };
}

async function shot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOTS, `fovea-web-${name}.png`);
  await page.screenshot({ path, fullPage: true, timeout: 60_000 });
  return path;
}

/** Draws a polyline on the drawing pad with mouse events, in pad coordinates (0..280). */
async function drawStroke(page: Page, points: [number, number][]): Promise<void> {
  const box = (await page.locator('#draw-pad').boundingBox())!;
  const at = ([x, y]: [number, number]): [number, number] => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

/** The top class on the Draw page once the answers stop changing. */
async function settledTop(page: Page): Promise<string> {
  let last = '';
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(150);
    const top = (await page.locator('#draw-bars').getAttribute('data-top')) ?? '';
    if (top !== '' && top === last) return top;
    last = top;
  }
  return last;
}

describe('the web app in headless Chromium', { skip, timeout: 240_000 }, () => {
  let browser: Browser;
  let app: { url: string; process: ChildProcess };
  let workDir: string;
  const problems: string[] = [];

  const openPage = async (hash: string, url = app.url): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, acceptDownloads: true });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('favicon')) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    await page.goto(new URL(hash, url).href);
    return page;
  };

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'fovea-web-'));
    app = await startApp();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    app?.process.kill('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  });

  test('Draw: a "1" and a "0" drawn with the mouse are recognised; the 28×28 input and feature maps are shown', async (t) => {
    const page = await openPage('#draw');
    await page.waitForFunction(() => (window as unknown as { foveaMetrics: { firstPrediction?: number } }).foveaMetrics.firstPrediction !== undefined, null, { timeout: 60_000 });
    const firstPrediction = await page.evaluate(() => (window as unknown as { foveaMetrics: { firstPrediction: number } }).foveaMetrics.firstPrediction);
    t.diagnostic(`first prediction ${firstPrediction.toFixed(0)} ms after navigation started`);
    assert.equal(await page.locator('#engine-status').getAttribute('data-threads'), '2', 'threads in a cross-origin isolated page');
    assert.equal(await settledTop(page), '7', 'the example digit on the pad is MNIST test image 0, a 7');

    await page.locator('#draw-clear').click();
    await drawStroke(page, [[140, 40], [138, 100], [136, 160], [135, 240]]);
    assert.equal(await settledTop(page), '1', 'a vertical stroke is a 1');
    const layers = await page.locator('#draw-maps .feature-layer').count();
    assert.ok(layers >= 4, `feature maps of ${layers} layers`);
    await shot(page, 'draw-1');

    await page.locator('#draw-clear').click();
    const ring: [number, number][] = Array.from({ length: 33 }, (_, i) => {
      const a = (i / 32) * 2 * Math.PI;
      return [140 + 60 * Math.sin(a), 140 - 95 * Math.cos(a)];
    });
    await drawStroke(page, ring);
    assert.equal(await settledTop(page), '0', 'a closed oval is a 0');
    t.diagnostic(`screenshot: ${await shot(page, 'draw-0')}`);
    assert.deepEqual(problems.splice(0), []);
    await page.close();
  });

  test('Train: a few hundred steps raise accuracy; pause holds and resume continues; clicks answer within 200 ms; the downloaded zip loads in the CLI', async (t) => {
    const page = await openPage('#train');
    await page.waitForFunction(() => (document.querySelector('#train-summary')?.textContent ?? '').includes('Total params'), null, { timeout: 60_000 });

    // A shape error is shown inline with its line; the zoo's layer list is valid again.
    const text = await page.locator('#train-layers').inputValue();
    await page.locator('#train-layers').fill(`${text}\nConv2D(filters=4, kernelSize=3)`);
    await page.waitForFunction(() => !(document.querySelector('#train-layers-error') as HTMLElement).hidden, null, { timeout: 10_000 });
    assert.match((await page.locator('#train-layers-error').textContent()) ?? '', /^line 9: /);
    assert.ok(await page.locator('#train-start').isDisabled(), 'Start is disabled while the layer list is invalid');
    await page.locator('#train-layers').fill(text);
    await page.waitForFunction(() => (document.querySelector('#train-layers-error') as HTMLElement).hidden, null, { timeout: 10_000 });

    await page.locator('#train-epochs').fill('2');
    await page.locator('#train-start').click();
    await page.waitForFunction(() => Number((document.querySelector('#train-progress') as HTMLElement).dataset.step ?? 0) >= 20, null, { timeout: 60_000 });
    const early = Number(await page.locator('#train-progress').getAttribute('data-accuracy'));

    // The page answers while training: a tab switch is handled and painted within 200 ms.
    const latencies: number[] = [];
    for (const tab of ['#tab-draw', '#tab-train', '#tab-explore', '#tab-train']) {
      latencies.push(
        await page.evaluate(async (selector) => {
          const start = performance.now();
          (document.querySelector(selector) as HTMLElement).click();
          await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
          return performance.now() - start;
        }, tab),
      );
    }
    t.diagnostic(`UI latencies during training (ms): ${latencies.map((l) => l.toFixed(1)).join(', ')}`);
    assert.ok(Math.max(...latencies) < 200, `a click took ${Math.max(...latencies).toFixed(0)} ms to answer during training`);

    await page.locator('#train-pause').click();
    await page.waitForFunction(() => document.querySelector('#train-pause')?.textContent === 'Resume', null, { timeout: 10_000 });
    const pausedAt = await page.locator('#train-progress').getAttribute('data-step');
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('#train-progress').getAttribute('data-step'), pausedAt, 'no steps while paused');
    await page.locator('#train-pause').click();
    await page.waitForFunction(() => (document.querySelector('#train-progress') as HTMLElement).dataset.done === 'true', null, { timeout: 180_000 });
    const steps = Number(await page.locator('#train-progress').getAttribute('data-step'));
    const testAccuracies = await page.locator('#train-epochs-list li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.valAccuracy)));
    t.diagnostic(`${steps} steps; running accuracy after 20 steps ${(early * 100).toFixed(1)}%; test accuracy per epoch ${testAccuracies.map((a) => (a * 100).toFixed(2)).join(', ')}%; ${await page.locator('#train-progress').textContent()}`);
    assert.ok(steps >= 300, `${steps} steps`);
    assert.equal(testAccuracies.length, 2);
    assert.ok(testAccuracies[1] > Math.max(0.9, early), `test accuracy ${testAccuracies[1]} after training, running accuracy ${early} at step 20`);
    t.diagnostic(`screenshot: ${await shot(page, 'train')}`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#train-download').click()]);
    const zip = join(workDir, download.suggestedFilename());
    await download.saveAs(zip);
    const evaluated = await runCli(['eval', zip, '--dataset', 'mnist', '--json'], { timeoutMs: 120_000 });
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const accuracy = (JSON.parse(evaluated.stdout) as { accuracy: number }).accuracy;
    t.diagnostic(`fovea eval of the downloaded zip on the full MNIST test set: ${(accuracy * 100).toFixed(2)}%`);
    assert.ok(accuracy > 0.9, `the CLI measured ${accuracy}`);

    // The trained model moves to the explorer.
    await page.locator('#train-explore').click();
    // Read the accuracy in the same call that sees it is the trained model's (data-model), not a
    // value left from the model the explorer showed before.
    const explored = Number(
      await (
        await page.waitForFunction(
          () => {
            const status = document.querySelector('#explore-status') as HTMLElement;
            return status.dataset.model === 'trained' && status.dataset.accuracy !== undefined ? status.dataset.accuracy : false;
          },
          null,
          { timeout: 60_000 },
        )
      ).jsonValue(),
    );
    assert.equal(explored, testAccuracies[1], 'the explorer measures the trained model as training did');
    assert.deepEqual(problems.splice(0), []);
    await page.close();
  });

  test('Train on an image folder picked with the folder input: classes from sub-folders, other files left out, a broken image skipped with a warning', async (t) => {
    const page = await openPage('#train');
    await page.waitForFunction(() => (document.querySelector('#train-summary')?.textContent ?? '').includes('Total params'), null, { timeout: 60_000 });
    await page.locator('#train-dataset').selectOption('folder');
    await page.locator('#train-size').fill('28');
    await page.locator('#train-channels').selectOption('1');
    await page.locator('#train-folder-input').setInputFiles(mnistFolder(workDir, 40));
    await page.waitForFunction(() => /classes/.test(document.querySelector('#train-folder-status')?.textContent ?? ''), null, { timeout: 30_000 });
    const folderStatus = (await page.locator('#train-folder-status').textContent()) ?? '';
    assert.match(folderStatus, /81 images in 2 classes \(one, zero\); 1 other files left out/);
    await page.waitForFunction(() => (document.querySelector('#train-summary')?.textContent ?? '').includes('(28, 28, 1)') && !(document.querySelector('#train-start') as HTMLButtonElement).disabled, null, { timeout: 30_000 });
    await page.locator('#train-epochs').fill('5');
    await page.locator('#train-start').click();
    await page.waitForFunction(() => (document.querySelector('#train-progress') as HTMLElement).dataset.done === 'true', null, { timeout: 120_000 });
    const memory = await page.locator('#train-epochs-list li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.memory)));
    t.diagnostic(`engine memory in use at each epoch's end (MiB): ${memory.map((m) => (m / 2 ** 20).toFixed(2)).join(', ')}`);
    assert.ok(memory.every((m) => m > 0) && memory[4] <= memory[1] * 1.05, 'memory stays flat from epoch to epoch');
    const warnings = await page.locator('#train-warnings li').allTextContents();
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /^skipped one\/broken\.png: /);
    const testAccuracies = await page.locator('#train-epochs-list li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.valAccuracy)));
    assert.equal(testAccuracies.length, 5);
    t.diagnostic(`${folderStatus}; held-out accuracy per epoch ${testAccuracies.map((a) => (a * 100).toFixed(0)).join(', ')}%`);
    t.diagnostic(`screenshot: ${await shot(page, 'train-folder')}`);
    assert.deepEqual(problems.splice(0), []);
    await page.close();
  });

  test('Explore: filters by true and predicted class, confusion-matrix cells, search and worst-first sorting', async (t) => {
    const page = await openPage('#explore');
    await page.waitForFunction(() => (document.querySelector('#explore-status') as HTMLElement).dataset.accuracy !== undefined, null, { timeout: 60_000 });
    const accuracy = Number(await page.locator('#explore-status').getAttribute('data-accuracy'));
    assert.ok(accuracy > 0.97, `the shipped model on the MNIST subset: ${accuracy}`);
    const matches = async (): Promise<number> => Number(await page.locator('#explore-count').getAttribute('data-matches'));
    assert.equal(await matches(), 1000);

    await page.locator('#explore-true').selectOption('3');
    const threes = await matches();
    const tileLabels = await page.locator('#explore-grid .tile').evaluateAll((tiles) => tiles.map((f) => (f as HTMLElement).dataset.true));
    assert.ok(threes > 50 && tileLabels.every((l) => l === '3'), `${threes} threes`);

    await page.locator('#explore-mistakes').check();
    const wrongThrees = await matches();
    assert.ok(wrongThrees < threes);
    assert.ok((await page.locator('#explore-grid .tile').evaluateAll((tiles) => tiles.map((f) => [(f as HTMLElement).dataset.true, (f as HTMLElement).dataset.predicted]))).every(([a, b]) => a !== b));

    // The largest off-diagonal cell of the confusion matrix shows exactly its images.
    const cell = await page.locator('#explore-matrix td.off').evaluateAll((cells) =>
      cells.map((c) => ({ t: (c as HTMLElement).dataset.true!, p: (c as HTMLElement).dataset.predicted!, n: Number(c.textContent || 0) })).sort((a, b) => b.n - a.n)[0],
    );
    await page.locator(`#explore-matrix td[data-true="${cell.t}"][data-predicted="${cell.p}"]`).click();
    assert.equal(await matches(), cell.n, `cell ${cell.t}→${cell.p}`);
    assert.ok((await page.locator('#explore-grid .tile').evaluateAll((tiles) => tiles.map((f) => `${(f as HTMLElement).dataset.true}→${(f as HTMLElement).dataset.predicted}`))).every((x) => x === `${cell.t}→${cell.p}`));

    await page.locator('#explore-true').selectOption('');
    await page.locator('#explore-predicted').selectOption('');
    await page.locator('#explore-sort').selectOption('worst');
    const first = page.locator('#explore-grid .tile').first();
    assert.notEqual(await first.getAttribute('data-true'), await first.getAttribute('data-predicted'), 'worst mistakes first');
    await page.locator('#explore-search').fill('#12');
    await page.waitForFunction(() => (document.querySelector('#explore-count') as HTMLElement).dataset.matches === '1', null, { timeout: 5000 });
    t.diagnostic(`shipped model on the subset ${(accuracy * 100).toFixed(2)}%; ${threes} threes, ${wrongThrees} wrong; largest confusion ${cell.t}→${cell.p} (${cell.n})`);
    await page.locator('#explore-search').fill('');
    await page.locator('#explore-true').selectOption('');
    await page.locator('#explore-mistakes').check();
    t.diagnostic(`screenshot: ${await shot(page, 'explore')}`);

    // The MNIST model is not run on Fashion-MNIST: its images are browsed without predictions.
    await page.locator('#explore-dataset').selectOption('fashion-mnist');
    await page.waitForFunction(() => /browsing without predictions/.test(document.querySelector('#explore-status')?.textContent ?? ''), null, { timeout: 60_000 });
    assert.ok(await page.locator('#explore-predicted').isDisabled());
    await page.locator('#explore-true').selectOption({ label: '9: Ankle boot' });
    const boots = await matches();
    assert.ok(boots > 50 && boots < 200, `${boots} ankle boots among 1,000 test images`);
    assert.equal(await page.locator('#explore-grid .tile').count(), Math.min(boots, 120), 'the first page of matches is shown');
    assert.ok((await page.locator('#explore-grid .tile').evaluateAll((tiles) => tiles.map((f) => (f as HTMLElement).dataset.true))).every((l) => l === '9'));
    assert.deepEqual(problems.splice(0), []);
    await page.close();
  });

  test('Open a model: model.json + weights through the file input, then a dropped image gets top-k bars and Grad-CAM', async (t) => {
    const page = await openPage('#open');
    const shipped = join(APP_DIR, 'models', 'seed-cnn-mnist');
    await page.locator('#open-model-input').setInputFiles([join(shipped, 'model.json'), join(shipped, 'weights.safetensors')]);
    await page.waitForFunction(() => (document.querySelector('#open-status') as HTMLElement).dataset.model !== undefined, null, { timeout: 60_000 });
    const digit = mnistTestPng(workDir, 1);
    await page.locator('#open-image-input').setInputFiles([digit.path]);
    await page.waitForSelector('.result-card', { timeout: 30_000 });
    assert.equal(await page.locator('.result-card').getAttribute('data-top'), String(digit.label));
    assert.equal(await page.locator('.result-card .bar-row').count(), 5, 'top-5 bars');
    assert.equal(await page.locator('.result-card canvas').count(), 2, 'the input and its Grad-CAM overlay');

    await page.locator('#open-model-input').setInputFiles([join(shipped, 'model.json')]);
    await page.waitForFunction(() => !(document.querySelector('#open-error') as HTMLElement).hidden, null, { timeout: 10_000 });
    assert.match((await page.locator('#open-error').textContent()) ?? '', /model zip, or both model\.json and weights\.safetensors/);
    t.diagnostic(`screenshot: ${await shot(page, 'open')}`);
    assert.deepEqual(problems.splice(0), []);
    await page.close();
  });

  test('without cross-origin isolation the engine falls back to 1 thread, says why, and still recognises digits', async () => {
    const server = await startPlainServer();
    try {
      const page = await openPage('#draw', `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => (document.querySelector('#engine-status') as HTMLElement).dataset.threads !== undefined, null, { timeout: 60_000 });
      assert.equal(await page.locator('#engine-status').getAttribute('data-threads'), '1');
      assert.ok(await page.locator('#engine-note').isVisible());
      assert.match((await page.locator('#engine-note').textContent()) ?? '', /Cross-Origin-Opener-Policy: same-origin/);
      assert.equal(await settledTop(page), '7');
      assert.deepEqual(problems.splice(0), []);
      await page.close();
    } finally {
      server.close();
    }
  });
});
