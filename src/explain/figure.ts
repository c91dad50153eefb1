/**
 * A figure: raster pictures (tiles, heat maps, colour bars) placed on a white page with text
 * labels and frames. One layout gives two files: an SVG with everything (the rasters embedded as
 * base64 PNG `<image>` elements drawn pixelated, the labels as `<text>`), and a PNG of the same
 * page without the text, since PNG has no text renderer here.
 */
import { ArgumentError } from '../errors.js';
import type { RgbaImage } from '../data/augment/grid.js';
import { getPlatform } from '../platform/platform.js';
import { type ColormapName, colormapRgb } from './colormap.js';

export type { RgbaImage } from '../data/augment/grid.js';

/** A picture drawn into the rectangle (x, y, width, height), each source pixel a block. */
export interface FigureRaster {
  x: number;
  y: number;
  width: number;
  height: number;
  image: RgbaImage;
  /** Tooltip in the SVG. */
  title?: string;
}

export interface FigureText {
  x: number;
  y: number;
  text: string;
  /** Font size in px (default 12). */
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  bold?: boolean;
  fill?: string;
}

export interface FigureRect {
  x: number;
  y: number;
  width: number;
  height: number;
  fill?: string;
  stroke?: string;
}

export interface Figure {
  width: number;
  height: number;
  /** The SVG's <title>. */
  title: string;
  rasters: FigureRaster[];
  texts: FigureText[];
  rects: FigureRect[];
}

export function emptyFigure(title: string): Figure {
  return { width: 0, height: 0, title, rasters: [], texts: [], rects: [] };
}

/** Rough width of `text` in a sans-serif font of `size` px (for layout only). */
export function textWidth(text: string, size = 12): number {
  return Math.ceil(text.length * size * 0.6);
}

/**
 * An h×w picture of `values` (row-major, starting at `offset`, every `stride`-th value) through a
 * colour map: `lo` maps to the map's start, `hi` to its end.
 */
export function colormapImage(values: ArrayLike<number>, height: number, width: number, colormap: ColormapName, lo: number, hi: number, offset = 0, stride = 1): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  const span = hi - lo;
  for (let p = 0; p < width * height; p++) {
    const v = values[offset + p * stride];
    const [r, g, b] = colormapRgb(colormap, span > 0 ? (v - lo) / span : 0.5);
    rgba[p * 4] = r;
    rgba[p * 4 + 1] = g;
    rgba[p * 4 + 2] = b;
    rgba[p * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/** A horizontal colour bar, `length` pixels from the map's start to its end, one pixel tall. */
export function colourBar(colormap: ColormapName, length = 128): RgbaImage {
  const values = Array.from({ length }, (_, i) => i / (length - 1));
  return colormapImage(values, 1, length, colormap, 0, 1);
}

/** A value for a legend: short, without trailing noise (0.0123, 1.23e-5, 12.3). */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return Number(v.toPrecision(3)).toString();
}

/**
 * Adds a colour legend at (x, y): a caption, the bar (`barWidth` × 10 px), and the values at its
 * ends (and at its middle when `middle` is given). Returns the legend's height.
 */
export function addLegend(figure: Figure, x: number, y: number, legend: { colormap: ColormapName; lo: number; hi: number; middle?: number; caption: string; barWidth?: number }): number {
  const barWidth = legend.barWidth ?? 128;
  figure.texts.push({ x, y: y + 11, text: legend.caption, size: 11 });
  figure.rasters.push({ x, y: y + 16, width: barWidth, height: 10, image: colourBar(legend.colormap, barWidth) });
  figure.rects.push({ x: x - 0.5, y: y + 15.5, width: barWidth + 1, height: 11, stroke: '#888' });
  const ty = y + 39;
  figure.texts.push({ x, y: ty, text: formatValue(legend.lo), size: 11, anchor: 'start' });
  if (legend.middle !== undefined) figure.texts.push({ x: x + barWidth / 2, y: ty, text: formatValue(legend.middle), size: 11, anchor: 'middle' });
  figure.texts.push({ x: x + barWidth, y: ty, text: formatValue(legend.hi), size: 11, anchor: 'end' });
  return 42;
}

/** Legend width needed for `caption` and the bar. */
export function legendWidth(caption: string, barWidth = 128): number {
  return Math.max(barWidth, textWidth(caption, 11));
}

// ---- PNG: the page without text ----

function parseCss(colour: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!m) return [0, 0, 0];
  const n = Number.parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The figure as RGBA pixels: white page, rasters (nearest-neighbour scaled), frames; no text. */
export function figureToRgba(figure: Figure): RgbaImage {
  const width = Math.ceil(figure.width);
  const height = Math.ceil(figure.height);
  if (width < 1 || height < 1) throw new ArgumentError(`figure '${figure.title}' is empty (${width}×${height})`);
  const rgba = new Uint8Array(width * height * 4).fill(255);
  const fillRect = (x0: number, y0: number, x1: number, y1: number, rgb: [number, number, number]) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) rgba.set(rgb, (y * width + x) * 4);
    }
  };
  for (const rect of figure.rects) {
    const x0 = Math.round(rect.x);
    const y0 = Math.round(rect.y);
    const x1 = Math.round(rect.x + rect.width);
    const y1 = Math.round(rect.y + rect.height);
    if (rect.fill && rect.fill !== 'none') fillRect(x0, y0, x1, y1, parseCss(rect.fill));
    if (rect.stroke) {
      const c = parseCss(rect.stroke);
      fillRect(x0, y0, x1, y0 + 1, c);
      fillRect(x0, y1 - 1, x1, y1, c);
      fillRect(x0, y0, x0 + 1, y1, c);
      fillRect(x1 - 1, y0, x1, y1, c);
    }
  }
  for (const r of figure.rasters) {
    const x0 = Math.round(r.x);
    const y0 = Math.round(r.y);
    const w = Math.round(r.width);
    const h = Math.round(r.height);
    for (let y = 0; y < h; y++) {
      const py = y0 + y;
      if (py < 0 || py >= height) continue;
      const sy = Math.min(r.image.height - 1, Math.floor((y * r.image.height) / h));
      for (let x = 0; x < w; x++) {
        const px = x0 + x;
        if (px < 0 || px >= width) continue;
        const sx = Math.min(r.image.width - 1, Math.floor((x * r.image.width) / w));
        const s = (sy * r.image.width + sx) * 4;
        const d = (py * width + px) * 4;
        const alpha = r.image.rgba[s + 3] / 255;
        for (let k = 0; k < 3; k++) rgba[d + k] = Math.round(r.image.rgba[s + k] * alpha + rgba[d + k] * (1 - alpha));
      }
    }
  }
  return { width, height, rgba };
}

// ---- SVG: everything ----

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[(n >> 18) & 63] + BASE64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? BASE64[n & 63] : '=';
  }
  return out;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (v: number): string => String(Math.round(v * 100) / 100);

export type PngEncoder = (rgba: Uint8Array, width: number, height: number) => Promise<Uint8Array>;

/** The figure as an SVG document; rasters are PNG-encoded with `encodePng` (default: the platform's). */
export async function figureToSvg(figure: Figure, encodePng?: PngEncoder): Promise<string> {
  const encode = encodePng ?? ((rgba, w, h) => getPlatform().encodePng(rgba, w, h));
  const width = Math.ceil(figure.width);
  const height = Math.ceil(figure.height);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(figure.title)}</title>`,
    '<style>image { image-rendering: pixelated; }</style>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (const r of figure.rects) {
    lines.push(`<rect x="${num(r.x)}" y="${num(r.y)}" width="${num(r.width)}" height="${num(r.height)}" fill="${r.fill ?? 'none'}"${r.stroke ? ` stroke="${r.stroke}"` : ''}/>`);
  }
  for (const r of figure.rasters) {
    const png = await encode(r.image.rgba, r.image.width, r.image.height);
    const title = r.title ? `<title>${escapeXml(r.title)}</title>` : '';
    const attrs = `x="${num(r.x)}" y="${num(r.y)}" width="${num(r.width)}" height="${num(r.height)}" preserveAspectRatio="none"`;
    lines.push(`<image ${attrs} xlink:href="data:image/png;base64,${toBase64(png)}">${title}</image>`);
  }
  for (const t of figure.texts) {
    const anchor = t.anchor && t.anchor !== 'start' ? ` text-anchor="${t.anchor}"` : '';
    const weight = t.bold ? ' font-weight="bold"' : '';
    const fill = t.fill ? ` fill="${t.fill}"` : '';
    lines.push(`<text x="${num(t.x)}" y="${num(t.y)}" font-size="${t.size ?? 12}"${anchor}${weight}${fill}>${escapeXml(t.text)}</text>`);
  }
  lines.push('</svg>');
  return `${lines.join('\n')}\n`;
}

/** 'svg' or 'png' from a file name's extension; anything else is refused. */
export function pictureFormat(file: string): 'svg' | 'png' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.svg')) return 'svg';
  if (lower.endsWith('.png')) return 'png';
  throw new ArgumentError(`--out must end in .svg (annotated picture) or .png (the same picture without text), got '${file}'`);
}

/** The figure's file bytes in `format`. */
export async function encodeFigure(figure: Figure, format: 'svg' | 'png', encodePng?: PngEncoder): Promise<Uint8Array | string> {
  if (format === 'svg') return figureToSvg(figure, encodePng);
  const picture = figureToRgba(figure);
  const encode = encodePng ?? ((rgba, w, h) => getPlatform().encodePng(rgba, w, h));
  return encode(picture.rgba, picture.width, picture.height);
}
