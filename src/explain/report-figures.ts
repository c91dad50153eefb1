/**
 * The pieces of a training report: loss and accuracy per epoch (from `model.history`), the
 * confusion matrix as a heat map, and the test images the model gets wrong most confidently.
 */
import { gatherImages, type ImageDataset } from '../data/index.js';
import { ArgumentError } from '../errors.js';
import type { Network, TrainingHistory } from '../nn/network.js';
import { predict } from '../train/predict.js';
import { type ChartSpec, heatmapChartSpec, type LineChartPanel, lineChartSpec } from './charts.js';
import { emptyFigure, type Figure, type RgbaImage, textWidth } from './figure.js';
import { imagePicture } from './image.js';
import { className } from './layers.js';
import { checkModelFitsDataset } from './model-data.js';

const isSeries = (v: number[] | undefined, n: number): v is number[] => Array.isArray(v) && v.length === n && v.some((x) => Number.isFinite(x));

/** Whether the history has at least one epoch with a loss or accuracy to draw. */
export function hasTrainingCurves(history: TrainingHistory): boolean {
  const n = history.epoch.length;
  return n > 0 && (isSeries(history.loss, n) || isSeries(history.accuracy, n));
}

/**
 * Loss and accuracy against the epoch: training (as `fit` recorded them, averaged over each
 * epoch's batches) and validation when the run had validation data. Null when nothing was recorded.
 */
export function trainingCurvesSpec(history: TrainingHistory, options: { title?: string; subtitle?: string } = {}): ChartSpec | null {
  if (!hasTrainingCurves(history)) return null;
  const n = history.epoch.length;
  const points = (values: number[] | undefined) => (isSeries(values, n) ? history.epoch.map((x, i) => ({ x, y: values[i] })).filter((p) => Number.isFinite(p.y)) : null);
  const panel = (title: string, yTitle: string, train: number[] | undefined, validation: number[] | undefined, yFormat?: string): LineChartPanel | null => {
    const series = [
      { name: 'training', points: points(train) },
      { name: 'validation', points: points(validation) },
    ].filter((s): s is { name: string; points: { x: number; y: number }[] } => s.points !== null);
    if (series.length === 0) return null;
    return { title, xTitle: 'epoch', yTitle, series, xIntegers: true, xFormat: 'd', ...(yFormat ? { yFormat } : {}) };
  };
  const panels = [panel('Loss', 'cross-entropy loss', history.loss, history.valLoss), panel('Accuracy', 'accuracy', history.accuracy, history.valAccuracy, '.1%')].filter(
    (p): p is LineChartPanel => p !== null,
  );
  const validation = isSeries(history.valLoss, n) || isSeries(history.valAccuracy, n);
  return lineChartSpec(panels, {
    title: options.title ?? 'Training curves',
    subtitle: options.subtitle ?? `${n} epoch${n === 1 ? '' : 's'}; training values are averages over each epoch's batches${validation ? '' : ' (no validation data was recorded)'}`,
    legendTitle: 'data',
    columns: 2,
    width: 300,
    height: 200,
  });
}

/** What a confusion-matrix chart needs (an `Evaluation` has it all). */
export interface ConfusionData {
  /** confusionMatrix[true][predicted] */
  confusionMatrix: number[][];
  classNames: readonly string[];
  accuracy: number;
  count: number;
}

/** Class names made unique (an ordinal axis cannot show the same name twice). */
function uniqueNames(names: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let c = 0; c < n; c++) {
    const name = names[c] ?? String(c);
    out.push(out.includes(name) || names.indexOf(name) !== c ? `${c} ${name}` : name);
  }
  return out;
}

/**
 * The confusion matrix as a heat map: rows are the true classes, columns the predicted ones, each
 * cell coloured by its share of the row (the true class's images) and labelled with its count.
 */
export function confusionMatrixSpec(data: ConfusionData, options: { title?: string; dataset?: string } = {}): ChartSpec {
  const n = data.confusionMatrix.length;
  if (n === 0) throw new ArgumentError('the confusion matrix is empty');
  const names = uniqueNames(data.classNames, n);
  const shades = data.confusionMatrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total > 0 ? v / total : 0));
  });
  const longest = Math.max(...names.map((s) => s.length));
  return heatmapChartSpec({
    title: options.title ?? 'Confusion matrix',
    subtitle: `${options.dataset ? `${options.dataset} test, ` : ''}${data.count.toLocaleString('en-US')} images, accuracy ${(data.accuracy * 100).toFixed(2)}%; colour: share of the true class's images`,
    rows: names,
    columns: names,
    rowTitle: 'true class',
    columnTitle: 'predicted class',
    counts: data.confusionMatrix,
    shades,
    shadeTitle: 'share of true class',
    cellSize: n > 20 ? 16 : longest > 3 ? 44 : 34,
  });
}

/** A test image the model classifies wrongly. */
export interface Mistake {
  /** Index in the dataset. */
  index: number;
  label: number;
  labelName: string;
  predicted: number;
  predictedName: string;
  /** The predicted class's probability (capsule networks: its length). */
  confidence: number;
  /** The probability the model gives the true class. */
  labelProbability: number;
}

export interface MistakesResult {
  /** The most confident mistakes, most confident first. */
  mistakes: Mistake[];
  /** How many of the tested images were wrong. */
  wrong: number;
  tested: number;
}

/** The `count` wrong predictions with the highest confidence among the first `limit` images of `ds`. */
export function mostConfidentMistakes(model: Network, ds: ImageDataset, options: { count?: number; limit?: number; batchSize?: number } = {}): MistakesResult {
  checkModelFitsDataset(model, ds);
  const count = options.count ?? 16;
  const tested = Math.min(options.limit ?? ds.count, ds.count);
  const batchSize = options.batchSize ?? 256;
  const all: Mistake[] = [];
  for (let start = 0; start < tested; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, tested - start) }, (_, i) => start + i);
    const probs = predict(model, gatherImages(ds, indices));
    const classes = probs.shape[1];
    indices.forEach((index, r) => {
      const row = probs.data.subarray(r * classes, (r + 1) * classes);
      let best = 0;
      for (let c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
      const label = ds.labels[index];
      if (best !== label) {
        all.push({ index, label, labelName: className(model, label), predicted: best, predictedName: className(model, best), confidence: row[best], labelProbability: row[label] ?? 0 });
      }
    });
  }
  all.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return { mistakes: all.slice(0, count), wrong: all.length, tested };
}

/** The image of a mistake, as RGBA. */
export function mistakePicture(ds: ImageDataset, mistake: Mistake): RgbaImage {
  return imagePicture(gatherImages(ds, [mistake.index]));
}

/** A mistake's confidence as text: a percentage, or a capsule length. */
export function confidenceLabel(model: Network, p: number): string {
  return model.loss === 'margin' ? `length ${p.toFixed(2)}` : `${(p * 100).toFixed(1)}%`;
}

export interface MistakesFigureOptions {
  title?: string;
  notes?: string[];
  /** Images per row (default 8). */
  columns?: number;
  /** Target image size in px (default 84), reached by whole-pixel magnification. */
  tileSize?: number;
  /** Draw the title and captions (default true; false for a plain PNG of the images). */
  labels?: boolean;
}

const MARGIN = 16;

/** The mistakes as a grid, each image captioned with its true and predicted class and the confidence. */
export function mistakesFigure(model: Network, ds: ImageDataset, result: MistakesResult, options: MistakesFigureOptions = {}): Figure {
  const labels = options.labels ?? true;
  const title = options.title ?? 'Most confidently wrong test images';
  const figure = emptyFigure(title);
  const columns = Math.max(1, Math.min(options.columns ?? 8, result.mistakes.length || 1));
  const scale = Math.max(1, Math.round((options.tileSize ?? 84) / Math.max(ds.height, ds.width)));
  const tileW = ds.width * scale;
  const tileH = ds.height * scale;
  const captionH = labels ? 34 : 0;
  const cellW = Math.max(tileW, labels ? 96 : 0);
  const gapX = 14;
  const gapY = labels ? 10 : 8;
  let y = MARGIN;
  let right = 0;
  if (labels) {
    figure.texts.push({ x: MARGIN, y: y + 19, text: title, size: 16, bold: true });
    right = Math.max(right, MARGIN + textWidth(title, 16));
    y += 24;
    const notes = options.notes ?? [`${result.wrong.toLocaleString('en-US')} of ${result.tested.toLocaleString('en-US')} test images wrong; the ${result.mistakes.length} most confident mistakes, most confident first`];
    for (const note of notes) {
      figure.texts.push({ x: MARGIN, y: y + 14, text: note, size: 12, fill: '#333333' });
      right = Math.max(right, MARGIN + textWidth(note, 12));
      y += 19;
    }
    y += 10;
  }
  result.mistakes.forEach((m, k) => {
    const x = MARGIN + (k % columns) * (cellW + gapX);
    const ty = y + Math.floor(k / columns) * (tileH + captionH + gapY);
    const tx = x + (cellW - tileW) / 2;
    figure.rasters.push({ x: tx, y: ty, width: tileW, height: tileH, image: mistakePicture(ds, m), title: `test image ${m.index}: true ${m.labelName}, predicted ${m.predictedName} (${confidenceLabel(model, m.confidence)})` });
    figure.rects.push({ x: tx - 1, y: ty - 1, width: tileW + 2, height: tileH + 2, stroke: '#999999' });
    if (labels) {
      figure.texts.push({ x: x + cellW / 2, y: ty + tileH + 14, text: `true ${m.labelName} → ${m.predictedName}`, size: 11, anchor: 'middle', bold: true });
      figure.texts.push({ x: x + cellW / 2, y: ty + tileH + 28, text: `${confidenceLabel(model, m.confidence)} · #${m.index}`, size: 10, anchor: 'middle', fill: '#555555' });
    }
  });
  const rows = Math.ceil(result.mistakes.length / columns);
  right = Math.max(right, MARGIN + columns * cellW + (columns - 1) * gapX);
  figure.width = right + MARGIN;
  figure.height = y + rows * (tileH + captionH) + Math.max(0, rows - 1) * gapY + MARGIN;
  return figure;
}
