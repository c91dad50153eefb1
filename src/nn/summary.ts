import { type Shape, sizeOf } from '../tensor/index.js';
import type { Layer } from './layer.js';

const formatCount = (n: number): string => n.toLocaleString('en-US');
const formatTuple = (shape: Shape): string => `(${shape.join(', ')})`;

/** One layer's line of the architecture table, as data (for tables drawn elsewhere, e.g. a web app). */
export interface SummaryRow {
  name: string;
  type: string;
  /** What the table shows after the type: kernel and stride, activation, rate… ('' when nothing). */
  detail: string;
  filters: number | null;
  padding: string | null;
  outputShape: Shape;
  outputSize: number;
  params: number;
  trainableParams: number;
}

export interface SummaryTotals {
  params: number;
  trainable: number;
  nonTrainable: number;
}

/** The rows of the architecture table (one per layer, built layers) and the parameter totals. */
export function summaryRows(layers: readonly Layer[]): { rows: SummaryRow[]; totals: SummaryTotals } {
  const rows = layers.map((layer): SummaryRow => {
    const d = layer.describe();
    const outputShape = layer.outputShape ?? [];
    return {
      name: layer.name,
      type: layer.type,
      detail: d.detail ?? '',
      filters: d.filters ?? null,
      padding: d.padding ?? null,
      outputShape,
      outputSize: sizeOf(outputShape),
      params: layer.parameters().reduce((n, p) => n + p.value.size, 0),
      trainableParams: layer.parameters().filter((p) => p.trainable).reduce((n, p) => n + p.value.size, 0),
    };
  });
  const params = rows.reduce((n, r) => n + r.params, 0);
  const trainable = rows.reduce((n, r) => n + r.trainableParams, 0);
  return { rows, totals: { params, trainable, nonTrainable: params - trainable } };
}

/**
 * The course's architecture table: layer, number of filters, padding, activation shape and
 * activation size — plus the parameters of each layer and the total.
 */
export function formatSummary(modelName: string, inputShape: Shape, layers: readonly Layer[], inboundOf?: (layer: Layer) => string[]): string {
  const header = ['Layer', 'Filters', 'Padding', 'Activation shape', 'Activation size', 'Params'];
  const rows: string[][] = [['Input', '-', '-', formatTuple(inputShape), formatCount(sizeOf(inputShape)), '0']];
  if (inboundOf) {
    // Graph models: one more column naming what feeds each layer.
    header.push('Inputs');
    rows[0].push('-');
  }
  const { rows: layerRows, totals } = summaryRows(layers);
  layerRows.forEach((r, i) => {
    const label = `${r.name} (${r.type}${r.detail ? ` ${r.detail}` : ''})`;
    const row = [label, r.filters !== null ? String(r.filters) : '-', r.padding ?? '-', formatTuple(r.outputShape), formatCount(r.outputSize), formatCount(r.params)];
    if (inboundOf) row.push(inboundOf(layers[i]).join(', '));
    rows.push(row);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = [false, true, false, false, true, true, false];
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [
    `Model: ${modelName}`,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${formatCount(totals.params)}`,
    `Trainable params: ${formatCount(totals.trainable)}`,
    `Non-trainable params: ${formatCount(totals.nonTrainable)}`,
  ].join('\n');
}
