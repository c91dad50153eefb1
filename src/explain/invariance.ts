/**
 * Invariance sweeps: test accuracy as a function of one transformation of the test images — the
 * course's invariances (translation, rotation, size, illumination) plus contrast and noise. At each
 * value every image gets exactly that transformation (no randomness except the noise, which is
 * seeded per image, so every model and every run sees the same noisy images). The transforms are
 * the augmentation functions of `data/augment/`, so a model trained with `--augment rotate:30` is
 * tested with the same rotation it was trained with.
 */
import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import {
  addGaussianNoise,
  adjustBrightness,
  adjustContrast,
  gatherImages,
  gatherLabels,
  type ImageDataset,
  rotateImages,
  scaleImages,
  translateImages,
} from '../data/index.js';
import { ArgumentError, UnknownNameError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { Rng, Tensor } from '../tensor/index.js';
import { argmaxRows } from '../train/metrics.js';
import { normalizeBatch } from '../train/normalize.js';
import { type ChartSpec, lineChartSpec } from './charts.js';
import { checkModelFitsDataset } from './model-data.js';

export type InvarianceTransformName = 'translate-x' | 'translate-y' | 'rotate' | 'scale' | 'brightness' | 'contrast' | 'noise';

export interface InvarianceTransform {
  name: InvarianceTransformName;
  /** The chart's title, e.g. 'Rotation'. */
  title: string;
  /** The x axis' title, with the unit. */
  axisTitle: string;
  /** The value that leaves the images as they are. */
  identity: number;
  /** The values swept by default. */
  defaultValues: readonly number[];
  /** What a value must be (checked before any work). */
  accepts(value: number): boolean;
  /** What `accepts` wants, for messages. */
  range: string;
  /**
   * The batch x ([n, h, w, c], pixels in [0, 1]) transformed by `value`; `firstIndex` is the index
   * of x's first image in the dataset (the noise of image i depends only on i and the seed).
   */
  apply(x: Tensor, value: number, firstIndex: number, seed: number): Tensor;
}

const steps = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let i = 0; from + i * step <= to + 1e-9; i++) out.push(Number((from + i * step).toFixed(6)));
  return out;
};

/** Each image's own noise generator: image i of the dataset always gets the same noise. */
function noiseRng(seed: number, index: number): Rng {
  return new Rng((Math.imul(seed, 0x85ebca6b) + index) >>> 0);
}

function addSeededNoise(x: Tensor, std: number, firstIndex: number, seed: number): Tensor {
  const [n, h, w, c] = x.shape;
  const size = h * w * c;
  const out = new Float32Array(x.size);
  for (let i = 0; i < n; i++) {
    const one = new Tensor(x.data.subarray(i * size, (i + 1) * size), [1, h, w, c]);
    out.set(addGaussianNoise(one, std, noiseRng(seed, firstIndex + i)).data, i * size);
  }
  return new Tensor(out, x.shape);
}

const finite = (v: number) => Number.isFinite(v);

export const invarianceTransforms: readonly InvarianceTransform[] = [
  {
    name: 'translate-x',
    title: 'Translation in x',
    axisTitle: 'shift right (pixels)',
    identity: 0,
    defaultValues: steps(-8, 8, 1),
    accepts: finite,
    range: 'any number of pixels (negative: left)',
    apply: (x, v) => translateImages(x, v, 0),
  },
  {
    name: 'translate-y',
    title: 'Translation in y',
    axisTitle: 'shift down (pixels)',
    identity: 0,
    defaultValues: steps(-8, 8, 1),
    accepts: finite,
    range: 'any number of pixels (negative: up)',
    apply: (x, v) => translateImages(x, 0, v),
  },
  {
    name: 'rotate',
    title: 'Rotation',
    axisTitle: 'angle (degrees, counter-clockwise)',
    identity: 0,
    defaultValues: steps(-90, 90, 10),
    accepts: finite,
    range: 'any angle in degrees',
    apply: (x, v) => rotateImages(x, v),
  },
  {
    name: 'scale',
    title: 'Scale',
    axisTitle: 'zoom factor (1 = unchanged)',
    identity: 1,
    defaultValues: steps(0.5, 1.5, 0.1),
    accepts: (v) => v > 0 && finite(v),
    range: 'a factor > 0',
    apply: (x, v) => scaleImages(x, v),
  },
  {
    name: 'brightness',
    title: 'Brightness',
    axisTitle: 'added to every pixel (pixels in 0..1)',
    identity: 0,
    defaultValues: steps(-0.8, 0.8, 0.1),
    accepts: (v) => v >= -1 && v <= 1,
    range: '-1..1',
    apply: (x, v) => adjustBrightness(x, v),
  },
  {
    name: 'contrast',
    title: 'Contrast',
    axisTitle: 'contrast factor (1 = unchanged)',
    identity: 1,
    defaultValues: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.25, 1.5, 2, 3],
    accepts: (v) => v >= 0 && finite(v),
    range: 'a factor ≥ 0',
    apply: (x, v) => adjustContrast(x, v),
  },
  {
    name: 'noise',
    title: 'Gaussian noise',
    axisTitle: 'noise standard deviation σ (pixels in 0..1)',
    identity: 0,
    defaultValues: [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1],
    accepts: (v) => v >= 0 && finite(v),
    range: 'a standard deviation ≥ 0',
    apply: (x, v, firstIndex, seed) => addSeededNoise(x, v, firstIndex, seed),
  },
];

export const invarianceTransformNames: readonly InvarianceTransformName[] = invarianceTransforms.map((t) => t.name);

/** The transform called `name`; the error lists them all. */
export function invarianceTransform(name: string): InvarianceTransform {
  const t = invarianceTransforms.find((t) => t.name === name);
  if (!t) throw new UnknownNameError('invariance transform', name, invarianceTransformNames);
  return t;
}

/** A transform to sweep, by name, with its own values or the default grid. */
export type SweepSpec = InvarianceTransformName | string | { name: string; values?: readonly number[] };

export interface InvarianceOptions {
  /** Which transforms, in order (default: all of them). */
  transforms?: readonly SweepSpec[];
  /** Test on the first `limit` images only. */
  limit?: number;
  batchSize?: number;
  /** Seed of the noise (default 0). */
  seed?: number;
  /** Called after each batch with the forward passes done and the total (for a progress line). */
  onProgress?: (done: number, total: number) => void;
}

export interface InvarianceCurve {
  transform: InvarianceTransformName;
  title: string;
  axisTitle: string;
  identity: number;
  values: number[];
  /** Accuracy at each value, in [0, 1]. */
  accuracy: number[];
}

export interface InvarianceResult {
  model: string;
  dataset: string;
  /** Test images used (the first `count` of the dataset's `datasetCount`). */
  count: number;
  datasetCount: number;
  seed: number;
  /** Accuracy on the untransformed images. */
  cleanAccuracy: number;
  curves: InvarianceCurve[];
}

/** The transforms and values a sweep will run, checked. */
export function resolveSweeps(specs: readonly SweepSpec[] = invarianceTransformNames): { transform: InvarianceTransform; values: number[] }[] {
  if (specs.length === 0) throw new ArgumentError(`an invariance sweep needs at least one transform (${invarianceTransformNames.join(', ')})`);
  const seen = new Set<string>();
  return specs.map((spec) => {
    const name = typeof spec === 'string' ? spec : spec.name;
    const transform = invarianceTransform(name);
    if (seen.has(name)) throw new ArgumentError(`transform '${name}' is listed twice`);
    seen.add(name);
    const values = typeof spec === 'string' || !spec.values ? [...transform.defaultValues] : [...spec.values];
    if (values.length === 0) throw new ArgumentError(`transform '${name}' needs at least one value`);
    for (const v of values) if (!transform.accepts(v)) throw new ArgumentError(`${name} value ${v} is out of range: expected ${transform.range}`);
    return { transform, values };
  });
}

/**
 * Accuracy of `model` on the first `limit` images of `ds` (all by default), untransformed and
 * under each transform at each value. Inference mode, batch by batch, without gradients.
 */
export function invarianceSweep(model: Network, ds: ImageDataset, options: InvarianceOptions = {}): InvarianceResult {
  checkModelFitsDataset(model, ds);
  const sweeps = resolveSweeps(options.transforms);
  const count = Math.min(options.limit ?? ds.count, ds.count);
  if (!(count >= 1)) throw new ArgumentError(`an invariance sweep needs at least one test image; dataset '${ds.name}' has ${ds.count} and the limit is ${options.limit}`);
  const batchSize = options.batchSize ?? 250;
  const seed = options.seed ?? 0;
  let clean = 0;
  const correct = sweeps.map((s) => new Float64Array(s.values.length));
  const passes = 1 + sweeps.reduce((n, s) => n + s.values.length, 0);
  const backend = getBackend();
  const countCorrect = (x: Tensor, labels: Int32Array): number =>
    backend.scope(() => {
      const logits = model.forward(normalizeBatch(x, model.inputNormalization), { training: false, logits: true });
      const predicted = argmaxRows(logits);
      let n = 0;
      for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) n++;
      return n;
    });
  noGrad(() => {
    for (let start = 0; start < count; start += batchSize) {
      const indices = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
      const x = gatherImages(ds, indices);
      const labels = gatherLabels(ds, indices);
      clean += countCorrect(x, labels);
      sweeps.forEach(({ transform, values }, t) => {
        values.forEach((v, k) => {
          correct[t][k] += countCorrect(transform.apply(x, v, start, seed), labels);
        });
      });
      options.onProgress?.((start + indices.length) * passes, count * passes);
    }
  });
  return {
    model: model.name,
    dataset: ds.name,
    count,
    datasetCount: ds.count,
    seed,
    cleanAccuracy: clean / count,
    curves: sweeps.map(({ transform, values }, t) => ({
      transform: transform.name,
      title: transform.title,
      axisTitle: transform.axisTitle,
      identity: transform.identity,
      values,
      accuracy: Array.from(correct[t], (c) => c / count),
    })),
  };
}

/** The accuracy at `value` of a curve (undefined when the sweep did not include it). */
export function accuracyAt(curve: InvarianceCurve, value: number): number | undefined {
  const k = curve.values.findIndex((v) => Math.abs(v - value) < 1e-9);
  return k < 0 ? undefined : curve.accuracy[k];
}

/** 'all 10,000 images' or 'first 500 of 10,000 images'. */
export function imagesUsed(result: InvarianceResult): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return result.count === result.datasetCount ? `all ${n(result.count)} images` : `first ${n(result.count)} of ${n(result.datasetCount)} images`;
}

export interface InvarianceChartOptions {
  title?: string;
  /** Panels per row (default 3; 2 for 4 panels). */
  columns?: number;
}

/**
 * One panel per transform, one line per model (the legend names them by `label`): accuracy from 0
 * to 100 % against the transform's value, a dashed line at the untransformed images.
 */
export function invarianceChartSpec(results: readonly { label: string; result: InvarianceResult }[], options: InvarianceChartOptions = {}): ChartSpec {
  if (results.length === 0) throw new ArgumentError('an invariance chart needs at least one result');
  const first = results[0].result;
  const labels = new Set<string>();
  for (const { label } of results) {
    if (labels.has(label)) throw new ArgumentError(`two models are labelled '${label}'; give each its own label`);
    labels.add(label);
  }
  const panels = first.curves.map((curve) => ({
    title: curve.title,
    xTitle: curve.axisTitle,
    yTitle: 'test accuracy',
    yDomain: [0, 1] as [number, number],
    yFormat: '.0%',
    rule: { x: curve.identity, label: 'unchanged' },
    series: results.map(({ label, result }) => {
      const mine = result.curves.find((c) => c.transform === curve.transform);
      if (!mine) throw new ArgumentError(`result '${label}' has no ${curve.transform} curve`);
      return { name: label, points: mine.values.map((x, k) => ({ x, y: mine.accuracy[k] })) };
    }),
  }));
  const clean = results.map(({ label, result }) => `${label} ${(result.cleanAccuracy * 100).toFixed(2)}%`).join(' · ');
  return lineChartSpec(panels, {
    title: options.title ?? `Test accuracy under transformations of the test images`,
    subtitle: [`${first.dataset}: ${imagesUsed(first)}; untransformed: ${clean}`],
    legendTitle: 'model',
    columns: options.columns,
  });
}
