/**
 * `fovea invariance-study`: the affNIST experiment of Sabour, Frosst & Hinton (2017) — train on
 * digits centred on a 40×40 canvas and shifted by up to 2 px, then test on the centred test set
 * and on an affNIST-like set (random rotation, shear, scale and translation) — for several models.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type AffineTestOptions,
  AFFINE_TEST_DEFAULTS,
  affineTestSetWithTransforms,
  checkCanvasSize,
  type ImageDataset,
  placeOnCanvas,
  randomTranslation,
  take,
  tileImages,
} from '../data/index.js';
import { ArgumentError, ShapeError, UnknownNameError } from '../errors.js';
import { MODEL_JSON_FILE, readModel, saveModel } from '../io/index.js';
import { createZooModel, zooNames } from '../models/index.js';
import type { Network } from '../nn/index.js';
import { createOptimizer, optimizerNames, parseSchedule, SCHEDULE_FORMS } from '../optim/index.js';
import { getPlatform } from '../platform/platform.js';
import { Tensor } from '../tensor/index.js';
import { type Evaluation, evaluate, fit } from '../train/index.js';
import { fromArgumentError, nonNegativeInteger, positiveInteger, positiveNumber } from './parse.js';
import { printJson } from './report.js';
import { openDataset } from './resolve.js';

const DEFAULT_MODELS = ['capsnet-small', 'seed-cnn', 'keras-mnist-cnn'];
/** Names a study directory's model folders may have (no dots: not the writer's .tmp-/.old- folders). */
const MODEL_DIR_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const RESULTS_JSON = 'results.json';
const RESULTS_MD = 'results.md';
const PREVIEW_MAGNIFY = 2;
const PREVIEW_PER_ROW = 8;
/** White pixels between and around the pairs of the preview. */
const PREVIEW_SPACE = 8;

interface StudyFlags {
  models: string[];
  dataset: string;
  canvas: number;
  shift: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: string;
  schedule?: string;
  seed: number;
  affineSeed: number;
  affineTranslate: boolean;
  out?: string;
  reuse?: boolean;
  trainLimit?: number;
  testLimit?: number;
  preview?: string;
  previewCount: number;
  json?: boolean;
  quiet?: boolean;
}

/** How a model was trained, stored in its model.json (`training`) so that --reuse can report it. */
interface StudyTraining {
  study: 'invariance';
  dataset: string;
  canvas: number;
  shift: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: string;
  schedule: string | null;
  seed: number;
  trainImages: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface StudyRow {
  model: string;
  parameters: number;
  /** Epochs of training (from the saved model for a reused one). */
  epochs: number;
  /** Accuracy on the test set centred on the canvas. */
  testAccuracy: number;
  /** Accuracy on the affine (affNIST-like) test set. */
  affineTestAccuracy: number;
  testLoss: number;
  affineTestLoss: number;
  /** Training throughput, or null for a saved model trained elsewhere. */
  trainImagesPerSecond: number | null;
  trainSeconds: number | null;
  /** 'trained' in this run, or 'reused' from the --out directory. */
  source: 'trained' | 'reused';
  /** Where the model is saved, or null without --out. */
  dir: string | null;
}

const HELP_AFTER = `
The experiment (Sabour, Frosst & Hinton 2017, "Dynamic routing between capsules", section 5.2):
each model trains on the training images centred on a --canvas × --canvas black canvas and shifted
at random by up to --shift whole pixels, then is tested on
  (a) the test images centred on the canvas, and
  (b) an affNIST-like test set made from them (seeded by --affine-seed): each digit turned by up to
      ±${AFFINE_TEST_DEFAULTS.rotation}°, sheared by a factor up to ±${AFFINE_TEST_DEFAULTS.shear}, scaled by ${AFFINE_TEST_DEFAULTS.scale[0]}–${AFFINE_TEST_DEFAULTS.scale[1]} horizontally and
      vertically (independently), then moved so that its ink lands anywhere inside the canvas
      (affNIST's ranges), sampled bilinearly.
The paper reports 79% (CapsNet) against 66% (a CNN) on affNIST at equal MNIST accuracy.

With --out DIR each model is saved as DIR/<model>/ and the table as DIR/${RESULTS_JSON} and DIR/${RESULTS_MD};
the table then also covers the other models already saved in DIR. --reuse evaluates a named model
already in DIR instead of training it again, so a long study can run one model at a time:
  fovea invariance-study --models capsnet-small --out study
  fovea invariance-study --models seed-cnn,keras-mnist-cnn --out study
  fovea invariance-study --models seed-cnn --out study --reuse     (evaluates everything in study/)

Quick look:
  fovea invariance-study --models mlp,seed-cnn --epochs 1 --train-limit 5000 --test-limit 1000 --preview affine.png`;

export function registerInvarianceStudy(program: Command): void {
  program
    .command('invariance-study')
    .description('train models on shifted digits on a 40×40 canvas and compare their accuracy on centred and on affNIST-like affine-transformed test digits')
    .addOption(new Option('--models <list>', `comma-separated zoo models (${zooNames().join(', ')})`).argParser(modelList).default(DEFAULT_MODELS, DEFAULT_MODELS.join(',')))
    .option('--dataset <name|dir>', 'dataset of small images to put on the canvas: mnist, fashion-mnist, or a directory of IDX files', 'mnist')
    .option('--canvas <n>', 'side of the square black canvas the images are centred on, in pixels', positiveInteger, AFFINE_TEST_DEFAULTS.size)
    .option('--shift <n>', 'training augmentation: random whole-pixel shifts in ±n along each axis (0: none)', nonNegativeInteger, 2)
    .option('--epochs <n>', 'passes over the training set for each model', positiveInteger, 5)
    .option('--batch-size <n>', 'images per gradient step', positiveInteger, 64)
    .option('--lr <rate>', 'learning rate (the base rate a --schedule shapes)', positiveNumber, 1e-3)
    .option('--optimizer <name>', `one of ${optimizerNames.join(', ')}`, fromArgumentError(optimizerName), 'adam')
    .option('--schedule <spec>', `learning-rate schedule: ${SCHEDULE_FORMS.join(' | ')} (see fovea train --help)`, fromArgumentError((spec) => (parseSchedule(spec), spec)))
    .option('--seed <n>', 'seed for initialisation, shuffling, dropout and the training shifts', nonNegativeInteger, 0)
    .option('--no-affine-translate', 'keep each affine test digit centred (rotation, shear and scale only), to separate those from large translations')
    .option('--affine-seed <n>', 'seed of the affine test set: the same seed gives the same images on every machine', nonNegativeInteger, 0)
    .option('--out <dir>', `save each model as DIR/<model>/ and the results as DIR/${RESULTS_JSON} and DIR/${RESULTS_MD}`)
    .option('--reuse', 'evaluate the named models already saved in --out DIR instead of training them again')
    .option('--train-limit <n>', 'train on the first n training images only', positiveInteger)
    .option('--test-limit <n>', 'test on the first n test images only (and their affine versions)', positiveInteger)
    .option('--preview <file.png>', 'write a PNG of the first affine test digits, each to the right of its centred original')
    .option('--preview-count <n>', 'how many digits the --preview shows', positiveInteger, 32)
    .option('--json', 'print one JSON object with the results on stdout')
    .option('--quiet', 'no progress on stderr')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: StudyFlags) => {
      await runStudy(flags);
    });
}

async function runStudy(flags: StudyFlags): Promise<void> {
  const platform = getPlatform();
  const say = (text: string): void => {
    if (!flags.quiet) process.stderr.write(`${text}\n`);
  };
  if (flags.reuse && flags.out === undefined) throw new ArgumentError('--reuse evaluates the models saved in the --out directory; give --out DIR');
  const out = flags.out;
  const saved = out === undefined ? [] : await savedModels(out);
  for (const name of flags.models) {
    if (!zooNames().includes(name) && !(flags.reuse && saved.includes(name))) throw new UnknownNameError('zoo model', name, zooNames());
  }

  const data = await openDataset(flags.dataset);
  checkCanvasSize(data.train, flags.canvas, '--canvas');
  const trainBase = flags.trainLimit ? take(data.train, flags.trainLimit) : data.train;
  const testBase = flags.testLimit ? take(data.test, flags.testLimit) : data.test;
  const train = placeOnCanvas(trainBase, flags.canvas);
  const test = placeOnCanvas(testBase, flags.canvas);
  const affineOptions: AffineTestOptions = { ...AFFINE_TEST_DEFAULTS, size: flags.canvas, seed: flags.affineSeed, translate: flags.affineTranslate };
  const affine = affineTestSetWithTransforms(testBase, affineOptions);
  const affineTest = affine.dataset;
  say(
    `Invariance study on ${data.name} (${count(train.count)} training / ${count(test.count)} test images, from ${data.location}) on a ${flags.canvas}×${flags.canvas} canvas; ` +
      `training shifts ±${flags.shift} px; affine test set seed ${flags.affineSeed}` +
      (affine.clipped > 0 ? ` (${affine.clipped} digits too large for the canvas lose their edges)` : ''),
  );

  if (flags.preview !== undefined) {
    const grid = previewGrid(test, affineTest, flags.previewCount);
    await platform.writeFileAtomic(flags.preview, await platform.encodePng(grid.rgba, grid.width, grid.height));
    say(`wrote ${flags.preview} (${grid.width}×${grid.height} px): ${grid.digits} centred test digits, each followed by its affine version`);
  }

  const names = [...flags.models, ...saved.filter((n) => !flags.models.includes(n))];
  const rows: StudyRow[] = [];
  for (const [i, name] of names.entries()) {
    const tag = `[${i + 1}/${names.length}] ${name}`;
    const dir = out === undefined ? null : platform.joinPath(out, name);
    const named = flags.models.includes(name);
    let model: Network;
    let row: Pick<StudyRow, 'epochs' | 'trainImagesPerSecond' | 'trainSeconds' | 'source'>;
    if (dir !== null && saved.includes(name) && (flags.reuse || !named)) {
      const loaded = await readModel(dir);
      model = loaded.model;
      const problem = unfitFor(model, train);
      if (problem) {
        if (named) throw new ShapeError(`${dir}: ${problem}; train it again without --reuse, or use another --out directory`);
        say(`${tag}: skipped, ${problem}`);
        continue;
      }
      const training = (loaded.training ?? {}) as Partial<StudyTraining>;
      row = {
        epochs: typeof training.epochs === 'number' ? training.epochs : model.history.epoch.length,
        trainImagesPerSecond: typeof training.imagesPerSecond === 'number' ? training.imagesPerSecond : null,
        trainSeconds: typeof training.seconds === 'number' ? training.seconds : null,
        source: 'reused',
      };
      say(`${tag}: reusing ${dir} (${row.epochs} epoch(s)${typeof training.dataset === 'string' && training.dataset !== data.name ? `, trained on ${training.dataset}` : ''})`);
    } else {
      model = createZooModel(name, { inputShape: [flags.canvas, flags.canvas, train.channels], numClasses: train.numClasses, seed: flags.seed });
      model.classNames = [...data.classNames];
      say(`${tag}: training ${count(model.countParameters())} parameters for ${flags.epochs} epoch(s), batch ${flags.batchSize}, ${flags.optimizer} lr ${flags.lr}${flags.schedule ? `, schedule ${flags.schedule}` : ''}, seed ${flags.seed}`);
      const logs = await fit(model, train, {
        epochs: flags.epochs,
        batchSize: flags.batchSize,
        optimizer: createOptimizer(flags.optimizer, { learningRate: flags.lr }),
        schedule: flags.schedule === undefined ? undefined : parseSchedule(flags.schedule),
        seed: flags.seed,
        augment: flags.shift > 0 ? randomTranslation(flags.shift) : undefined,
        datasetName: data.name,
        progress: flags.quiet ? undefined : { write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY },
      });
      const seconds = logs.reduce((s, l) => s + l.seconds, 0);
      const imagesPerSecond = seconds > 0 ? (logs.length * train.count) / seconds : 0;
      row = { epochs: logs.length, trainImagesPerSecond: imagesPerSecond, trainSeconds: seconds, source: 'trained' };
      if (dir !== null) {
        const training: StudyTraining = {
          study: 'invariance',
          dataset: data.name,
          canvas: flags.canvas,
          shift: flags.shift,
          epochs: logs.length,
          batchSize: flags.batchSize,
          learningRate: flags.lr,
          optimizer: flags.optimizer,
          schedule: flags.schedule ?? null,
          seed: flags.seed,
          trainImages: train.count,
          seconds,
          imagesPerSecond,
        };
        await saveModel(model, dir, { training: training as unknown as Record<string, unknown> });
        say(`${tag}: saved to ${dir}`);
      }
    }
    say(`${tag}: evaluating on ${count(test.count)} centred and ${count(affineTest.count)} affine test images`);
    const centred = evaluate(model, test);
    const transformed = evaluate(model, affineTest);
    say(`${tag}: test accuracy ${percent(centred.accuracy)}, affine test accuracy ${percent(transformed.accuracy)}`);
    rows.push(studyRow(name, model, row, centred, transformed, dir));
  }

  const results = {
    dataset: data.name,
    canvas: flags.canvas,
    shift: flags.shift,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    learningRate: flags.lr,
    optimizer: flags.optimizer,
    schedule: flags.schedule ?? null,
    seed: flags.seed,
    trainImages: train.count,
    testImages: test.count,
    affine: { ...affineOptions, clipped: affine.clipped },
    models: rows,
    out: out ?? null,
    preview: flags.preview ?? null,
  };
  if (out !== undefined) {
    await platform.makeDir(out);
    await platform.writeFileAtomic(platform.joinPath(out, RESULTS_JSON), `${JSON.stringify(results, null, 2)}\n`);
    await platform.writeFileAtomic(platform.joinPath(out, RESULTS_MD), markdownReport(results));
    say(`wrote ${platform.joinPath(out, RESULTS_JSON)} and ${platform.joinPath(out, RESULTS_MD)}`);
  }
  if (flags.json) printJson(results);
  else process.stdout.write(`${textTable(rows, data.name)}\n`);
}

/** Model folders (holding a model.json) in a study directory, sorted by name. */
async function savedModels(dir: string): Promise<string[]> {
  const platform = getPlatform();
  if (!(await platform.isDirectory(dir))) {
    if (await platform.exists(dir)) throw new ArgumentError(`--out '${dir}' is a file; expected a directory for the study`);
    return [];
  }
  const found: string[] = [];
  for (const name of (await platform.listDir(dir)).sort()) {
    if (MODEL_DIR_NAME.test(name) && (await platform.exists(platform.joinPath(dir, name, MODEL_JSON_FILE)))) found.push(name);
  }
  return found;
}

/** Why a saved model cannot be tested on this study's images, or null when it can. */
function unfitFor(model: Network, ds: ImageDataset): string | null {
  const input = model.inputShape ?? [];
  const expected = [ds.height, ds.width, ds.channels];
  if (input.length !== 3 || input.some((d, i) => d !== expected[i])) {
    return `its input is ${input.join('×')} but this study's images are ${expected.join('×')} (another --canvas or dataset)`;
  }
  const outputs = model.outputShape[model.outputShape.length - 1];
  if (outputs !== ds.numClasses) return `it has ${outputs} outputs but the dataset has ${ds.numClasses} classes`;
  return null;
}

function studyRow(
  name: string,
  model: Network,
  training: Pick<StudyRow, 'epochs' | 'trainImagesPerSecond' | 'trainSeconds' | 'source'>,
  centred: Evaluation,
  transformed: Evaluation,
  dir: string | null,
): StudyRow {
  return {
    model: name,
    parameters: model.countParameters(),
    epochs: training.epochs,
    testAccuracy: centred.accuracy,
    affineTestAccuracy: transformed.accuracy,
    testLoss: centred.loss,
    affineTestLoss: transformed.loss,
    trainImagesPerSecond: training.trainImagesPerSecond,
    trainSeconds: training.trainSeconds,
    source: training.source,
    dir,
  };
}

/**
 * The first `wanted` digits as pairs — centred original, then its affine version, a 1 px grey line
 * between them so that each black canvas shows its edges — up to 8 pairs a row, 8 px apart on white.
 */
function previewGrid(centred: ImageDataset, affine: ImageDataset, wanted: number): { width: number; height: number; rgba: Uint8Array; digits: number } {
  const digits = Math.min(wanted, affine.count);
  if (digits === 0) throw new ArgumentError('--preview needs at least one test image');
  const perRow = Math.min(PREVIEW_PER_ROW, digits);
  const rows = Math.ceil(digits / perRow);
  const { height: h, width: w, channels: c } = centred;
  const size = h * w * c;
  let pairWidth = 0;
  let pairHeight = 0;
  const pairs = Array.from({ length: digits }, (_, i) => {
    const tiles = new Float32Array(2 * size);
    for (let p = 0; p < size; p++) {
      tiles[p] = centred.images[i * size + p] / 255;
      tiles[size + p] = affine.images[i * size + p] / 255;
    }
    const pair = tileImages(new Tensor(tiles, [2, h, w, c]), { rows: 1, columns: 2, magnify: PREVIEW_MAGNIFY, gap: 1, background: 128 });
    pairWidth = pair.width;
    pairHeight = pair.height;
    return pair;
  });
  const width = perRow * pairWidth + (perRow + 1) * PREVIEW_SPACE;
  const height = rows * pairHeight + (rows + 1) * PREVIEW_SPACE;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  pairs.forEach((pair, i) => {
    const left = PREVIEW_SPACE + (i % perRow) * (pairWidth + PREVIEW_SPACE);
    const top = PREVIEW_SPACE + Math.floor(i / perRow) * (pairHeight + PREVIEW_SPACE);
    for (let y = 0; y < pairHeight; y++) {
      rgba.set(pair.rgba.subarray(y * pairWidth * 4, (y + 1) * pairWidth * 4), ((top + y) * width + left) * 4);
    }
  });
  return { width, height, rgba, digits };
}

function textTable(rows: StudyRow[], dataset: string): string {
  const header = ['model', 'parameters', 'epochs', `${dataset} test`, 'affine test', 'train img/s'];
  const body = rows.map((r) => [r.model, count(r.parameters), String(r.epochs), percent(r.testAccuracy), percent(r.affineTestAccuracy), r.trainImagesPerSecond === null ? 'n/a' : count(Math.round(r.trainImagesPerSecond))]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

function markdownReport(results: {
  dataset: string;
  canvas: number;
  shift: number;
  trainImages: number;
  testImages: number;
  affine: AffineTestOptions & { clipped: number };
  models: StudyRow[];
}): string {
  const { dataset, canvas, shift, affine } = results;
  const lines = [
    `# Invariance study: ${dataset} on a ${canvas}×${canvas} canvas`,
    '',
    `Trained on ${count(results.trainImages)} ${dataset} training images centred on a ${canvas}×${canvas} black canvas and shifted at random by up to ${shift} px; ` +
      `tested on ${count(results.testImages)} test images centred on the canvas and on their affNIST-like versions ` +
      `(seed ${affine.seed}: rotation ±${affine.rotation}°, shear ±${affine.shear}, scale ${affine.scale?.[0]}–${affine.scale?.[1]} per axis, ` +
      `${affine.translate ? 'ink moved anywhere inside the canvas' : 'no translation'}, bilinear${affine.clipped > 0 ? `; ${affine.clipped} digits did not fit and lose their edges` : ''}).`,
    'Sabour et al. (2017) report 79% (CapsNet) against 66% (a CNN) on affNIST at equal MNIST accuracy.',
    '',
    `| model | parameters | epochs | ${dataset} test | affine test | train images/s |`,
    '|---|---:|---:|---:|---:|---:|',
    ...results.models.map(
      (r) =>
        `| ${r.model} | ${count(r.parameters)} | ${r.epochs} | ${percent(r.testAccuracy)} | ${percent(r.affineTestAccuracy)} | ${r.trainImagesPerSecond === null ? 'n/a' : count(Math.round(r.trainImagesPerSecond))} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

function modelList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError(`expected comma-separated model names, got '${value}'`);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new InvalidArgumentError(`model '${repeated}' is named twice`);
  return names;
}

function optimizerName(value: string): string {
  if (!(optimizerNames as readonly string[]).includes(value)) throw new UnknownNameError('optimizer', value, optimizerNames);
  return value;
}

const count = (n: number): string => n.toLocaleString('en-US');
const percent = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`);
