/**
 * Feature maps ("layer representations"): what every layer with a spatial output makes of one
 * image, one grey (or, for signed values, blue-white-red) tile per channel.
 */
import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { formatShape, Tensor } from '../tensor/index.js';
import { normalizeBatch } from '../train/normalize.js';
import type { ColormapName } from './colormap.js';
import { addLegend, colormapImage, emptyFigure, type Figure, legendWidth, textWidth } from './figure.js';
import { asModelInput, imagePicture } from './image.js';
import { describeLayers, findLayer, hasSpatialOutput } from './layers.js';

export interface FeatureMap {
  layer: string;
  type: string;
  /** The layer's output for the image, [height, width, channels]. */
  values: Tensor;
}

/**
 * The outputs of the named layers (default: every layer whose output is a map larger than 1×1,
 * except those that hand on their input unchanged at inference, like Dropout) for one image ([H, W, C] or [1, H, W, C], pixels in [0, 1]), in the order the layers run.
 */
export function featureMaps(model: Network, image: Tensor, names?: readonly string[]): FeatureMap[] {
  const x = asModelInput(model, image, 'featureMaps');
  let wanted: Set<string>;
  if (names && names.length > 0) {
    for (const name of names) {
      const layer = findLayer(model, name);
      if (!hasSpatialOutput(layer)) {
        const spatial = model.layers.filter((l) => hasSpatialOutput(l));
        throw new ArgumentError(
          `layer '${name}' (${layer.type}) outputs ${formatShape(layer.outputShape ?? [])}, not a feature map [height, width, channels]; layers with feature maps: ${spatial.length ? describeLayers(spatial) : 'none'}`,
        );
      }
    }
    wanted = new Set(names);
  } else {
    wanted = new Set(model.layers.filter((l) => hasSpatialOutput(l, true)).map((l) => l.name));
    if (wanted.size === 0) throw new ArgumentError(`model '${model.name}' has no layer with a spatial output; its layers are: ${describeLayers(model.layers)}`);
  }
  const maps: FeatureMap[] = [];
  const byDefault = !(names && names.length > 0);
  noGrad(() =>
    getBackend().scope(() => {
      let previous: Tensor | null = null;
      model.forward(normalizeBatch(x, model.inputNormalization), {
        training: false,
        onLayerOutput: (layer, output) => {
          // A layer that hands on its input unchanged at inference (Dropout) would repeat the map before it.
          const repeat = output === previous;
          previous = output;
          if (!wanted.has(layer.name) || (byDefault && repeat)) return;
          // Copied out of the scope, which reclaims the backend's memory.
          maps.push({ layer: layer.name, type: layer.type, values: new Tensor(Float32Array.from(output.data), output.shape.slice(1)) });
        },
      });
    }),
  );
  return maps;
}

/** The smallest and largest value of a map. */
export function valueRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * How a layer's values are coloured: maps that are never negative (after ReLU, pooling) in grey
 * from 0 (black) to the layer's largest value (white); signed maps blue-white-red, symmetric
 * about 0. One scale per layer, so its channels can be compared.
 */
export function featureMapScale(values: ArrayLike<number>): { colormap: ColormapName; lo: number; hi: number } {
  const { min, max } = valueRange(values);
  if (min >= 0) return { colormap: 'grey', lo: 0, hi: max > 0 ? max : 1 };
  const bound = Math.max(-min, max);
  return { colormap: 'diverging', lo: -bound, hi: bound };
}

export interface FeatureMapFigureOptions {
  title?: string;
  /** Lines under the title (e.g. the image's label and the prediction). */
  notes?: string[];
  /** Channels drawn per layer at most (default 64); the label says when some are left out. */
  maxChannels?: number;
  /** Tiles per row (default 16). */
  columns?: number;
  /** Target tile size in px (default 56): small maps are magnified more, by whole pixels. */
  tileSize?: number;
  /** Draw the title, notes, layer names and legends (default true; false for a plain PNG of the tiles). */
  labels?: boolean;
}

const MARGIN = 16;
const GAP = 3;

/** One block per feature map, under the input image: the layer's name and shape, its tiles, its legend. */
export function featureMapFigure(image: Tensor, maps: readonly FeatureMap[], options: FeatureMapFigureOptions = {}): Figure {
  const maxChannels = options.maxChannels ?? 64;
  const columns = options.columns ?? 16;
  const tileSize = options.tileSize ?? 56;
  const labels = options.labels ?? true;
  const figure = emptyFigure(options.title ?? 'Feature maps');
  let y = MARGIN;
  let width = 0;
  /** Adds a line of text of `height` px at y (nothing without labels). */
  const line = (t: Omit<Parameters<Figure['texts']['push']>[0], 'y'>, height: number) => {
    if (!labels) return;
    figure.texts.push({ ...t, y: y + height - 5 });
    width = Math.max(width, t.x + textWidth(t.text, t.size ?? 12));
    y += height;
  };
  line({ x: MARGIN, text: options.title ?? 'Feature maps', size: 16, bold: true }, 24);
  for (const note of options.notes ?? []) line({ x: MARGIN, text: note, size: 12, fill: '#333333' }, 18);
  if (labels) y += 12;
  const blockGap = labels ? 22 : 12;

  const picture = imagePicture(image);
  const inputScale = Math.max(1, Math.round((tileSize * 1.5) / Math.max(picture.width, picture.height)));
  const dims = image.rank === 4 ? image.shape.slice(1) : image.shape;
  line({ x: MARGIN, text: `input  ${dims.join('×')}`, size: 13, bold: true }, 20);
  figure.rasters.push({ x: MARGIN, y, width: picture.width * inputScale, height: picture.height * inputScale, image: picture, title: 'input image' });
  figure.rects.push({ x: MARGIN - 1, y: y - 1, width: picture.width * inputScale + 2, height: picture.height * inputScale + 2, stroke: '#999999' });
  width = Math.max(width, MARGIN + picture.width * inputScale);
  y += picture.height * inputScale + blockGap;

  for (const map of maps) {
    const [h, w, c] = map.values.shape;
    const shown = Math.min(c, maxChannels);
    const scale = Math.max(1, Math.round(tileSize / Math.max(h, w)));
    const cols = Math.min(columns, shown);
    const rows = Math.ceil(shown / cols);
    const tileW = w * scale;
    const tileH = h * scale;
    const more = shown < c ? `  (first ${shown} of ${c} channels)` : '';
    line({ x: MARGIN, text: `${map.layer} (${map.type})  ${h}×${w}×${c}${more}`, size: 13, bold: true }, 20);
    const { colormap, lo, hi } = featureMapScale(map.values.data);
    for (let k = 0; k < shown; k++) {
      const x = MARGIN + (k % cols) * (tileW + GAP);
      const ty = y + Math.floor(k / cols) * (tileH + GAP);
      const tile = colormapImage(map.values.data, h, w, colormap, lo, hi, k, c);
      figure.rasters.push({ x, y: ty, width: tileW, height: tileH, image: tile, title: `${map.layer} channel ${k}` });
    }
    const gridW = cols * tileW + (cols - 1) * GAP;
    const gridH = rows * tileH + (rows - 1) * GAP;
    width = Math.max(width, MARGIN + gridW);
    let legendH = 0;
    if (labels) {
      const legendX = MARGIN + gridW + 20;
      const caption = colormap === 'grey' ? 'activation (black = 0)' : 'activation (white = 0)';
      legendH = addLegend(figure, legendX, y, { colormap, lo, hi, middle: colormap === 'diverging' ? 0 : undefined, caption, barWidth: 120 });
      width = Math.max(width, legendX + legendWidth(caption, 120));
    }
    y += Math.max(gridH, legendH) + blockGap;
  }
  figure.width = width + MARGIN;
  figure.height = y - blockGap + MARGIN;
  return figure;
}
