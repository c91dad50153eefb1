/**
 * `fovea report`: one self-contained HTML file about a trained model — its architecture, training
 * curves, test results (confusion matrix, the most confidently wrong images), what it has learned
 * (first-layer filters, feature maps, Grad-CAM) and how robust it is (accuracy under attack and
 * under transformations of the test images). Charts are inline SVG, pictures are data: URIs; the
 * page loads nothing from anywhere.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { gatherImages, take } from '../data/index.js';
import { ArgumentError, FoveaError, NotFoundError } from '../errors.js';
import {
  adversarialAccuracy,
  chartToSvg,
  checkModelFitsDataset,
  className,
  classify,
  confidenceLabel,
  confusionMatrixSpec,
  featureMapFigure,
  featureMaps,
  figureBlock,
  figureToSvg,
  filterFigure,
  filterTiles,
  galleryHtml,
  gradCam,
  heatmapFigure,
  htmlTable,
  invarianceChartSpec,
  invarianceSweep,
  layerFilters,
  lineChartSpec,
  missingHtml,
  mistakePicture,
  mostConfidentMistakes,
  type ReportSection,
  reportHtml,
  summaryTableHtml,
  trainingCurvesSpec,
} from '../explain/index.js';
import { MODEL_JSON_FILE, readModel } from '../io/index.js';
import { getPlatform } from '../platform/platform.js';
import { evaluate } from '../train/index.js';
import { modelLabel } from './invariance.js';
import { positiveInteger } from './parse.js';
import { printJson } from './report.js';
import { openDataset, pathExists } from './resolve.js';

interface ReportFlags {
  dataset: string;
  limit?: number;
  sweepLimit: number;
  examples: number;
  mistakes: number;
  epsilons: number[];
  adversarial: boolean;
  invariance: boolean;
  out: string;
  json?: boolean;
}

/** The ε values of the accuracy-versus-ε curve by default (pixels in 0..1). */
export const DEFAULT_EPSILONS = [0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];

/** The sections every report has, in order (some say why they are empty, e.g. no convolution layer). */
export const REPORT_SECTIONS = ['model', 'training', 'test', 'mistakes', 'filters', 'feature-maps', 'grad-cam', 'adversarial', 'invariance'] as const;

function epsilonList(value: string): number[] {
  const list = value.split(',').map((s) => s.trim());
  const numbers = list.map(Number);
  if (list.some((s) => s === '') || numbers.some((e) => !Number.isFinite(e) || e < 0 || e > 1)) {
    throw new ArgumentError(`--epsilons needs comma-separated numbers in 0..1 (pixels in 0..1), got '${value}'`);
  }
  return numbers;
}

/** The directory of a model spec (a directory, or its model.json); a clear error when it is neither. */
async function modelDirectory(spec: string): Promise<string> {
  if (!(await pathExists(spec))) throw new NotFoundError(`model directory not found: ${spec}`);
  if (path.basename(spec) === MODEL_JSON_FILE) return path.dirname(spec);
  return spec;
}

const pct = (v: number, digits = 2) => `${(v * 100).toFixed(digits)}%`;

/** Runs `draw`; a Fovea error (e.g. a model without convolution layers) becomes a marked note. */
async function orNote(what: string, draw: () => Promise<string>): Promise<{ html: string; note?: string }> {
  try {
    return { html: await draw() };
  } catch (e) {
    if (!(e instanceof FoveaError)) throw e;
    const note = `${what}: ${e.message}`;
    return { html: missingHtml(note), note };
  }
}

/** What `training` in model.json says, as rows of a table (the keys `fovea train` writes). */
function trainingRows(training: Record<string, unknown> | null): string[][] {
  if (!training) return [];
  const rows: string[][] = [];
  const put = (label: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    rows.push([label, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
  };
  const optimizer = training.optimizer as Record<string, unknown> | undefined;
  const schedule = training.schedule as Record<string, unknown> | undefined;
  put('dataset', training.dataset);
  put('epochs', training.epochs);
  put('batch size', training.batchSize);
  if (optimizer && typeof optimizer === 'object') put('optimizer', optimizer.name);
  if (schedule && typeof schedule === 'object') put('learning-rate schedule', schedule.spec ?? schedule.name);
  put('augmentation', training.augment);
  put('adversarial training', training.adversarial);
  put('label smoothing', training.labelSmoothing || undefined);
  put('seed', training.seed);
  if (typeof training.testAccuracy === 'number') put('test accuracy when saved', pct(training.testAccuracy));
  return rows;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report about a trained model: architecture, training curves, confusion matrix, most confidently wrong test images, first-layer filters, feature maps, Grad-CAM, accuracy under FGSM attack and under transformations')
    .argument('<model-dir>', 'a saved model (its directory or model.json)')
    .option('--dataset <name|dir>', 'the dataset whose test split the report uses', 'mnist')
    .option('--limit <n>', 'use the first n test images only (for everything: evaluation, mistakes, robustness curves)', positiveInteger)
    .option('--sweep-limit <n>', 'test images for the robustness curves (attack and invariance), which run many passes', positiveInteger, 1000)
    .option('--examples <n>', 'test images shown with their feature maps and Grad-CAM', positiveInteger, 3)
    .option('--mistakes <n>', 'most confidently wrong test images shown', positiveInteger, 24)
    .option('--epsilons <list>', `FGSM budgets ε of the accuracy-versus-ε curve (pixels in 0..1)`, epsilonList, DEFAULT_EPSILONS)
    .option('--no-adversarial', 'leave out the accuracy-versus-ε curve')
    .option('--no-invariance', 'leave out the invariance curves')
    .requiredOption('--out <file>', 'the HTML file to write (replaced atomically)')
    .option('--json', 'print one JSON object describing the report on stdout')
    .addHelpText(
      'after',
      `\nThe file needs nothing else: charts are inline SVG (drawn by Vega-Lite), pictures are PNG data: URIs, and there are no\nscripts, stylesheets or fonts from elsewhere. Sections: ${REPORT_SECTIONS.join(', ')}.\n\nExample:\n  fovea report models/seed-cnn-mnist --dataset mnist --out report.html`,
    )
    .action(async (modelSpec: string, flags: ReportFlags) => {
      if (!/\.html?$/i.test(flags.out)) throw new ArgumentError(`--out must end in .html, got '${flags.out}'`);
      const started = performance.now();
      const dir = await modelDirectory(modelSpec);
      const { model, training } = await readModel(dir);
      const data = await openDataset(flags.dataset);
      const test = flags.limit ? take(data.test, Math.min(flags.limit, data.test.count)) : data.test;
      checkModelFitsDataset(model, test);
      const label = modelLabel(dir);
      const log = (text: string) => process.stderr.write(`fovea: report: ${text}\n`);
      const notes: string[] = [];
      const sections: ReportSection[] = [];
      const sweepCount = Math.min(flags.sweepLimit, test.count);

      // Model
      const trainRows = trainingRows(training);
      sections.push({
        id: 'model',
        title: 'Model',
        intro: [`'${model.name}' from ${dir}: ${model.countParameters().toLocaleString('en-US')} parameters, input ${model.inputShape?.join('×')}, ${model.outputShape.join('×')} outputs.`],
        html: `${summaryTableHtml(model)}${trainRows.length ? `\n<h3>How it was trained</h3>\n${htmlTable(['', ''], trainRows)}` : ''}`,
      });

      // Training curves
      log('training curves');
      const curves = trainingCurvesSpec(model.history);
      sections.push({
        id: 'training',
        title: 'Training curves',
        html: curves ? figureBlock(await chartToSvg(curves)) : missingHtml('This model has no training history (model.history is empty): it was saved without being trained by fovea train.'),
      });

      // Test results
      log(`evaluating on ${test.count} test images`);
      const evaluation = evaluate(model, test);
      const perClass = evaluation.classNames.map((name, c) => {
        const support = evaluation.confusionMatrix[c]?.reduce((a, b) => a + b, 0) ?? 0;
        return [name, Number.isNaN(evaluation.perClassAccuracy[c]) ? 'n/a' : pct(evaluation.perClassAccuracy[c], 1), support.toLocaleString('en-US')];
      });
      const confusionSvg = await chartToSvg(confusionMatrixSpec(evaluation, { dataset: data.name }));
      sections.push({
        id: 'test',
        title: 'Test results',
        intro: [`Accuracy ${pct(evaluation.accuracy)}${evaluation.top5Accuracy !== undefined ? ` (top-5 ${pct(evaluation.top5Accuracy)})` : ''} and loss ${evaluation.loss.toFixed(4)} on ${test.count.toLocaleString('en-US')} ${data.name} test images.`],
        html: `<div class="row"><div class="figure">${confusionSvg.trim()}</div>\n<div><h3>Per-class accuracy</h3>\n${htmlTable(['class', 'accuracy', 'images'], perClass, { numeric: [false, true, true] })}</div></div>`,
      });

      // Most confidently wrong
      log('most confidently wrong images');
      const wrong = mostConfidentMistakes(model, test, { count: flags.mistakes });
      const encode = (rgba: Uint8Array, w: number, h: number) => getPlatform().encodePng(rgba, w, h);
      const gallery = [];
      for (const m of wrong.mistakes) {
        const picture = mistakePicture(test, m);
        gallery.push({
          png: await encode(picture.rgba, picture.width, picture.height),
          alt: `test image ${m.index}: true ${m.labelName}, predicted ${m.predictedName} with ${confidenceLabel(model, m.confidence)}`,
          caption: `true ${m.labelName} → ${m.predictedName}`,
          detail: `${confidenceLabel(model, m.confidence)} · #${m.index}`,
        });
      }
      sections.push({
        id: 'mistakes',
        title: 'Most confidently wrong test images',
        intro: [`${wrong.wrong.toLocaleString('en-US')} of ${wrong.tested.toLocaleString('en-US')} test images are misclassified; these are the ${wrong.mistakes.length} the model is most sure about (its probability of the wrong class), most confident first.`],
        html: wrong.mistakes.length ? galleryHtml(gallery) : missingHtml('No test image is misclassified.'),
      });

      // Filters
      log('filters, feature maps, Grad-CAM');
      const filters = await orNote('first-layer filters', async () => {
        const f = layerFilters(model);
        const tiles = filterTiles(f);
        return figureBlock(await figureToSvg(filterFigure(f, tiles, { notes: [`kernel ${f.kernel.shape.join('×')} · weights within ±${Number(tiles.range.toPrecision(3))}`] }), encode));
      });
      if (filters.note) notes.push(filters.note);
      sections.push({ id: 'filters', title: 'First-layer filters', intro: ['The learned kernels of the first convolution layer, on one symmetric colour scale (blue negative, white 0, red positive).'], html: filters.html });

      // Feature maps and Grad-CAM of a few test images
      const examples = Array.from({ length: Math.min(flags.examples, test.count) }, (_, i) => i);
      const exampleImage = (i: number) => gatherImages(test, [i]);
      const verdictText = (i: number) => {
        const v = classify(model, exampleImage(i));
        return { v, text: `test image ${i} · label ${test.classNames[test.labels[i]] ?? test.labels[i]} · predicted ${className(model, v.predictedClass)} (${confidenceLabel(model, v.confidence)})` };
      };
      const maps = await orNote('feature maps', async () => {
        const blocks: string[] = [];
        for (const i of examples) {
          const image = exampleImage(i);
          const figure = featureMapFigure(image, featureMaps(model, image), { title: `Feature maps of test image ${i}`, notes: [verdictText(i).text], maxChannels: 16, tileSize: 44 });
          blocks.push(figureBlock(await figureToSvg(figure, encode)));
        }
        return blocks.join('\n');
      });
      if (maps.note) notes.push(maps.note);
      sections.push({ id: 'feature-maps', title: 'Feature maps', intro: ['What each layer with a spatial output makes of a test image: one tile per channel (the first 16), one colour scale per layer.'], html: maps.html });

      const cams = await orNote('Grad-CAM', async () => {
        const blocks: string[] = [];
        for (const i of examples) {
          const image = exampleImage(i);
          const { v, text } = verdictText(i);
          const cam = gradCam(model, image, v.predictedClass);
          const figure = heatmapFigure(image, cam.heatmap, {
            title: `Grad-CAM of class ${className(model, v.predictedClass)} at layer '${cam.layer}'`,
            notes: [text],
            mapTitle: `Grad-CAM (${cam.cam.shape.join('×')} → ${cam.heatmap.shape.join('×')})`,
            legendCaption: 'ReLU(Σ α_k A_k), upsampled',
            panelSize: 168,
          });
          blocks.push(figureBlock(await figureToSvg(figure, encode)));
        }
        return `<div class="row">${blocks.join('\n')}</div>`;
      });
      if (cams.note) notes.push(cams.note);
      sections.push({ id: 'grad-cam', title: 'Grad-CAM', intro: ['Where the evidence for the predicted class lies (Selvaraju et al. 2017): the last convolution layer\'s maps weighted by the average gradient of the class score.'], html: cams.html });

      // Accuracy under attack
      let adversarial: { epsilon: number; accuracy: number }[] | null = null;
      if (flags.adversarial) {
        log(`FGSM accuracy-versus-ε on ${sweepCount} images`);
        const result = adversarialAccuracy(model, test, { attack: 'fgsm', epsilons: flags.epsilons, limit: sweepCount });
        adversarial = result.points.map((p) => ({ epsilon: p.epsilon, accuracy: p.accuracy }));
        const spec = lineChartSpec(
          [{ title: 'FGSM (untargeted, L∞)', xTitle: 'ε: largest change of a pixel (pixels in 0..1)', yTitle: 'test accuracy under attack', yDomain: [0, 1], yFormat: '.0%', series: [{ name: label, points: adversarial.map((p) => ({ x: p.epsilon, y: p.accuracy })) }] }],
          { title: 'Accuracy under adversarial attack', subtitle: `${data.name} test, first ${result.count.toLocaleString('en-US')} images; each image moved by ε·sign(∇ loss)`, legendTitle: 'model', width: 420, height: 240 },
        );
        sections.push({
          id: 'adversarial',
          title: 'Accuracy under adversarial attack',
          intro: ['Fast gradient sign method (Goodfellow et al. 2015): every pixel moved by ε in the direction that increases the loss most. ε = 0 is the clean accuracy.'],
          html: figureBlock(await chartToSvg(spec)),
        });
      } else {
        sections.push({ id: 'adversarial', title: 'Accuracy under adversarial attack', html: missingHtml('Left out (--no-adversarial).') });
      }

      // Invariance
      let invariance: ReturnType<typeof invarianceSweep> | null = null;
      if (flags.invariance) {
        log(`invariance sweeps on ${sweepCount} images`);
        invariance = invarianceSweep(model, test, { limit: sweepCount });
        sections.push({
          id: 'invariance',
          title: 'Invariance',
          intro: ['Test accuracy as every test image is shifted, rotated, scaled, brightened, contrasted or made noisy by exactly the value on the x axis (the dashed line: unchanged images).'],
          html: figureBlock(await chartToSvg(invarianceChartSpec([{ label, result: invariance }]))),
        });
      } else {
        sections.push({ id: 'invariance', title: 'Invariance', html: missingHtml('Left out (--no-invariance).') });
      }

      const html = reportHtml({
        title: `Fovea report: ${model.name}`,
        notes: [`${dir} · ${data.name} test set${flags.limit ? ` (first ${test.count.toLocaleString('en-US')} images)` : ''} · test accuracy ${pct(evaluation.accuracy)} · written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by fovea report`],
        sections,
      });
      await getPlatform().writeFileAtomic(flags.out, html);
      const seconds = (performance.now() - started) / 1000;
      if (flags.json) {
        printJson({
          out: flags.out,
          bytes: Buffer.byteLength(html),
          model: model.name,
          dir,
          dataset: data.name,
          testImages: test.count,
          sweepImages: sweepCount,
          accuracy: evaluation.accuracy,
          loss: evaluation.loss,
          wrong: wrong.wrong,
          mistakes: wrong.mistakes,
          adversarial,
          invariance: invariance ? { cleanAccuracy: invariance.cleanAccuracy, curves: invariance.curves } : null,
          sections: sections.map((s) => s.id),
          notes,
          seconds,
        });
        return;
      }
      process.stdout.write(`wrote ${flags.out} (${Math.round(Buffer.byteLength(html) / 1024)} KiB, ${sections.length} sections) in ${seconds.toFixed(1)} s: test accuracy ${pct(evaluation.accuracy)} on ${test.count.toLocaleString('en-US')} images\n`);
      for (const note of notes) process.stdout.write(`  note: ${note}\n`);
    });
}

