/**
 * The learned filters of a convolution layer as pictures. Weights are shown on one symmetric
 * scale per layer (±the largest |weight| shown), so zero is always white (or mid-grey for RGB)
 * and filters can be compared.
 *
 * Views:
 * - `rgb`: a layer over 3 input channels (the first layer of a colour model): one colour patch per
 *   filter, each channel's brightness its weight (mid-grey = 0).
 * - `channels`: one blue-white-red tile per (input channel, filter): rows are input channels,
 *   columns filters. For a first layer over grey images that is one tile per filter.
 * - `mean`: one tile per filter, its weights averaged over the input channels (for wide layers,
 *   where one tile per pair would be thousands of tiles).
 * A DepthwiseConv2D layer has one 2-D filter per output channel, drawn as one tile each.
 */
import { ArgumentError, UnknownNameError } from '../errors.js';
import { Conv2D } from '../nn/conv2d.js';
import type { Network } from '../nn/network.js';
import { Tensor } from '../tensor/index.js';
import type { ColormapName } from './colormap.js';
import { addLegend, colormapImage, emptyFigure, type Figure, legendWidth, type RgbaImage, textWidth } from './figure.js';
import { describeLayers, findLayer, isConvLayer } from './layers.js';

export interface LayerFilters {
  layer: string;
  type: 'Conv2D' | 'DepthwiseConv2D';
  /**
   * A copy of the kernel: Conv2D [kH, kW, inC / groups, filters]; DepthwiseConv2D
   * [kH, kW, inC, depthMultiplier] (output channel c·depthMultiplier + m).
   */
  kernel: Tensor;
  bias: Float32Array | null;
  /** Conv2D channel groups (1 for ordinary convolution). */
  groups: number;
}

/**
 * The kernel of the named convolution layer (default: the model's first Conv2D or
 * DepthwiseConv2D). Other layer kinds are refused with the list of convolution layers.
 */
export function layerFilters(model: Network, layerName?: string): LayerFilters {
  const convs = model.layers.filter(isConvLayer);
  let layer;
  if (layerName === undefined) {
    layer = convs[0];
    if (!layer) throw new ArgumentError(`model '${model.name}' has no Conv2D or DepthwiseConv2D layer, so it has no filters to show; its layers are: ${describeLayers(model.layers)}`);
  } else {
    const found = findLayer(model, layerName);
    if (!isConvLayer(found)) {
      throw new ArgumentError(
        `layer '${layerName}' is a ${found.type}, not a convolution: filters are shown for Conv2D and DepthwiseConv2D layers; this model's are: ${convs.length ? convs.map((l) => `${l.name} (${l.type})`).join(', ') : 'none'}`,
      );
    }
    layer = found;
  }
  if (!layer.kernel) throw new ArgumentError(`layer '${layer.name}' has no weights yet: build the model first`);
  const kernel = layer.kernel.value;
  return {
    layer: layer.name,
    type: layer.type,
    kernel: new Tensor(Float32Array.from(kernel.data), kernel.shape),
    bias: layer.bias ? Float32Array.from(layer.bias.value.data) : null,
    groups: layer instanceof Conv2D ? layer.groups : 1,
  };
}

export type FilterView = 'rgb' | 'channels' | 'mean';
export const filterViews: readonly FilterView[] = ['rgb', 'channels', 'mean'];

/** Tiles per (input channel, filter) pair above which `auto` averages over the input channels. */
const MAX_PAIR_TILES = 1024;
/** Tiles per row in the one-tile-per-filter views. */
const WRAP = 16;

/** The readable view: RGB patches for 3 input channels, every pair while that stays ≤ 1024 tiles, else channel means. */
export function chooseFilterView(filters: LayerFilters): FilterView {
  const [, , inC, outC] = filters.kernel.shape;
  if (filters.type === 'DepthwiseConv2D') return 'channels';
  if (inC === 3 && filters.groups === 1) return 'rgb';
  return inC * outC <= MAX_PAIR_TILES ? 'channels' : 'mean';
}

export interface FilterTiles {
  view: FilterView;
  /** [n, kH, kW, 1 or 3]: tile i is drawn at row ⌊i / columns⌋, column i mod columns. */
  tiles: Tensor;
  rows: number;
  columns: number;
  /** What a row and a column are, and each row's and column's label. */
  rowTitle: string;
  columnTitle: string;
  rowLabels: string[];
  columnLabels: string[];
  /** Each tile's name (a tooltip in the SVG). */
  tileLabels: string[];
  /** The scale: values from −range to +range (the largest |value| among the tiles). */
  range: number;
  /** What a tile is, in words. */
  description: string;
}

function rangeOf(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
  return m;
}

/**
 * A flat list of n tiles laid out WRAP per row: one row is labelled by column (the tile's index),
 * several rows by the index range of each row.
 */
function wrapped(n: number, unit: string): Pick<FilterTiles, 'rows' | 'columns' | 'rowTitle' | 'columnTitle' | 'rowLabels' | 'columnLabels' | 'tileLabels'> {
  const columns = Math.min(WRAP, n);
  const rows = Math.ceil(n / columns);
  const tileLabels = Array.from({ length: n }, (_, i) => `${unit} ${i}`);
  if (rows === 1) return { rows, columns, rowTitle: '', columnTitle: unit, rowLabels: [''], columnLabels: Array.from({ length: n }, (_, i) => String(i)), tileLabels };
  return {
    rows,
    columns,
    rowTitle: `${unit}s`,
    columnTitle: '',
    rowLabels: Array.from({ length: rows }, (_, r) => `${r * columns}–${Math.min(n, (r + 1) * columns) - 1}`),
    columnLabels: [],
    tileLabels,
  };
}

/** Cuts the kernel into the tiles of `view` (default: `chooseFilterView`). */
export function filterTiles(filters: LayerFilters, view: FilterView | 'auto' = 'auto'): FilterTiles {
  if (view !== 'auto' && !filterViews.includes(view)) throw new UnknownNameError('filter view', view, ['auto', ...filterViews]);
  const chosen = view === 'auto' ? chooseFilterView(filters) : view;
  const [kh, kw, inC, outC] = filters.kernel.shape;
  const k = filters.kernel.data;
  const at = (y: number, x: number, c: number, f: number) => k[((y * kw + x) * inC + c) * outC + f];
  const pixels = kh * kw;
  const size = `${kh}×${kw}`;

  if (filters.type === 'DepthwiseConv2D') {
    if (chosen !== 'channels') throw new ArgumentError(`a DepthwiseConv2D layer has one 2-D filter per output channel; view '${chosen}' does not apply (use channels)`);
    const n = inC * outC;
    const data = new Float32Array(n * pixels);
    for (let c = 0; c < inC; c++) for (let m = 0; m < outC; m++) for (let p = 0; p < pixels; p++) data[(c * outC + m) * pixels + p] = at(Math.floor(p / kw), p % kw, c, m);
    return {
      view: 'channels',
      tiles: new Tensor(data, [n, kh, kw, 1]),
      ...wrapped(n, 'output channel'),
      range: rangeOf(data),
      description: `one ${size} tile per output channel (input channel c × multiplier m gives output channel c·${outC} + m)`,
    };
  }
  if (chosen === 'rgb') {
    if (inC !== 3) throw new ArgumentError(`view 'rgb' needs a layer over 3 input channels; layer '${filters.layer}' has ${inC}`);
    const data = new Float32Array(outC * pixels * 3);
    for (let f = 0; f < outC; f++) for (let p = 0; p < pixels; p++) for (let c = 0; c < 3; c++) data[(f * pixels + p) * 3 + c] = at(Math.floor(p / kw), p % kw, c, f);
    return { view: 'rgb', tiles: new Tensor(data, [outC, kh, kw, 3]), ...wrapped(outC, 'filter'), range: rangeOf(data), description: `one ${size} RGB patch per filter` };
  }
  if (chosen === 'mean') {
    const data = new Float32Array(outC * pixels);
    for (let f = 0; f < outC; f++) {
      for (let p = 0; p < pixels; p++) {
        let s = 0;
        for (let c = 0; c < inC; c++) s += at(Math.floor(p / kw), p % kw, c, f);
        data[f * pixels + p] = s / inC;
      }
    }
    return { view: 'mean', tiles: new Tensor(data, [outC, kh, kw, 1]), ...wrapped(outC, 'filter'), range: rangeOf(data), description: `one ${size} tile per filter, averaged over its ${inC} input channels` };
  }
  if (inC === 1) {
    const data = new Float32Array(outC * pixels);
    for (let f = 0; f < outC; f++) for (let p = 0; p < pixels; p++) data[f * pixels + p] = at(Math.floor(p / kw), p % kw, 0, f);
    return { view: 'channels', tiles: new Tensor(data, [outC, kh, kw, 1]), ...wrapped(outC, 'filter'), range: rangeOf(data), description: `one ${size} tile per filter` };
  }
  const data = new Float32Array(inC * outC * pixels);
  for (let c = 0; c < inC; c++) for (let f = 0; f < outC; f++) for (let p = 0; p < pixels; p++) data[(c * outC + f) * pixels + p] = at(Math.floor(p / kw), p % kw, c, f);
  const grouped = filters.groups > 1 ? ` (input channels counted within each of the ${filters.groups} groups)` : '';
  return {
    view: 'channels',
    tiles: new Tensor(data, [inC * outC, kh, kw, 1]),
    rows: inC,
    columns: outC,
    rowTitle: 'input channel',
    columnTitle: 'filter',
    rowLabels: Array.from({ length: inC }, (_, c) => String(c)),
    columnLabels: Array.from({ length: outC }, (_, f) => String(f)),
    tileLabels: Array.from({ length: inC * outC }, (_, i) => `input channel ${Math.floor(i / outC)}, filter ${i % outC}`),
    range: rangeOf(data),
    description: `one ${size} tile per (input channel, filter): rows are input channels, columns filters${grouped}`,
  };
}

/** Tile i as a picture on the symmetric scale ±range. */
export function filterTilePicture(tiles: FilterTiles, i: number): RgbaImage {
  const [, kh, kw, c] = tiles.tiles.shape;
  const data = tiles.tiles.data;
  const range = tiles.range > 0 ? tiles.range : 1;
  if (c === 1) return colormapImage(data, kh, kw, 'diverging', -range, range, i * kh * kw);
  const rgba = new Uint8Array(kh * kw * 4);
  for (let p = 0; p < kh * kw; p++) {
    for (let ch = 0; ch < 3; ch++) rgba[p * 4 + ch] = Math.round(Math.min(1, Math.max(0, 0.5 + (0.5 * data[(i * kh * kw + p) * 3 + ch]) / range)) * 255);
    rgba[p * 4 + 3] = 255;
  }
  return { width: kw, height: kh, rgba };
}

export interface FilterFigureOptions {
  title?: string;
  notes?: string[];
  /** Target tile size in px (default: 64 for up to 32 tiles, else 40), reached by whole-pixel magnification. */
  tileSize?: number;
  /** Draw the title, notes, row and column labels and the legend (default true; false for a plain PNG grid). */
  labels?: boolean;
}

const MARGIN = 16;

/** The tiles as a labelled grid with a colour legend for the weight range. */
export function filterFigure(filters: LayerFilters, tiles: FilterTiles, options: FilterFigureOptions = {}): Figure {
  const [n, kh, kw] = tiles.tiles.shape;
  const labels = options.labels ?? true;
  const scale = Math.max(1, Math.round((options.tileSize ?? (n <= 32 ? 64 : 40)) / Math.max(kh, kw)));
  const tileW = kw * scale;
  const tileH = kh * scale;
  const gap = n <= 32 ? 8 : 5;
  const title = options.title ?? `Filters of layer '${filters.layer}' (${filters.type})`;
  const figure = emptyFigure(title);
  let width = 0;
  const text = (t: Parameters<Figure['texts']['push']>[0]) => {
    if (!labels) return;
    figure.texts.push(t);
    const w = textWidth(t.text, t.size ?? 12);
    width = Math.max(width, t.anchor === 'end' ? t.x : t.anchor === 'middle' ? t.x + w / 2 : t.x + w);
  };
  let y = MARGIN;
  let left = MARGIN;
  if (labels) {
    text({ x: MARGIN, y: y + 16, text: title, size: 16, bold: true });
    y += 26;
    for (const note of [...(options.notes ?? []), `${tiles.description}.`]) {
      text({ x: MARGIN, y: y + 13, text: note, size: 12, fill: '#333333' });
      y += 18;
    }
    y += 12;
    const rowLabelWidth = tiles.rowTitle ? Math.max(textWidth(tiles.rowTitle, 11), ...tiles.rowLabels.map((l) => textWidth(l, 10))) + 10 : 0;
    left = MARGIN + rowLabelWidth;
    if (tiles.rowTitle) text({ x: MARGIN, y: y + 11, text: tiles.rowTitle, size: 11, bold: true });
    if (tiles.columnTitle) text({ x: left, y: y + 11, text: `${tiles.columnTitle} →`, size: 11, bold: true });
    y += 16;
    if (tiles.columnLabels.length > 0) {
      tiles.columnLabels.forEach((label, c) => text({ x: left + c * (tileW + gap) + tileW / 2, y: y + 10, text: label, size: 10, anchor: 'middle', fill: '#555555' }));
      y += 14;
    }
  }
  for (let r = 0; r < tiles.rows; r++) {
    const ty = y + r * (tileH + gap);
    if (tiles.rowLabels[r]) text({ x: left - 8, y: ty + tileH / 2 + 4, text: tiles.rowLabels[r], size: 10, anchor: 'end', fill: '#555555' });
    for (let c = 0; c < tiles.columns; c++) {
      const i = r * tiles.columns + c;
      if (i >= n) break;
      const x = left + c * (tileW + gap);
      figure.rasters.push({ x, y: ty, width: tileW, height: tileH, image: filterTilePicture(tiles, i), title: tiles.tileLabels[i] });
      // A frame, so that tiles of near-zero (white) weights stay visible.
      figure.rects.push({ x: x - 1, y: ty - 1, width: tileW + 2, height: tileH + 2, stroke: '#cccccc' });
    }
  }
  const gridW = tiles.columns * tileW + (tiles.columns - 1) * gap;
  const gridH = tiles.rows * tileH + (tiles.rows - 1) * gap;
  width = Math.max(width, left + gridW);
  y += gridH;
  if (labels) {
    y += 20;
    const range = tiles.range > 0 ? tiles.range : 1;
    // An RGB patch shows each channel's weight as that channel's brightness: equal weights give a
    // grey from black (−range) through mid-grey (0) to white (+range); unequal ones a colour.
    const rgb = tiles.view === 'rgb';
    const colormap: ColormapName = rgb ? 'grey' : 'diverging';
    const caption = rgb ? 'weight of each colour channel (black −, mid-grey 0, white +)' : 'weight (blue negative, white 0, red positive)';
    y += addLegend(figure, MARGIN, y, { colormap, lo: -range, hi: range, middle: 0, caption });
    width = Math.max(width, MARGIN + legendWidth(caption));
  }
  figure.width = width + MARGIN;
  figure.height = y + MARGIN;
  return figure;
}
