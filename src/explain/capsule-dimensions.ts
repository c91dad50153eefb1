/**
 * What each dimension of a digit capsule encodes (Sabour et al. 2017, figure 4): the capsule
 * network's reconstruction of an image from its winning digit capsule, with one dimension at a
 * time nudged by −range … +range.
 */
import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { CapsuleDecoder } from '../nn/capsule-decoder.js';
import type { Network } from '../nn/network.js';
import { formatShape, Tensor } from '../tensor/index.js';
import { normalizeBatch } from '../train/normalize.js';
import { colormapImage, emptyFigure, type Figure, textWidth } from './figure.js';

export interface CapsuleDimensionOptions {
  /** The largest perturbation, added to and subtracted from each dimension (paper: 0.25). */
  range?: number;
  /** Perturbations per dimension, evenly spaced over [−range, range] (paper: 11, step 0.05). */
  steps?: number;
}

export interface CapsuleDimensionGrid {
  /**
   * [capsuleDim · (steps + 1), H, W, C], pixels in [0, 1]: row d holds the input image, then the
   * reconstructions with dimension d of the winning capsule shifted by each of `deltas`.
   */
  images: Tensor;
  rows: number;
  columns: number;
  deltas: number[];
  /** The class whose capsule is longest, and that length. */
  predictedClass: number;
  capsuleLength: number;
  /** The winning capsule's vector before perturbation. */
  capsule: number[];
}

/** The model's CapsuleDecoder; a clear error for models without one. */
export function findCapsuleDecoder(model: Network): CapsuleDecoder {
  const decoder = model.layers.find((l): l is CapsuleDecoder => l instanceof CapsuleDecoder);
  if (!decoder) {
    throw new ArgumentError(`model '${model.name}' has no CapsuleDecoder layer, so it cannot reconstruct images from capsules; its layers are: ${model.layers.map((l) => `${l.name} (${l.type})`).join(', ')}`);
  }
  return decoder;
}

/** The perturbation grid for one image [1, H, W, C] (pixels in [0, 1]). */
export function capsuleDimensionGrid(model: Network, image: Tensor, options: CapsuleDimensionOptions = {}): CapsuleDimensionGrid {
  const range = options.range ?? 0.25;
  const steps = options.steps ?? 11;
  if (!(Number.isFinite(range) && range > 0)) throw new ArgumentError(`range must be a positive number, got ${range}`);
  if (!(Number.isInteger(steps) && steps >= 2)) throw new ArgumentError(`steps must be a whole number ≥ 2, got ${steps}`);
  const decoder = findCapsuleDecoder(model);
  const inputShape = model.inputShape!;
  if (image.rank !== 4 || image.shape[0] !== 1 || inputShape.some((d, i) => image.shape[i + 1] !== d)) {
    throw new ShapeError(`capsuleDimensionGrid needs one image [1, ${inputShape.join(', ')}], got ${formatShape(image.shape)}`);
  }
  const deltas = Array.from({ length: steps }, (_, i) => -range + (2 * range * i) / (steps - 1));
  const { mean, std } = model.inputNormalization;
  return noGrad(() =>
    getBackend().scope(() => {
      let capsules: Tensor | null = null;
      model.forward(normalizeBatch(image, model.inputNormalization), {
        training: false,
        onLayerOutput: (layer, output) => {
          if (layer === decoder) capsules = output;
        },
      });
      const v = capsules! as Tensor;
      const [, numCaps, dim] = v.shape;
      let predictedClass = 0;
      const lengths = Array.from({ length: numCaps }, (_, j) => Math.hypot(...v.data.subarray(j * dim, (j + 1) * dim)));
      lengths.forEach((len, j) => {
        if (len > lengths[predictedClass]) predictedClass = j;
      });
      const capsule = Array.from(v.data.subarray(predictedClass * dim, (predictedClass + 1) * dim));
      const batch = new Float32Array(dim * steps * numCaps * dim);
      for (let d = 0; d < dim; d++) {
        for (let s = 0; s < steps; s++) {
          const row = (d * steps + s) * numCaps * dim;
          batch.set(v.data, row);
          batch[row + predictedClass * dim + d] += deltas[s];
        }
      }
      const classes = new Int32Array(dim * steps).fill(predictedClass);
      const reconstructions = decoder.reconstruct(new Tensor(batch, [dim * steps, numCaps, dim]), classes);
      const pixels = image.size;
      const channels = inputShape[inputShape.length - 1];
      // Reconstructions are of the normalised input; undo the normalisation to show pixels.
      const show = (x: number, i: number) => x * (std[i % channels] ?? 1) + (mean[i % channels] ?? 0);
      const out = new Float32Array((steps + 1) * dim * pixels);
      for (let d = 0; d < dim; d++) {
        const rowStart = d * (steps + 1) * pixels;
        out.set(image.data, rowStart);
        for (let s = 0; s < steps; s++) {
          const src = (d * steps + s) * pixels;
          const dst = rowStart + (s + 1) * pixels;
          for (let i = 0; i < pixels; i++) out[dst + i] = show(reconstructions.data[src + i], i);
        }
      }
      return { images: new Tensor(out, [dim * (steps + 1), ...inputShape]), rows: dim, columns: steps + 1, deltas, predictedClass, capsuleLength: lengths[predictedClass], capsule };
    }),
  );
}

/**
 * The grid as a figure: a title with the prediction, one row per capsule dimension (labelled),
 * the input in the first column, then one column per shift (headed by its value).
 */
export function capsuleDimensionFigure(grid: CapsuleDimensionGrid, options: { magnify?: number; title?: string; /** Lines separated by '\n'. */ subtitle?: string; labels?: boolean } = {}): Figure {
  const magnify = options.magnify ?? 3;
  const labels = options.labels ?? true;
  const [, h, w, c] = grid.images.shape;
  const figure = emptyFigure(options.title ?? 'What each capsule dimension encodes');
  const gap = 2;
  const left = labels ? 56 : gap;
  let top = gap;
  if (labels) {
    figure.texts.push({ x: 16, y: 24, text: figure.title, size: 16, bold: true });
    const lines = options.subtitle ? options.subtitle.split('\n') : [];
    lines.forEach((text, i) => figure.texts.push({ x: 16, y: 44 + 18 * i, text, size: 12 }));
    top = 56 + 18 * lines.length;
  }
  const tileW = w * magnify;
  const tileH = h * magnify;
  const inputGap = 10;
  const columnX = (col: number) => left + col * (tileW + gap) + (col > 0 ? inputGap : 0);
  if (labels) {
    figure.texts.push({ x: columnX(0) + tileW / 2, y: top - 6, text: 'input', anchor: 'middle', bold: true, size: 11 });
    grid.deltas.forEach((d, s) => figure.texts.push({ x: columnX(s + 1) + tileW / 2, y: top - 6, text: `${d > 0 ? '+' : ''}${d.toFixed(2)}`, anchor: 'middle', size: 11 }));
  }
  const pixels = h * w * c;
  for (let row = 0; row < grid.rows; row++) {
    const y = top + row * (tileH + gap);
    if (labels) figure.texts.push({ x: left - 8, y: y + tileH / 2 + 4, text: `dim ${row + 1}`, anchor: 'end', size: 11 });
    for (let col = 0; col < grid.columns; col++) {
      const offset = (row * grid.columns + col) * pixels;
      // Grey pictures: one value per pixel; colour ones are shown by their mean over channels.
      const values = Float32Array.from({ length: h * w }, (_, p) => {
        let sum = 0;
        for (let k = 0; k < c; k++) sum += grid.images.data[offset + p * c + k];
        return Math.min(1, Math.max(0, sum / c));
      });
      const image = colormapImage(values, h, w, 'grey', 0, 1);
      figure.rasters.push({ x: columnX(col), y, width: tileW, height: tileH, image, title: col === 0 ? 'input' : `dimension ${row + 1} shifted by ${grid.deltas[col - 1].toFixed(2)}` });
    }
  }
  const textRight = labels ? Math.max(...figure.texts.map((t) => (t.anchor ?? 'start') === 'start' ? t.x + textWidth(t.text, t.size) : 0)) + 16 : 0;
  figure.width = Math.max(columnX(grid.columns - 1) + tileW + gap + (labels ? 8 : 0), textRight);
  figure.height = top + grid.rows * (tileH + gap) + (labels ? 8 : 0);
  return figure;
}
