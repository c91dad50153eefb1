/**
 * End to end: `fovea filters`, `fovea activations` and `fovea saliency` on small untrained models
 * saved here, with MNIST test images. The pictures are checked as files (SVG text and embedded
 * images, PNG headers and sizes); the numbers behind them are tested in test/explain/.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { saveModel } from '../../src/io/index.js';
import { Conv2D, Dense, Flatten, MaxPool2D, Sequential } from '../../src/nn/index.js';
import { makeTempDir, removeTempDirs, writeMnistSubset, runCli, runFails, runJson, runOk } from './run-cli.js';

let work: string;
/** [28, 28, 1] → conv1 (4 filters 3×3) → pool1 → conv2 (4 filters 3×3) → flatten → dense (10, softmax). */
let greyModel: string;
/** The same layers on [14, 14, 3]: MNIST images must be converted to fit it. */
let rgbModel: string;
/** The first 20 MNIST test images as an IDX dataset directory (quicker to load than all of MNIST). */
let digits: string;

async function saveSmallModel(dir: string, inputShape: number[]): Promise<string> {
  const model = new Sequential(
    [
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
      new MaxPool2D({ poolSize: 2, name: 'pool1' }),
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      new Flatten({ name: 'flatten' }),
      new Dense({ units: 10, activation: 'softmax', name: 'dense' }),
    ],
    { inputShape, name: 'small-cnn' },
  ).build({ seed: 1 });
  model.classNames = Array.from({ length: 10 }, (_, i) => String(i));
  await saveModel(model, dir);
  return dir;
}

before(async () => {
  work = await makeTempDir('fovea-explain-');
  greyModel = await saveSmallModel(join(work, 'grey'), [28, 28, 1]);
  rgbModel = await saveSmallModel(join(work, 'rgb'), [14, 14, 3]);
  digits = join(work, 'digits');
  await writeMnistSubset(digits, 20);
});

after(removeTempDirs);

/** The SVG's embedded PNG images, decoded. */
function embeddedImages(svg: string): PNG[] {
  return [...svg.matchAll(/xlink:href="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => PNG.sync.read(Buffer.from(m[1], 'base64')));
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

test('filters: an SVG with the layer, a tile per filter and the weight range; a PNG of the same size', async () => {
  const svgFile = join(work, 'filters.svg');
  const { json } = await runJson(['filters', greyModel, '--out', svgFile, '--json']);
  assert.deepEqual(
    { layer: json.layer, type: json.type, kernelShape: json.kernelShape, view: json.view, rows: json.rows, columns: json.columns, tiles: json.tiles, format: json.format },
    { layer: 'conv1', type: 'Conv2D', kernelShape: [3, 3, 1, 4], view: 'channels', rows: 1, columns: 4, tiles: 4, format: 'svg' },
  );
  const svg = await readFile(svgFile, 'utf8');
  assert.match(svg, /^<svg [^>]*width="(\d+)" height="(\d+)"/);
  assert.ok(svg.includes(`width="${json.width}" height="${json.height}"`));
  const labels = texts(svg);
  assert.ok(labels.includes("Filters of layer 'conv1' (Conv2D)"), labels.join(' | '));
  assert.ok(labels.some((t) => t.startsWith('weight (blue negative')));
  const range = Number(json.range.toPrecision(3)).toString();
  assert.ok(labels.includes(range) && labels.includes(`-${range}`), `legend ±${range}`);
  const images = embeddedImages(svg);
  assert.equal(images.length, 4 + 1, 'four 3×3 tiles and the colour bar');
  assert.deepEqual([images[0].width, images[0].height], [3, 3]);

  const pngFile = join(work, 'filters-conv2.png');
  const r = await runOk(['filters', greyModel, '--layer', 'conv2', '--out', pngFile]);
  assert.match(r.stdout, /wrote .*filters-conv2\.png \((\d+)×(\d+) px png\): filters of layer 'conv2' \(Conv2D, kernel 3×3×4×4\)\n {2}view channels: one 3×3 tile per \(input channel, filter\)/);
  const [, w, h] = /\((\d+)×(\d+) px png\)/.exec(r.stdout)!;
  const png = PNG.sync.read(await readFile(pngFile));
  assert.deepEqual([png.width, png.height], [Number(w), Number(h)]);
});

test('filters refuses a Dense layer, an unknown layer, a view that does not apply and an unknown picture format', async () => {
  const [dense, unknown, jpg, view] = await Promise.all([
    runFails(['filters', greyModel, '--layer', 'dense', '--out', join(work, 'x.svg')]),
    runFails(['filters', greyModel, '--layer', 'conv9', '--out', join(work, 'x.svg')]),
    runFails(['filters', greyModel, '--out', join(work, 'x.jpg')]),
    runFails(['filters', greyModel, '--view', 'rgb', '--out', join(work, 'x.svg')]),
  ]);
  assert.match(dense, /E_ARGUMENT.*layer 'dense' is a Dense, not a convolution.*conv1 \(Conv2D\), conv2 \(Conv2D\)/);
  assert.match(unknown, /no layer named 'conv9'; its layers are: conv1 \(Conv2D → \[26, 26, 4\]\), pool1/);
  assert.match(jpg, /--out must end in \.svg .* or \.png/);
  assert.match(view, /view 'rgb' needs a layer over 3 input channels; layer 'conv1' has 1/);
  assert.deepEqual((await readdir(work)).filter((f) => f.startsWith('x.')), [], 'nothing written');
});

test('activations: a block per spatial layer labelled with its name and shape, the image and the prediction', async () => {
  const out = join(work, 'act.svg');
  const { json } = await runJson(['activations', greyModel, '--dataset', 'mnist', '--index', '3', '--out', out, '--json']);
  assert.deepEqual(
    json.layers.map((l: { name: string; shape: number[] }) => [l.name, l.shape]),
    [
      ['conv1', [26, 26, 4]],
      ['pool1', [13, 13, 4]],
      ['conv2', [11, 11, 4]],
    ],
  );
  assert.equal(json.index, 3);
  assert.equal(json.split, 'test');
  assert.deepEqual(json.inputChanges, []);
  const svg = await readFile(out, 'utf8');
  const labels = texts(svg);
  for (const l of ['input  28×28×1', 'conv1 (Conv2D)  26×26×4', 'pool1 (MaxPool2D)  13×13×4', 'conv2 (Conv2D)  11×11×4']) assert.ok(labels.includes(l), `${l} in ${labels.join(' | ')}`);
  assert.ok(labels.some((t) => t.includes(`mnist test image 3 · label ${json.label} · predicted ${json.predictedClass}`)));
  assert.equal(embeddedImages(svg).length, 1 + 12 + 3, 'the input, 12 channel tiles, 3 legend bars');

  const two = join(work, 'act.png');
  const r = await runOk(['activations', greyModel, '--dataset', digits, '--layers', 'conv2, pool1', '--out', two]);
  assert.match(r.stdout, /pool1 .*\n.*conv2/, 'in the order the layers run');
  const png = PNG.sync.read(await readFile(two));
  assert.ok(png.width > 100 && png.height > 100);
});

test('activations refuses a layer without feature maps and an index past the dataset', async () => {
  const [dense, past] = await Promise.all([
    runFails(['activations', greyModel, '--dataset', digits, '--layers', 'conv1,dense', '--out', join(work, 'x.svg')]),
    runFails(['activations', greyModel, '--index', '10000', '--out', join(work, 'x.svg')]),
  ]);
  assert.match(dense, /layer 'dense' \(Dense\) outputs \[10\], not a feature map \[height, width, channels\]; layers with feature maps: conv1/);
  assert.match(past, /--index 10000 is past the end of mnist test, which has 10000 images \(0\.\.9999\)/);
});

test('saliency: the gradient map and Grad-CAM with the prediction written on the picture', async () => {
  const out = join(work, 'sal.svg');
  const { json } = await runJson(['saliency', greyModel, '--dataset', digits, '--index', '0', '--out', out, '--json']);
  assert.equal(json.method, 'gradient');
  assert.equal(json.classIndex, json.predictedClass, 'the predicted class by default');
  assert.equal(json.top.length, 3);
  assert.ok(json.mapMax > 0);
  const labels = texts(await readFile(out, 'utf8'));
  assert.ok(labels.some((t) => t.startsWith(`Saliency of class ${json.className}: |∂ logit / ∂ pixel|`)), labels.join(' | '));
  assert.ok(labels.some((t) => t.startsWith(`predicted ${json.predictedClassName} (${(json.confidence * 100).toFixed(1)}%) · label 7`)));
  for (const l of ['input', 'saliency', 'overlay']) assert.ok(labels.includes(l));

  const cam = join(work, 'cam.svg');
  const { json: camJson } = await runJson(['saliency', greyModel, '--dataset', digits, '--method', 'gradcam', '--class', '3', '--out', cam, '--json']);
  assert.deepEqual([camJson.method, camJson.layer, camJson.camShape, camJson.classIndex], ['gradcam', 'conv2', [11, 11], 3]);
  const camLabels = texts(await readFile(cam, 'utf8'));
  assert.ok(camLabels.includes("Grad-CAM of class 3 at layer 'conv2'"), camLabels.join(' | '));
  assert.ok(camLabels.includes('Grad-CAM (11×11 → 28×28)'));

  const png = join(work, 'cam.png');
  const r = await runOk(['saliency', greyModel, '--dataset', digits, '--method', 'gradcam', '--layer', 'pool1', '--out', png]);
  assert.match(r.stdout, /Grad-CAM at layer 'pool1' \(13×13\)/);
  const decoded = PNG.sync.read(await readFile(png));
  assert.ok(decoded.width > 3 * 224);
});

test('saliency refuses a class outside the model, --layer without Grad-CAM and a layer without maps', async () => {
  const [cls, name, layer, dense, past] = await Promise.all([
    runFails(['saliency', greyModel, '--class', '10', '--out', join(work, 'x.svg')]),
    runFails(['saliency', greyModel, '--class', 'seven', '--out', join(work, 'x.svg')]),
    runFails(['saliency', greyModel, '--layer', 'conv1', '--out', join(work, 'x.svg')]),
    runFails(['saliency', greyModel, '--dataset', digits, '--method', 'gradcam', '--layer', 'dense', '--out', join(work, 'x.svg')]),
    runFails(['saliency', greyModel, '--dataset', digits, '--index', '20', '--out', join(work, 'x.svg')]),
  ]);
  assert.match(cls, /class 10 is not one of model 'small-cnn''s 10 classes: expected 0\.\.9/);
  assert.match(name, /E_UNKNOWN_NAME.*unknown class 'seven'; known: 0, 1, 2/);
  assert.match(layer, /--layer chooses Grad-CAM's layer; it needs --method gradcam/);
  assert.match(dense, /Grad-CAM needs a layer whose output is a map.*layer 'dense' \(Dense\) outputs \[10\]/);
  assert.match(past, /--index 20 is past the end of digits test, which has 20 images \(0\.\.19\)/);
});

test('an image that does not fit the model is converted (grey → RGB) and resized, with a note', async () => {
  const out = join(work, 'rgb.svg');
  const r = await runCli(['saliency', rgbModel, '--dataset', digits, '--method', 'gradcam', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /note: digits images are 28×28×1, model 'small-cnn' takes 14×14×3: grey → RGB, resized 28×28 → 14×14/);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.inputChanges, ['grey → RGB', 'resized 28×28 → 14×14']);
  assert.equal(json.layer, 'conv2');
  const svg = await readFile(out, 'utf8');
  assert.equal(embeddedImages(svg)[0].width, 14, 'the input panel shows the converted image');
  const filters = await runJson(['filters', rgbModel, '--out', join(work, 'rgb-filters.svg'), '--json']);
  assert.equal(filters.json.view, 'rgb');
});

test('every command has --help naming its options', async () => {
  const commands = [
    ['filters', ['--layer', '--view', '--out', '--json']],
    ['activations', ['--dataset', '--index', '--layers', '--out', '--json']],
    ['saliency', ['--dataset', '--index', '--class', '--method', '--layer', '--out', '--json']],
  ] as const;
  const runs = await Promise.all(commands.map(([command]) => runOk([command, '--help'])));
  commands.forEach(([command, options], i) => {
    for (const o of options) assert.ok(runs[i].stdout.includes(o), `${command} --help mentions ${o}`);
  });
});
