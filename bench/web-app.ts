/**
 * The web app's measurements, in one run on this machine: time from page load to the first
 * prediction (fresh browser context each time, so nothing is cached), in-browser training
 * images/s of seed-cnn on 1 thread and on all threads next to Node's on the same kernels with the
 * same settings, and the size of what the app ships (gzip -9), split into code (JS, WASM, CSS,
 * HTML) and data (the shipped model and dataset subsets), and what the first page view loads.
 *
 *   npm run build:web && node dist/bench/web-app.js [--loads 5] [--json bench/results/web-app.json]
 *
 * Needs Debian's chromium (/usr/bin/chromium). Serves dist/web with `fovea app`.
 */
import '../src/platform/node.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { setBackend } from '../src/backend/registry.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { createZooModel } from '../src/models/zoo.js';
import { benchmarkModel } from '../src/train/benchmark.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = path.join(repoRoot, 'dist', 'web');
const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

const { values: flags } = parseArgs({
  strict: true,
  options: { loads: { type: 'string', default: '5' }, json: { type: 'string', default: path.join(repoRoot, 'bench', 'results', 'web-app.json') } },
});

function startApp(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cli, 'app', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        resolve({ url: (JSON.parse(out) as { url: string }).url, child });
      } catch {
        // Not all of the JSON object has arrived yet.
      }
    });
    child.on('exit', (code) => reject(new Error(`fovea app exited with ${code}`)));
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

/** Bytes and gzip -9 bytes of the built app, by kind. */
async function shippedSizes(): Promise<Record<string, { files: number; bytes: number; gzipBytes: number }>> {
  const sizes: Record<string, { files: number; bytes: number; gzipBytes: number }> = {};
  for (const file of await filesUnder(appDir)) {
    const ext = path.extname(file).slice(1);
    const kind = ['js', 'wasm', 'css', 'html'].includes(ext) ? ext : 'data (model, datasets, example)';
    const bytes = await fs.readFile(file);
    // Already-gzipped data files are shipped as they are.
    const gzipBytes = ext === 'gz' ? bytes.length : gzipSync(bytes, { level: 9 }).length;
    const entry = (sizes[kind] ??= { files: 0, bytes: 0, gzipBytes: 0 });
    entry.files++;
    entry.bytes += bytes.length;
    entry.gzipBytes += gzipBytes;
  }
  return sizes;
}

async function nodeTraining(threads: number): Promise<number> {
  setBackend(await createWasmBackend({ threads }));
  const r = benchmarkModel(createZooModel('seed-cnn', {}), { mode: 'train', batchSize: 64, minSeconds: 1, repeats: 5 });
  return r.imagesPerSecond.median;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const loads = Number(flags.loads);
  if (!(Number.isInteger(loads) && loads > 0)) throw new Error(`--loads needs a positive integer, got '${flags.loads}'`);
  const jsonPath = flags.json!;
  const { url, child } = await startApp();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const firstPrediction: number[] = [];
    let firstViewBytes = 0;
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      let bytes = 0;
      page.on('response', (r) => void r.body().then((b) => (bytes += b.length), () => undefined));
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { foveaMetrics: { firstPrediction?: number } }).foveaMetrics.firstPrediction !== undefined, null, { timeout: 60_000 });
      firstPrediction.push(await page.evaluate(() => (window as unknown as { foveaMetrics: { firstPrediction: number } }).foveaMetrics.firstPrediction));
      firstViewBytes = bytes;
      await context.close();
    }

    const page = await browser.newPage();
    await page.goto(new URL('#train', url).href);
    await page.waitForFunction(() => (document.querySelector('#engine-status') as HTMLElement).dataset.threads !== undefined, null, { timeout: 60_000 });
    await page.locator('#train-bench').click();
    await page.waitForFunction(() => /images\/s.*images\/s|thread/.test(document.querySelector('#train-bench-result')?.textContent ?? '') && !(document.querySelector('#train-bench') as HTMLButtonElement).disabled, null, { timeout: 300_000 });
    const data = await page.locator('#train-bench-result').evaluate((el) => ({ ...(el as HTMLElement).dataset }));
    const cores = os.availableParallelism();
    const browserRates: Record<string, number> = { '1': Number(data.threads1), [String(cores)]: Number(data[`threads${cores}`]) };

    const nodeRates: Record<string, number> = {};
    for (const threads of [...new Set([1, cores])]) nodeRates[String(threads)] = await nodeTraining(threads);

    const sizes = await shippedSizes();
    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, Node ${process.version}, ${browser.version()}`,
      timeToFirstPredictionMs: { median: median(firstPrediction), samples: firstPrediction },
      firstViewTransferBytes: firstViewBytes,
      seedCnnTrainingImagesPerSecond: Object.fromEntries(
        Object.keys(nodeRates).map((t) => [`${t} thread(s)`, { browser: browserRates[t], node: nodeRates[t], browserOverNode: browserRates[t] / nodeRates[t] }]),
      ),
      shipped: sizes,
    };
    console.log(JSON.stringify(result, null, 2));
    await fs.mkdir(path.dirname(jsonPath), { recursive: true });
    await fs.writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

await main();
