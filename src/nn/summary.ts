import { type Shape, sizeOf } from '../tensor/index.js';
import type { Layer } from './layer.js';

const formatCount = (n: number): string => n.toLocaleString('en-US');
const formatTuple = (shape: Shape): string => `(${shape.join(', ')})`;

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
  let total = 0;
  let trainable = 0;
  for (const layer of layers) {
    const d = layer.describe();
    const params = layer.parameters().reduce((n, p) => n + p.value.size, 0);
    total += params;
    trainable += layer.parameters().filter((p) => p.trainable).reduce((n, p) => n + p.value.size, 0);
    const label = `${layer.name} (${layer.type}${d.detail ? ` ${d.detail}` : ''})`;
    const shape = layer.outputShape ?? [];
    const row = [label, d.filters !== undefined ? String(d.filters) : '-', d.padding ?? '-', formatTuple(shape), formatCount(sizeOf(shape)), formatCount(params)];
    if (inboundOf) row.push(inboundOf(layer).join(', '));
    rows.push(row);
  }
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
    `Total params: ${formatCount(total)}`,
    `Trainable params: ${formatCount(trainable)}`,
    `Non-trainable params: ${formatCount(total - trainable)}`,
  ].join('\n');
}
