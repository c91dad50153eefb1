/**
 * Adversarial examples as an explanation: how far accuracy falls as the L∞ budget ε grows (the
 * accuracy-versus-ε curve), and one image before and after the attack with the perturbation that
 * fooled the model. The attacks themselves (`fgsm`, `pgd`) live in train/adversarial.ts, since
 * adversarial training needs them too.
 */
import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { batches, type ImageDataset, take } from '../data/index.js';
import { ArgumentError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { Rng, Tensor } from '../tensor/index.js';
import { type AttackName, attackNames, checkEpsilon, defaultStepSize, fgsm, fgsmAtEach, pgd } from '../train/adversarial.js';
import { checkDatasetFitsModel } from '../train/evaluate.js';
import { argmaxRows } from '../train/metrics.js';
import { normalizeBatch } from '../train/normalize.js';
import { addLegend, colormapImage, emptyFigure, type Figure, type FigureText, legendWidth, type RgbaImage, textWidth } from './figure.js';
import { asModelInput, imagePicture } from './image.js';
import { checkClassIndex, type Classification, className, classify, numClasses } from './layers.js';

export {
  type AttackName,
  type FgsmOptions,
  type PgdOptions,
  type AdversarialTraining,
  attackNames,
  checkEpsilon,
  defaultStepSize,
  fgsm,
  fgsmAtEach,
  pgd,
  lossGradient,
  parseAdversarialSpec,
  formatAdversarialTraining,
  ADVERSARIAL_FORM,
} from '../train/adversarial.js';

export interface AttackSettings {
  attack: AttackName;
  /** PGD: steps (default 10). */
  steps?: number;
  /** PGD: step size (default 2.5·ε / steps, for each ε). */
  stepSize?: number;
  /** PGD: start from a uniform point of the ε-ball. */
  randomStart?: boolean;
  /** Seeds PGD's random start (default 0). */
  seed?: number;
  /** A targeted attack toward this class (every image); default: untargeted. */
  target?: number;
}

/** Checks the settings against the model (attack name, PGD's numbers, the target class). */
function checkSettings(model: Network, settings: AttackSettings): void {
  if (!attackNames.includes(settings.attack)) throw new ArgumentError(`unknown attack '${settings.attack}'; expected one of ${attackNames.join(', ')}`);
  if (settings.attack === 'fgsm' && (settings.steps !== undefined || settings.stepSize !== undefined || settings.randomStart)) {
    throw new ArgumentError('steps, step size and random start apply to the pgd attack, not fgsm');
  }
  if (settings.steps !== undefined && (!Number.isInteger(settings.steps) || settings.steps < 1)) throw new ArgumentError(`PGD steps must be a whole number ≥ 1, got ${settings.steps}`);
  if (settings.stepSize !== undefined && !(Number.isFinite(settings.stepSize) && settings.stepSize > 0)) throw new ArgumentError(`PGD step size must be a positive number, got ${settings.stepSize}`);
  if (settings.target !== undefined) checkClassIndex(model, settings.target);
}

/** Attacks one batch at budget ε with the settings (ε = 0: the batch itself). */
function attackBatch(model: Network, x: Tensor, labels: Int32Array, epsilon: number, settings: AttackSettings, rng: Rng): Tensor {
  const targets = settings.target === undefined ? undefined : new Int32Array(labels.length).fill(settings.target);
  if (epsilon === 0) return x;
  if (settings.attack === 'fgsm') return fgsm(model, x, labels, { epsilon, targets });
  const steps = settings.steps ?? 10;
  return pgd(model, x, labels, { epsilon, steps, stepSize: settings.stepSize ?? defaultStepSize(epsilon, steps), randomStart: settings.randomStart, rng, targets });
}

/** The model's predicted class of every image of a batch in [0, 1] (inference mode). */
export function predictClasses(model: Network, x: Tensor): Int32Array {
  return noGrad(() => getBackend().scope(() => argmaxRows(model.forward(normalizeBatch(x, model.inputNormalization), { training: false, logits: true }))));
}

export interface AdversarialAccuracyOptions extends AttackSettings {
  /** The budgets to measure; 0 gives the clean accuracy. Each in [0, 1]. */
  epsilons: readonly number[];
  /** Attack only the first `limit` images. */
  limit?: number;
  /** Images per attack batch (default 100). */
  batchSize?: number;
  /** Called after every batch with the images done and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface AdversarialAccuracyPoint {
  epsilon: number;
  /** Fraction of the images still classified as their label after the attack. */
  accuracy: number;
  correct: number;
  /** Targeted attacks: fraction of the images whose label is not the target that the model now calls the target. */
  targetRate?: number;
}

export interface AdversarialAccuracy {
  attack: AttackName;
  steps?: number;
  /** PGD: the fixed step size, or null for 2.5·ε / steps at each ε. */
  stepSize?: number | null;
  randomStart?: boolean;
  target?: number;
  count: number;
  points: AdversarialAccuracyPoint[];
}

/**
 * Accuracy under attack at each ε of `epsilons` (the accuracy-versus-ε curve) on the dataset (or
 * its first `limit` images). ε = 0 is the clean accuracy, the same as `evaluate`'s. FGSM computes
 * one gradient per batch for every ε.
 */
export function adversarialAccuracy(model: Network, dataset: ImageDataset, options: AdversarialAccuracyOptions): AdversarialAccuracy {
  checkSettings(model, options);
  if (options.epsilons.length === 0) throw new ArgumentError('adversarialAccuracy needs at least one ε');
  for (const e of options.epsilons) checkEpsilon(e);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) throw new ArgumentError(`limit must be a positive whole number, got ${options.limit}`);
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`batch size must be a positive whole number, got ${batchSize}`);
  checkDatasetFitsModel(model, dataset);
  const ds = options.limit !== undefined && options.limit < dataset.count ? take(dataset, options.limit) : dataset;
  const rng = new Rng(options.seed ?? 0);
  const target = options.target;
  const correct = options.epsilons.map(() => 0);
  const hits = options.epsilons.map(() => 0);
  let notTarget = 0;
  let done = 0;
  for (const batch of batches(ds, { batchSize })) {
    const { x, labels } = batch;
    let attacked: Tensor[];
    if (options.attack === 'fgsm') {
      const positive = options.epsilons.filter((e) => e > 0);
      const targets = target === undefined ? undefined : new Int32Array(labels.length).fill(target);
      const made = positive.length > 0 ? fgsmAtEach(model, x, labels, positive, targets) : [];
      attacked = options.epsilons.map((e) => (e > 0 ? made[positive.indexOf(e)] : x));
    } else {
      attacked = options.epsilons.map((e) => attackBatch(model, x, labels, e, options, rng));
    }
    attacked.forEach((xa, k) => {
      const predicted = predictClasses(model, xa);
      for (let i = 0; i < labels.length; i++) {
        if (predicted[i] === labels[i]) correct[k]++;
        if (target !== undefined && labels[i] !== target && predicted[i] === target) hits[k]++;
      }
    });
    if (target !== undefined) for (const l of labels) if (l !== target) notTarget++;
    done += labels.length;
    options.onProgress?.(done, ds.count);
  }
  const points = options.epsilons.map((epsilon, k) => ({
    epsilon,
    accuracy: ds.count === 0 ? 0 : correct[k] / ds.count,
    correct: correct[k],
    ...(target !== undefined ? { targetRate: notTarget === 0 ? 0 : hits[k] / notTarget } : {}),
  }));
  return {
    attack: options.attack,
    ...(options.attack === 'pgd' ? { steps: options.steps ?? 10, stepSize: options.stepSize ?? null, randomStart: options.randomStart ?? false } : {}),
    ...(target !== undefined ? { target } : {}),
    count: ds.count,
    points,
  };
}

// ---- one image ----

export interface AdversarialExample {
  epsilon: number;
  /** The image [1, H, W, C] and its attacked copy, pixels in [0, 1]. */
  original: Tensor;
  adversarial: Tensor;
  /** x′ − x. */
  perturbation: Tensor;
  /** max |x′ − x| (≤ ε). */
  maxPerturbation: number;
  label: number;
  before: Classification;
  after: Classification;
  target?: number;
}

/** Attacks one image ([H, W, C] or [1, H, W, C], pixels in [0, 1]) whose class is `label`. */
export function adversarialExample(model: Network, image: Tensor, label: number, options: AttackSettings & { epsilon: number }): AdversarialExample {
  checkSettings(model, options);
  checkEpsilon(options.epsilon);
  checkClassIndex(model, label);
  numClasses(model);
  const x = asModelInput(model, image, 'adversarialExample');
  const labels = Int32Array.of(label);
  const adversarial = attackBatch(model, x, labels, options.epsilon, options, new Rng(options.seed ?? 0));
  const delta = new Float32Array(x.size);
  let maxPerturbation = 0;
  for (let i = 0; i < delta.length; i++) {
    delta[i] = adversarial.data[i] - x.data[i];
    maxPerturbation = Math.max(maxPerturbation, Math.abs(delta[i]));
  }
  return {
    epsilon: options.epsilon,
    original: x,
    adversarial,
    perturbation: new Tensor(delta, x.shape),
    maxPerturbation,
    label,
    before: classify(model, x),
    after: classify(model, adversarial),
    ...(options.target !== undefined ? { target: options.target } : {}),
  };
}

export interface AdversarialFigureOptions {
  title: string;
  /** Lines under the title. */
  notes?: string[];
  /** The true class's name (default: the model's name for `label`). */
  labelName?: string;
  /** Target panel size in px (default 224), reached by whole-pixel magnification. */
  panelSize?: number;
  /** Draw the title, notes, captions, verdicts and legend (default true; false for a plain PNG of the panels). */
  labels?: boolean;
}

/** A class probability as a percentage; for capsule networks, whose scores are capsule lengths, the length. */
function confidence(model: Network, p: number): string {
  return model.loss === 'margin' ? `length ${p.toFixed(3)}` : `${(p * 100).toFixed(1)}%`;
}

/** What the attack did, in a line: 'fooled: 7 (99.2%) → 3 (87.5%)'. */
export function adversarialVerdict(model: Network, example: AdversarialExample): string {
  const before = `${className(model, example.before.predictedClass)} (${confidence(model, example.before.confidence)})`;
  const after = `${className(model, example.after.predictedClass)} (${confidence(model, example.after.confidence)})`;
  const wasRight = example.before.predictedClass === example.label;
  const isRight = example.after.predictedClass === example.label;
  if (example.target !== undefined) {
    const reached = example.after.predictedClass === example.target;
    return `target ${className(model, example.target)} ${reached ? 'reached' : 'not reached'}: ${before} → ${after}`;
  }
  if (wasRight && !isRight) return `fooled: ${before} → ${after}`;
  if (!wasRight) return `already wrong before the attack: ${before} → ${after}`;
  return `not fooled: ${before} → ${after}`;
}

const MARGIN = 16;
const GAP = 44;
const RIGHT_COLOUR = '#1a7f37';
const WRONG_COLOUR = '#b2182b';

/** The channel mean of x′ − x, one value per pixel, for the perturbation panel. */
function perturbationPerPixel(perturbation: Tensor): Float32Array {
  const [, h, w, c] = perturbation.shape;
  const out = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += perturbation.data[p * c + k];
    out[p] = s / c;
  }
  return out;
}

/**
 * Original | perturbation | adversarial, side by side as x + δ = x′: each image with the model's
 * predicted class and confidence under it (green when it is the label, red when not), the
 * perturbation on a blue-white-red scale from −ε to +ε (so the budget fills the scale) with its
 * legend.
 */
export function adversarialFigure(model: Network, example: AdversarialExample, options: AdversarialFigureOptions): Figure {
  const labels = options.labels ?? true;
  const [, height, width, channels] = example.original.shape;
  const scale = Math.max(1, Math.round((options.panelSize ?? 224) / Math.max(width, height)));
  const pw = width * scale;
  const ph = height * scale;
  const figure = emptyFigure(options.title);
  let right = MARGIN + 3 * pw + 2 * GAP;
  let y = MARGIN;
  const line = (t: Omit<FigureText, 'y'>, lineHeight: number) => {
    if (!labels) return;
    figure.texts.push({ ...t, y: y + lineHeight - 5 });
    right = Math.max(right, t.x + textWidth(t.text, t.size ?? 12));
    y += lineHeight;
  };
  line({ x: MARGIN, text: options.title, size: 16, bold: true }, 24);
  for (const note of options.notes ?? []) line({ x: MARGIN, text: note, size: 13 }, 19);
  if (labels) y += 10;

  const epsilon = example.epsilon;
  const delta = perturbationPerPixel(example.perturbation);
  const lo = epsilon > 0 ? -epsilon : -1;
  const hi = epsilon > 0 ? epsilon : 1;
  const labelName = options.labelName ?? className(model, example.label);
  const verdictOf = (c: Classification) => ({
    text: `${className(model, c.predictedClass)} · ${confidence(model, c.confidence)}`,
    fill: c.predictedClass === example.label ? RIGHT_COLOUR : WRONG_COLOUR,
  });
  const panels: { caption: string; image: RgbaImage; verdict?: { text: string; fill: string } }[] = [
    { caption: `original x (label ${labelName})`, image: imagePicture(example.original), verdict: verdictOf(example.before) },
    { caption: `perturbation δ${channels > 1 ? ' (channel mean)' : ''}`, image: colormapImage(delta, height, width, 'diverging', lo, hi) },
    { caption: 'adversarial x′ = x + δ', image: imagePicture(example.adversarial), verdict: verdictOf(example.after) },
  ];
  const captionH = labels ? 18 : 0;
  panels.forEach((panel, i) => {
    const x = MARGIN + i * (pw + GAP);
    if (labels) {
      figure.texts.push({ x, y: y + 12, text: panel.caption, size: 12, bold: true });
      right = Math.max(right, x + textWidth(panel.caption, 12));
    }
    figure.rasters.push({ x, y: y + captionH, width: pw, height: ph, image: panel.image, title: panel.caption });
    figure.rects.push({ x: x - 1, y: y + captionH - 1, width: pw + 2, height: ph + 2, stroke: '#999999' });
    if (labels && i < 2) {
      figure.texts.push({ x: x + pw + GAP / 2, y: y + captionH + ph / 2 + 10, text: i === 0 ? '+' : '=', size: 28, bold: true, anchor: 'middle', fill: '#555555' });
    }
  });
  y += captionH + ph;
  if (labels) {
    // The verdicts under the two images; the perturbation's legend under its panel.
    const verdictY = y + 22;
    panels.forEach((panel, i) => {
      if (!panel.verdict) return;
      const x = MARGIN + i * (pw + GAP);
      figure.texts.push({ x: x + pw / 2, y: verdictY, text: `predicted ${panel.verdict.text}`, size: 15, bold: true, anchor: 'middle', fill: panel.verdict.fill });
    });
    const legendX = MARGIN + pw + GAP;
    const barWidth = Math.min(pw, 200);
    const caption = `δ per pixel, −ε … +ε (ε = ${epsilon})`;
    const legendH = addLegend(figure, legendX + (pw - barWidth) / 2, y + 8, { colormap: 'diverging', lo, hi, middle: 0, caption, barWidth });
    right = Math.max(right, legendX + legendWidth(caption, barWidth));
    y += Math.max(30, 8 + legendH);
  }
  figure.width = right + MARGIN;
  figure.height = y + MARGIN;
  return figure;
}
