/**
 * Colour maps for pictures of weights, activations and heat maps: a value t in [0, 1] becomes an
 * RGB colour. Stops are sampled from ColorBrewer's RdBu (diverging) and matplotlib's inferno
 * (sequential, perceptually uniform); grey is plain black to white.
 */
import { UnknownNameError } from '../errors.js';

export type ColormapName = 'diverging' | 'inferno' | 'grey';
export const colormapNames: readonly ColormapName[] = ['diverging', 'inferno', 'grey'];

type Rgb = readonly [number, number, number];

function hex(code: string): Rgb {
  const n = Number.parseInt(code.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** RdBu reversed: dark blue (most negative) through white (zero) to dark red (most positive). */
const DIVERGING = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'].map(hex);
const INFERNO = ['#000004', '#1f0c48', '#550f6d', '#88226a', '#ba3655', '#e35933', '#f98e09', '#f8c932', '#fcffa4'].map(hex);
const GREY: Rgb[] = [
  [0, 0, 0],
  [255, 255, 255],
];

const stops: Record<ColormapName, readonly Rgb[]> = { diverging: DIVERGING, inferno: INFERNO, grey: GREY };

export function checkColormap(name: string): ColormapName {
  if (!(colormapNames as readonly string[]).includes(name)) throw new UnknownNameError('colour map', name, colormapNames);
  return name as ColormapName;
}

/** The colour of t ∈ [0, 1] (clipped; NaN draws as the lowest colour) as three bytes. */
export function colormapRgb(name: ColormapName, t: number): [number, number, number] {
  const table = stops[name];
  const clipped = t > 0 ? (t < 1 ? t : 1) : 0;
  const pos = clipped * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = table[i];
  const b = table[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** The colour of t as a CSS colour (`#rrggbb`). */
export function colormapCss(name: ColormapName, t: number): string {
  return `#${colormapRgb(name, t)
    .map((v) => v.toString(16).padStart(2, '0'))
    .join('')}`;
}
