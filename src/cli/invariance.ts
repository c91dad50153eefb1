/**
 * `fovea invariance`: test accuracy of one or more saved models as the test images are shifted,
 * rotated, scaled, brightened, contrasted or made noisy — one chart per transform, one line per
 * model, so a model trained with augmentation can be compared with one trained without.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { ArgumentError } from '../errors.js';
import {
  accuracyAt,
  chartToSvg,
  checkModelFitsDataset,
  imagesUsed,
  type InvarianceResult,
  invarianceChartSpec,
  invarianceSweep,
  invarianceTransformNames,
  invarianceTransforms,
  resolveSweeps,
} from '../explain/index.js';
import { MODEL_JSON_FILE } from '../io/index.js';
import type { Network } from '../nn/index.js';
import { getPlatform } from '../platform/platform.js';
import { nonNegativeInteger, positiveInteger } from './parse.js';
import { printJson } from './report.js';
import { openDataset, openModelDir } from './resolve.js';

interface InvarianceFlags {
  dataset: string;
  limit?: number;
  transforms?: string;
  labels?: string;
  out?: string;
  title?: string;
  seed: number;
  batchSize: number;
  json?: boolean;
}

export const CHART_OUT_HELP = 'chart to write (replaced atomically), an .svg file: charts are SVG only, since the chart library (Vega) draws PNG only through a native canvas package';

/** Checks that `out` names an SVG file; a .png gets an explanation. */
export function checkChartOut(out: string): void {
  const lower = out.toLowerCase();
  if (lower.endsWith('.svg')) return;
  if (lower.endsWith('.png')) throw new ArgumentError(`--out ${out}: charts are written as SVG only (Vega renders PNG only through the native 'canvas' package, which Fovea does not install); use a .svg file, which browsers and README pages show as it is`);
  throw new ArgumentError(`--out must end in .svg, got '${out}'`);
}

/** `--transforms a,b`: the names, trimmed, checked. */
export function parseTransformList(list: string | undefined): string[] {
  if (list === undefined) return [...invarianceTransformNames];
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new ArgumentError(`--transforms needs at least one of ${invarianceTransformNames.join(', ')}, got '${list}'`);
  resolveSweeps(names);
  return names;
}

/** The legend name of a model: its directory's name (the folder above a model.json path). */
export function modelLabel(spec: string): string {
  const resolved = path.resolve(spec);
  return path.basename(path.basename(resolved) === MODEL_JSON_FILE ? path.dirname(resolved) : resolved);
}

/** Labels for the models: --labels, else directory names (the path as given when two names are the same). */
function labelsFor(dirs: readonly string[], labels: string | undefined): string[] {
  if (labels !== undefined) {
    const list = labels.split(',').map((s) => s.trim());
    if (list.length !== dirs.length || list.some((s) => s.length === 0)) {
      throw new ArgumentError(`--labels needs one non-empty name per model: ${dirs.length} model${dirs.length === 1 ? '' : 's'}, got '${labels}'`);
    }
    if (new Set(list).size !== list.length) throw new ArgumentError(`--labels has the same name twice: '${labels}'`);
    return list;
  }
  const names = dirs.map(modelLabel);
  return names.map((n, i) => (names.indexOf(n) !== i || names.lastIndexOf(n) !== i ? dirs[i] : n));
}

/** A progress line on stderr, redrawn in place on a terminal, every 10 % in a log. */
function progressReporter(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  return (done, total) => {
    const fraction = total > 0 ? done / total : 1;
    if (tty) {
      process.stderr.write(`\r  ${label}: ${(fraction * 100).toFixed(0).padStart(3)}% of ${total.toLocaleString('en-US')} forward passes${done >= total ? '\n' : ''}`);
    } else if (Math.floor(fraction * 10) > lastTenth) {
      lastTenth = Math.floor(fraction * 10);
      process.stderr.write(`  ${label}: ${lastTenth * 10}%\n`);
    }
  };
}

const pct = (v: number | undefined): string => (v === undefined ? '    -' : `${(v * 100).toFixed(1).padStart(5)}%`);

/** The results as text: one table per transform, a column per model. */
export function formatInvariance(results: readonly { label: string; result: InvarianceResult }[]): string {
  const first = results[0].result;
  const lines = [`Test accuracy under transformations: ${first.dataset}, ${imagesUsed(first)}`];
  const width = Math.max(8, ...results.map((r) => r.label.length + 1));
  lines.push(`  untransformed  ${results.map((r) => `${r.label}: ${(r.result.cleanAccuracy * 100).toFixed(2)}%`).join('   ')}`);
  for (const curve of first.curves) {
    lines.push('');
    lines.push(`${curve.title} — ${curve.axisTitle}`);
    lines.push(`  ${'value'.padStart(7)}  ${results.map((r) => r.label.padStart(width)).join('')}`);
    curve.values.forEach((v) => {
      const cells = results.map((r) => pct(accuracyAt(r.result.curves.find((c) => c.transform === curve.transform)!, v)).padStart(width));
      lines.push(`  ${String(v).padStart(7)}  ${cells.join('')}`);
    });
  }
  return lines.join('\n');
}

export function registerInvariance(program: Command): void {
  const transformHelp = invarianceTransforms.map((t) => `  ${t.name.padEnd(12)} ${t.axisTitle}; default ${t.defaultValues[0]} … ${t.defaultValues[t.defaultValues.length - 1]} (${t.defaultValues.length} values)`).join('\n');
  program
    .command('invariance')
    .description("test accuracy as the test images are translated, rotated, scaled, brightened, contrasted or made noisy (the course's invariances): one chart per transform, one line per model")
    .argument('<model-dir...>', 'one or more saved models (directories or model.json files), drawn as one line each')
    .option('--dataset <name|dir>', 'the dataset whose test split is transformed', 'mnist')
    .option('--limit <n>', 'use the first n test images only (the sweep runs one pass over them per transform value)', positiveInteger)
    .option('--transforms <names>', `comma-separated transforms to sweep (default: all): ${invarianceTransformNames.join(', ')}`)
    .option('--labels <names>', "comma-separated legend names, one per model (default: each model directory's name)")
    .option('--out <file>', CHART_OUT_HELP)
    .option('--title <text>', 'the chart title')
    .option('--seed <n>', 'seed of the Gaussian noise (each test image gets its own noise, the same for every model)', nonNegativeInteger, 0)
    .option('--batch-size <n>', 'images per forward pass', positiveInteger, 250)
    .option('--json', 'print one JSON object with every curve on stdout')
    .addHelpText(
      'after',
      `\nTransforms (each image gets exactly the value on the x axis; shifts by whole pixels copy pixels, rotation and\nscale are bilinear with black fill, brightness adds to every pixel and clips to 0..1, contrast scales about the\nimage's mean, noise is Gaussian and not clipped):\n${transformHelp}\n\nCharts are SVG only (Vega, headless): the PNG renderer of the chart library needs a native canvas package.\n\nExample:\n  fovea invariance models/plain models/augmented --dataset mnist --limit 2000 --out invariance.svg`,
    )
    .action(async (modelDirs: string[], flags: InvarianceFlags) => {
      if (flags.out !== undefined) checkChartOut(flags.out);
      const transforms = parseTransformList(flags.transforms);
      const labels = labelsFor(modelDirs, flags.labels);
      const models: Network[] = [];
      for (const dir of modelDirs) models.push(await openModelDir(dir));
      const data = await openDataset(flags.dataset);
      // Every model is checked against the dataset before the first (long) sweep starts.
      for (const model of models) checkModelFitsDataset(model, data.test);
      const results: { dir: string; label: string; result: InvarianceResult }[] = [];
      const started = performance.now();
      for (const [i, model] of models.entries()) {
        process.stderr.write(`fovea: invariance of ${labels[i]} (${model.name}) on ${data.name}\n`);
        const result = invarianceSweep(model, data.test, { transforms, limit: flags.limit, seed: flags.seed, batchSize: flags.batchSize, onProgress: progressReporter(labels[i]) });
        results.push({ dir: modelDirs[i], label: labels[i], result });
      }
      const seconds = (performance.now() - started) / 1000;
      let written: { out: string; bytes: number } | null = null;
      if (flags.out !== undefined) {
        const svg = await chartToSvg(invarianceChartSpec(results, { title: flags.title }));
        await getPlatform().writeFileAtomic(flags.out, svg);
        written = { out: flags.out, bytes: svg.length };
      }
      if (flags.json) {
        printJson({
          dataset: data.name,
          count: results[0].result.count,
          seed: flags.seed,
          out: written?.out ?? null,
          format: written ? 'svg' : null,
          seconds,
          models: results.map(({ dir, label, result }) => ({ dir, label, model: result.model, cleanAccuracy: result.cleanAccuracy, curves: result.curves })),
        });
        return;
      }
      process.stdout.write(`${formatInvariance(results)}\n`);
      if (written) process.stdout.write(`\nwrote ${written.out} (SVG chart, ${Math.round(written.bytes / 1024)} KiB)\n`);
    });
}
