/**
 * `fovea report` end to end: a small untrained CNN (with a made-up training history) and an MLP
 * saved here, reported on the first MNIST test images. The HTML is checked as text (every section,
 * nothing loaded from elsewhere) and then opened in headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core; never a downloaded browser): the charts must have rendered with axes
 * and marks, every image must have decoded, the console must stay clean, and a screenshot is saved.
 *
 * The browser part is skipped when /usr/bin/chromium is missing (`apt-get install -y chromium`).
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { encodeIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/registry.js';
import { saveModel } from '../../src/io/index.js';
import { Conv2D, Dense, Flatten, MaxPool2D, Sequential } from '../../src/nn/index.js';
import { makeTempDir, MNIST_DIR, removeTempDirs, runFails, runJson } from './run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const SECTIONS = ['model', 'training', 'test', 'mistakes', 'filters', 'feature-maps', 'grad-cam', 'adversarial', 'invariance'];

let work: string;
let cnn: string;
let mlp: string;
let digits: string;
let report: string;
let reportJson: Record<string, any>;
let html: string;

before(async () => {
  work = await makeTempDir('fovea-report-');
  const classNames = Array.from({ length: 10 }, (_, i) => String(i));
  const conv = new Sequential(
    [
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
      new MaxPool2D({ poolSize: 2, name: 'pool1' }),
      new Conv2D({ filters: 6, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      new Flatten({ name: 'flatten' }),
      new Dense({ units: 10, activation: 'softmax', name: 'dense' }),
    ],
    { inputShape: [28, 28, 1], name: 'small-cnn' },
  ).build({ seed: 1 });
  conv.classNames = classNames;
  conv.history = { epoch: [1, 2, 3], loss: [1.9, 1.2, 0.8], accuracy: [0.4, 0.62, 0.75], valLoss: [1.5, 1.1, 0.95], valAccuracy: [0.5, 0.64, 0.7] };
  cnn = join(work, 'small-cnn');
  await saveModel(conv, cnn, { training: { dataset: 'mnist', epochs: 3, batchSize: 64, augment: 'rotate:30', seed: 0 } });
  const dense = new Sequential([new Flatten({ name: 'flatten' }), new Dense({ units: 10, activation: 'softmax', name: 'dense' })], { inputShape: [28, 28, 1], name: 'tiny-mlp' }).build({ seed: 2 });
  dense.classNames = classNames;
  mlp = join(work, 'mlp');
  await saveModel(dense, mlp);

  digits = join(work, 'digits');
  await mkdir(digits);
  const { test: mnist } = await loadDataset(MNIST_DIR);
  const n = 24;
  const images = encodeIdx('ubyte', [n, 28, 28], mnist.images.subarray(0, n * 784));
  const labels = encodeIdx('ubyte', [n], Array.from(mnist.labels.subarray(0, n)));
  for (const split of ['train', 't10k']) {
    await writeFile(join(digits, `${split}-images-idx3-ubyte`), images);
    await writeFile(join(digits, `${split}-labels-idx1-ubyte`), labels);
  }
  report = join(work, 'report.html');
  reportJson = (await runJson(['report', cnn, '--dataset', digits, '--sweep-limit', '10', '--examples', '2', '--mistakes', '6', '--epsilons', '0,0.05,0.1,0.2', '--out', report, '--json'], { timeoutMs: 90_000 })).json;
  html = await readFile(report, 'utf8');
});

after(removeTempDirs);

test('the JSON names every section, in order, and what was measured', () => {
  assert.deepEqual(reportJson.sections, SECTIONS);
  assert.equal(reportJson.testImages, 24);
  assert.equal(reportJson.sweepImages, 10);
  assert.deepEqual(reportJson.notes, [], 'nothing was left out');
  assert.ok(reportJson.mistakes.length <= 6);
  assert.deepEqual(reportJson.adversarial.map((p: { epsilon: number }) => p.epsilon), [0, 0.05, 0.1, 0.2]);
  // ε = 0 is the clean accuracy of the same 10 images, as is every invariance curve at its identity value.
  assert.equal(reportJson.adversarial[0].accuracy, reportJson.invariance.cleanAccuracy);
  for (const c of reportJson.invariance.curves) assert.equal(c.accuracy[c.values.indexOf(c.identity)], reportJson.invariance.cleanAccuracy, c.transform);
});

test('the HTML has every section with its content, and loads nothing from anywhere', () => {
  for (const id of SECTIONS) assert.ok(html.includes(`<section id="${id}" data-section="${id}">`), id);
  const section = (id: string) => html.slice(html.indexOf(`<section id="${id}"`), html.indexOf('</section>', html.indexOf(`<section id="${id}"`)));
  assert.match(section('model'), /conv1.*Conv2D/s);
  assert.match(section('model'), /rotate:30/);
  assert.match(section('training'), /<svg[^>]*class="marks"/);
  assert.match(section('test'), /Confusion matrix/);
  assert.match(section('mistakes'), /<img src="data:image\/png;base64,/);
  assert.match(section('filters'), /Filters of layer 'conv1'/);
  assert.match(section('feature-maps'), /Feature maps of test image 1/);
  assert.match(section('grad-cam'), /Grad-CAM of class .* at layer 'conv2'/);
  assert.match(section('adversarial'), /FGSM|ε/);
  assert.match(section('invariance'), /Translation in y/);
  assert.doesNotMatch(html, /<script|<link|<iframe|@import|url\(\s*['"]?(https?:|\/\/)/i);
  assert.doesNotMatch(html, /\s(src|href|xlink:href)="(https?:)?\/\//i, 'no resource from a URL');
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
});

test('a model without convolutions still gets every section, the missing pictures marked as such', async () => {
  const out = join(work, 'mlp.html');
  const { json } = await runJson(['report', mlp, '--dataset', digits, '--sweep-limit', '5', '--no-adversarial', '--no-invariance', '--out', out, '--json'], { timeoutMs: 60_000 });
  assert.deepEqual(json.sections, SECTIONS);
  assert.equal(json.notes.length, 3, json.notes.join('\n'));
  assert.match(json.notes.join('\n'), /first-layer filters: .*no Conv2D/i);
  const page = await readFile(out, 'utf8');
  assert.match(page, /no training history/);
  assert.match(page, /Left out \(--no-adversarial\)/);
  assert.equal(page.match(/class="missing"/g)?.length, 6);
});

test('bad input exits non-zero with a clear message: missing model, classes that do not match, wrong file type', async () => {
  const letters = join(work, 'letters');
  const model = new Sequential([new Flatten({ name: 'flatten' }), new Dense({ units: 10, name: 'dense' })], { inputShape: [28, 28, 1], name: 'letters' }).build({ seed: 0 });
  model.classNames = 'abcdefghij'.split('');
  await saveModel(model, letters);
  const [missing, classes, type] = await Promise.all([
    runFails(['report', join(work, 'nowhere'), '--dataset', digits, '--out', join(work, 'x.html')]),
    runFails(['report', letters, '--dataset', digits, '--out', join(work, 'x.html')]),
    runFails(['report', cnn, '--dataset', digits, '--out', join(work, 'x.pdf')]),
  ]);
  assert.match(missing, /E_NOT_FOUND.*model directory not found/);
  assert.match(classes, /E_DATASET.*trained on classes a, b, c/);
  assert.match(type, /--out must end in \.html/);
});

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian: apt-get install -y chromium); the browser check of the report needs it`;

describe('the report in headless Chromium', { skip }, () => {
  let browser: Browser;

  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, { timeout: 30_000 });

  after(async () => {
    await browser?.close();
  });

  test('charts render with axes and marks, every picture decodes, nothing else is fetched, no console errors; screenshot saved', async (t) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const fetched: string[] = [];
    const url = pathToFileURL(report).href;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url().slice(0, 80)}`));
    page.on('request', (r) => {
      if (r.url() !== url && !r.url().startsWith('data:')) fetched.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });

    const sections = await page.$$eval('section', (all) => all.map((s) => ({ id: s.id, height: s.getBoundingClientRect().height })));
    assert.deepEqual(sections.map((s) => s.id), SECTIONS);
    for (const s of sections) assert.ok(s.height > 60, `section ${s.id} is ${s.height}px tall`);

    // The Vega charts: training curves, confusion matrix, accuracy under attack, invariance.
    const charts = await page.$$eval('svg.marks', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const section = svg.closest('section')?.id ?? '';
        const axes = svg.querySelectorAll('g[aria-roledescription="axis"]').length;
        const axisTitles = Array.from(svg.querySelectorAll('g.role-axis-title text')).map((e) => e.textContent ?? '');
        const lines = Array.from(svg.querySelectorAll('path[aria-roledescription="line mark"]')).map((p) => (p as SVGGeometryElement).getTotalLength());
        const cells = svg.querySelectorAll('path[aria-roledescription="rect mark"]').length;
        const titles = Array.from(svg.querySelectorAll('g.role-title-text text')).map((e) => e.textContent ?? '');
        return { section, width: box.width, height: box.height, axes, axisTitles, lines, cells, titles };
      }),
    );
    assert.deepEqual(charts.map((c) => c.section), ['training', 'test', 'adversarial', 'invariance']);
    for (const c of charts) {
      assert.ok(c.width > 200 && c.height > 150, `${c.section} chart is ${c.width}×${c.height}`);
      assert.ok(c.axes >= 2, `${c.section}: ${c.axes} axes`);
      assert.ok(c.axisTitles.every((s) => s.length > 0) && c.axisTitles.length >= 2, `${c.section}: axis titles ${c.axisTitles.join(', ')}`);
      assert.ok(c.titles.length >= 1, `${c.section}: no title`);
    }
    const [training, confusion, adversarial, invariance] = charts;
    assert.equal(training.lines.length, 4, 'training and validation, loss and accuracy');
    assert.equal(confusion.cells, 100, 'a 10×10 confusion matrix');
    assert.ok(confusion.axisTitles.includes('true class') && confusion.axisTitles.includes('predicted class'));
    assert.equal(adversarial.lines.length, 1);
    assert.equal(invariance.lines.length, 7, 'one line in each of the 7 panels');
    for (const c of charts) for (const length of c.lines) assert.ok(length > 10, `${c.section}: a line ${length}px long`);

    // Pictures: <img> tags (the mistakes) and the PNGs inside the SVG figures.
    const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ complete: i.complete, width: i.naturalWidth, height: i.naturalHeight })));
    assert.ok(images.length >= 1);
    for (const i of images) assert.ok(i.complete && i.width > 0 && i.height > 0, JSON.stringify(i));
    const embedded = await page.evaluate(() =>
      Promise.all(
        Array.from(document.querySelectorAll('svg image')).map(async (el) => {
          const img = new Image();
          img.src = el.getAttribute('xlink:href') ?? el.getAttribute('href') ?? '';
          await img.decode().catch(() => undefined);
          return img.naturalWidth;
        }),
      ),
    );
    assert.ok(embedded.length >= 10, `${embedded.length} pictures in the figures`);
    assert.ok(embedded.every((w) => w > 0), `undecodable pictures: ${embedded.filter((w) => w === 0).length}`);

    assert.deepEqual(fetched, [], 'the report fetched something');
    assert.deepEqual(problems, []);
    const shot = join(process.env.FOVEA_SCREENSHOT_DIR ?? tmpdir(), 'fovea-report-test.png');
    await page.screenshot({ path: shot, fullPage: true, timeout: 60_000 });
    t.diagnostic(`screenshot: ${shot}`);
    await page.close();
  });
});
