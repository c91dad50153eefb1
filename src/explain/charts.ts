/**
 * Charts (line charts, heat maps) as SVG, drawn by Vega-Lite: a chart is a Vega-Lite spec with its
 * data inlined, compiled to Vega by `vega-lite` and rendered headless by `vega`'s `View.toSVG()`
 * (no DOM, no canvas, no native code; works the same in Node and the browser). Vega draws PNG only
 * through the native `canvas` package, which Fovea does not install, so charts are SVG only.
 *
 * Both libraries are imported on first use: they take about 0.4 s to load, which commands that
 * draw no chart should not pay.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ArgumentError } from '../errors.js';

export type ChartSpec = TopLevelSpec;

export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** One look for every chart: readable sizes, light grid, titles on the left. */
export const CHART_CONFIG = {
  font: CHART_FONT,
  background: '#ffffff',
  padding: 12,
  title: { fontSize: 15, fontWeight: 'bold', anchor: 'start', offset: 10, subtitleFontSize: 12, subtitleColor: '#444444' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6', domainColor: '#888888', tickColor: '#888888' },
  legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', symbolSize: 90, symbolStrokeWidth: 2.5 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  view: { stroke: '#cccccc' },
  line: { strokeWidth: 2 },
  point: { size: 30, filled: true },
  concat: { spacing: 28 },
} as const;

/** Ten colours that stay apart for colour-blind readers (Tableau 10). */
export const SERIES_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** The chart as an SVG document. */
export async function chartToSvg(spec: ChartSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const compiled = vegaLite.compile(withConfig).spec;
  // Every chart carries its data; a spec that names a URL is refused rather than fetched.
  const loader = vega.loader();
  loader.load = async (uri: string) => {
    throw new ArgumentError(`charts draw inline data only; the chart asked to load '${uri}'`);
  };
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A point of a series. */
export interface ChartPoint {
  x: number;
  y: number;
}

/** One line of a line chart, named in the legend. */
export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
}

export interface LineChartPanel {
  title: string;
  xTitle: string;
  yTitle: string;
  series: readonly ChartSeries[];
  /** y from..to (default: fitted to the data). */
  yDomain?: [number, number];
  /** d3-format of the y values, e.g. '.0%' (default: plain numbers). */
  yFormat?: string;
  /** d3-format of the x values (e.g. 'd' for whole epochs). */
  xFormat?: string;
  /** Whole-number ticks only on x (epochs). */
  xIntegers?: boolean;
  /** A dashed vertical line at this x (e.g. the untransformed image), with its label. */
  rule?: { x: number; label: string };
}

export interface LineChartOptions {
  title: string;
  subtitle?: string | string[];
  /** The legend's title (default 'series'). */
  legendTitle?: string;
  /** Panels per row (default 3; 2 for 4 panels). */
  columns?: number;
  /** Size of each panel's plot area in px (default 260 × 190). */
  width?: number;
  height?: number;
}

/** The series names in order of first appearance over all panels (the legend's order and colours). */
function seriesNames(panels: readonly LineChartPanel[]): string[] {
  const names: string[] = [];
  for (const panel of panels) for (const s of panel.series) if (!names.includes(s.name)) names.push(s.name);
  return names;
}

/**
 * One or more line charts sharing a legend: one panel per quantity (its own x axis), one line per
 * series, each series the same colour in every panel.
 */
export function lineChartSpec(panels: readonly LineChartPanel[], options: LineChartOptions): ChartSpec {
  if (panels.length === 0) throw new ArgumentError(`chart '${options.title}' has no panels`);
  const names = seriesNames(panels);
  const legendTitle = options.legendTitle ?? 'series';
  const colour = {
    field: 'series',
    type: 'nominal',
    title: legendTitle,
    sort: names,
    scale: { domain: names, range: names.map((_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length]) },
    legend: { orient: 'top', direction: 'horizontal', columns: Math.min(names.length, 4), labelLimit: 320 },
  };
  const width = options.width ?? 260;
  const height = options.height ?? 190;
  const views = panels.map((panel) => {
    const values = panel.series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y })));
    const x = {
      field: 'x',
      type: 'quantitative',
      title: panel.xTitle,
      scale: { zero: false, nice: false, padding: 8 },
      axis: { ...(panel.xFormat ? { format: panel.xFormat } : {}), ...(panel.xIntegers ? { tickMinStep: 1 } : {}) },
    };
    const y = {
      field: 'y',
      type: 'quantitative',
      title: panel.yTitle,
      scale: panel.yDomain ? { domain: panel.yDomain, zero: false } : { zero: false },
      axis: panel.yFormat ? { format: panel.yFormat } : {},
    };
    const layers: object[] = [];
    if (panel.rule) {
      layers.push({
        data: { values: [{ x: panel.rule.x, label: panel.rule.label }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#999999' },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      });
    }
    layers.push({
      mark: { type: 'line', point: true },
      encoding: {
        x,
        y,
        color: colour,
        tooltip: [
          { field: 'series', type: 'nominal', title: legendTitle },
          { field: 'x', type: 'quantitative', title: panel.xTitle },
          { field: 'y', type: 'quantitative', title: panel.yTitle, ...(panel.yFormat ? { format: panel.yFormat } : {}) },
        ],
      },
    });
    return { title: { text: panel.title, fontSize: 13 }, width, height, data: { values }, layer: layers };
  });
  const title = { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}) };
  if (views.length === 1) return { ...views[0], title } as unknown as ChartSpec;
  // Default: rows of 3 (4 panels: 2 × 2).
  const columns = Math.min(options.columns ?? (views.length === 4 ? 2 : 3), views.length);
  return { title, columns, concat: views, resolve: { scale: { color: 'shared' } } } as unknown as ChartSpec;
}

export interface HeatmapChartOptions {
  title: string;
  subtitle?: string | string[];
  /** Row labels (top to bottom) and column labels (left to right). */
  rows: readonly string[];
  columns: readonly string[];
  rowTitle: string;
  columnTitle: string;
  /** The number written in each cell. */
  counts: readonly (readonly number[])[];
  /** What colours each cell, in [0, 1] (default: the counts over the largest count). */
  shades?: readonly (readonly number[])[];
  /** The colour legend's title. */
  shadeTitle: string;
  /** Side of a cell in px (default 34). */
  cellSize?: number;
}

/**
 * A grid of counts (a confusion matrix): each cell coloured by its shade on a square-root scale
 * (so that small shares still show), its count written on it (white on dark cells), zeros left blank.
 */
export function heatmapChartSpec(options: HeatmapChartOptions): ChartSpec {
  const { rows, columns, counts } = options;
  if (counts.length !== rows.length || counts.some((r) => r.length !== columns.length)) {
    throw new ArgumentError(`heat map '${options.title}' needs ${rows.length}×${columns.length} counts`);
  }
  const largest = Math.max(1, ...counts.flat());
  const values = counts.flatMap((row, r) =>
    row.map((count, c) => ({ row: rows[r], column: columns[c], count, shade: options.shades ? options.shades[r][c] : count / largest, label: count === 0 ? '' : String(count) })),
  );
  const cell = options.cellSize ?? 34;
  const x = { field: 'column', type: 'ordinal', title: options.columnTitle, sort: [...columns], axis: { orient: 'top', labelAngle: 0, labelLimit: 90 } };
  const y = { field: 'row', type: 'ordinal', title: options.rowTitle, sort: [...rows], axis: { labelLimit: 140 } };
  return {
    title: { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    data: { values },
    width: cell * columns.length,
    height: cell * rows.length,
    encoding: { x, y },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 1 },
        encoding: {
          color: {
            // Empty cells white; the rest from light to dark blue on a square-root scale.
            condition: { test: 'datum.count === 0', value: '#ffffff' },
            field: 'shade',
            type: 'quantitative',
            title: options.shadeTitle,
            scale: { type: 'sqrt', scheme: 'blues', domain: [0, 1] },
            legend: { format: '.0%', gradientLength: Math.max(120, cell * rows.length * 0.6), titleLimit: 260 },
          },
          tooltip: [
            { field: 'row', type: 'ordinal', title: options.rowTitle },
            { field: 'column', type: 'ordinal', title: options.columnTitle },
            { field: 'count', type: 'quantitative', title: 'count' },
            { field: 'shade', type: 'quantitative', title: options.shadeTitle, format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: Math.max(9, Math.min(12, cell / 3)) },
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: 'datum.shade > 0.45', value: '#ffffff' }, value: '#1a1a1a' },
        },
      },
    ],
  } as unknown as ChartSpec;
}
