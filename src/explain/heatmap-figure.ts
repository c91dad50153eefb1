/**
 * A heat map over an image (saliency, Grad-CAM) as three panels: the image, the map through a
 * colour map with its legend, and the map laid over the image (more opaque where it is hotter).
 */
import { type ColormapName, colormapRgb } from './colormap.js';
import { addLegend, colormapImage, emptyFigure, type Figure, legendWidth, type RgbaImage, textWidth } from './figure.js';
import { imagePicture } from './image.js';
import type { Tensor } from '../tensor/index.js';

export interface HeatmapFigureOptions {
  title: string;
  /** Lines under the title: the prediction, the label, the class explained. */
  notes?: string[];
  /** Caption above the map panel. */
  mapTitle: string;
  /** Caption of the colour legend. */
  legendCaption: string;
  colormap?: ColormapName;
  /** Target panel size in px (default 224), reached by whole-pixel magnification. */
  panelSize?: number;
  /** Opacity of the overlay where the map is at its largest (default 0.75). */
  overlayOpacity?: number;
  /** Draw the title, notes, captions and legend (default true; false for a plain PNG of the panels). */
  labels?: boolean;
}

/** The map [H, W] over the image (RGBA of the same size): colour with opacity growing with the value. */
export function overlayHeatmap(base: RgbaImage, map: ArrayLike<number>, hi: number, colormap: ColormapName, opacity: number): RgbaImage {
  const rgba = new Uint8Array(base.rgba);
  for (let p = 0; p < base.width * base.height; p++) {
    const t = hi > 0 ? Math.min(1, Math.max(0, map[p] / hi)) : 0;
    const a = opacity * Math.sqrt(t);
    const colour = colormapRgb(colormap, t);
    for (let k = 0; k < 3; k++) rgba[p * 4 + k] = Math.round(base.rgba[p * 4 + k] * (1 - a) + colour[k] * a);
  }
  return { width: base.width, height: base.height, rgba };
}

const MARGIN = 16;
const PANEL_GAP = 24;

/** Input, map and overlay side by side, with the notes above and the map's legend below. */
export function heatmapFigure(image: Tensor, map: Tensor, options: HeatmapFigureOptions): Figure {
  const colormap = options.colormap ?? 'inferno';
  const labels = options.labels ?? true;
  const [height, width] = map.shape;
  let hi = 0;
  for (const v of map.data) hi = Math.max(hi, v);
  const picture = imagePicture(image);
  const scale = Math.max(1, Math.round((options.panelSize ?? 224) / Math.max(width, height)));
  const pw = width * scale;
  const ph = height * scale;
  const figure = emptyFigure(options.title);
  let right = MARGIN + 3 * pw + 2 * PANEL_GAP;
  let y = MARGIN;
  const line = (t: Omit<Parameters<Figure['texts']['push']>[0], 'y'>, height: number) => {
    if (!labels) return;
    figure.texts.push({ ...t, y: y + height - 5 });
    right = Math.max(right, t.x + textWidth(t.text, t.size ?? 12));
    y += height;
  };
  line({ x: MARGIN, text: options.title, size: 16, bold: true }, 24);
  for (const note of options.notes ?? []) line({ x: MARGIN, text: note, size: 13 }, 19);
  if (labels) y += 10;
  const panels: { caption: string; image: RgbaImage }[] = [
    { caption: 'input', image: picture },
    { caption: options.mapTitle, image: colormapImage(map.data, height, width, colormap, 0, hi > 0 ? hi : 1) },
    { caption: 'overlay', image: overlayHeatmap(picture, map.data, hi, colormap, options.overlayOpacity ?? 0.75) },
  ];
  const captionH = labels ? 18 : 0;
  panels.forEach((panel, i) => {
    const x = MARGIN + i * (pw + PANEL_GAP);
    if (labels) figure.texts.push({ x, y: y + 12, text: panel.caption, size: 12, bold: true });
    figure.rasters.push({ x, y: y + captionH, width: pw, height: ph, image: panel.image, title: panel.caption });
    figure.rects.push({ x: x - 1, y: y + captionH - 1, width: pw + 2, height: ph + 2, stroke: '#999999' });
  });
  y += captionH + ph;
  if (labels) {
    y += 14;
    const legendX = MARGIN + pw + PANEL_GAP;
    const barWidth = Math.min(pw, 200);
    y += addLegend(figure, legendX, y, { colormap, lo: 0, hi: hi > 0 ? hi : 1, caption: options.legendCaption, barWidth });
    right = Math.max(right, legendX + legendWidth(options.legendCaption, barWidth));
  }
  figure.width = right + MARGIN;
  figure.height = y + MARGIN;
  return figure;
}
