/**
 * A self-contained HTML page: sections of text, tables, inline SVG (charts and figures) and
 * images as `data:` URIs. No scripts, no stylesheets or fonts from elsewhere: the file opens the
 * same offline, attached to an e-mail, or years later.
 */
import { escapeXml, toBase64 } from './figure.js';
import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';

export interface ReportSection {
  /** The anchor (`#id`) and the `data-section` attribute tests look for. */
  id: string;
  title: string;
  /** Paragraphs of plain text under the title. */
  intro?: string[];
  /** The section's body, already HTML (inline SVG, tables, figures). */
  html: string;
}

export interface ReportPage {
  title: string;
  /** Lines of plain text under the title (model, dataset, date). */
  notes?: string[];
  sections: readonly ReportSection[];
}

export function escapeHtml(text: string): string {
  return escapeXml(text).replace(/'/g, '&#39;');
}

/** PNG bytes as a `data:` URI. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${toBase64(png)}`;
}

/** An SVG document as markup to place inside HTML (the XML declaration and doctype dropped). */
export function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/^<!DOCTYPE[^>]*>\s*/i, '').trim();
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 0; color: #1a1a1a; background: #f6f6f4; line-height: 1.45; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 0 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.notes { color: #444; margin: 2px 0; }
nav { margin: 14px 0 8px; font-size: 14px; }
nav a { margin-right: 14px; color: #2a5d9f; text-decoration: none; white-space: nowrap; }
section { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 16px 20px; margin: 18px 0; }
section > p { margin: 4px 0 10px; color: #333; max-width: 100ch; }
.figure { overflow-x: auto; margin: 8px 0; }
.figure svg { max-width: 100%; height: auto; display: block; }
.row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: left; }
th { background: #f2f2f2; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid #ccc; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(112px, 1fr)); gap: 12px; max-width: 1100px; }
.gallery figure { margin: 0; text-align: center; font-size: 12px; }
.gallery img { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #999; background: #000; }
.gallery figcaption b { display: block; }
.gallery figcaption span { color: #555; }
.missing { border: 2px dashed #c9a227; background: #fffbea; padding: 10px 14px; color: #5c4a00; }
`;

/** The whole page. */
export function reportHtml(page: ReportPage): string {
  const nav = page.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('\n');
  const sections = page.sections.map(
    (s) =>
      `<section id="${escapeHtml(s.id)}" data-section="${escapeHtml(s.id)}">\n<h2>${escapeHtml(s.title)}</h2>\n${(s.intro ?? []).map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}\n${s.html}\n</section>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(page.title)}</h1>`,
    ...(page.notes ?? []).map((n) => `<p class="notes">${escapeHtml(n)}</p>`),
    `<nav>${nav}</nav>`,
    '</header>',
    '<main>',
    ...sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A block holding one SVG (chart or figure), with an optional heading. */
export function figureBlock(svg: string, heading?: string): string {
  return `${heading ? `<h3>${escapeHtml(heading)}</h3>\n` : ''}<div class="figure">${inlineSvg(svg)}</div>`;
}

/** A table: header cells, rows of cells (plain text), and which columns are numbers. */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[], options: { numeric?: readonly boolean[]; totalRows?: number } = {}): string {
  const numeric = options.numeric ?? [];
  const cls = (i: number) => (numeric[i] ? ' class="num"' : '');
  const head = header.some((h) => h !== '') ? `<thead><tr>${header.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n` : '';
  const totalFrom = rows.length - (options.totalRows ?? 0);
  const body = rows.map((r, k) => `<tr${k >= totalFrom ? ' class="total"' : ''}>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}<tbody>\n${body}\n</tbody>\n</table>`;
}

const count = (n: number): string => n.toLocaleString('en-US');
const tuple = (shape: readonly number[]): string => `(${shape.join(', ')})`;

/**
 * The course's architecture table (as `fovea summary` prints it) as HTML: each layer with its
 * filters, padding, activation shape and size, and parameters; graph models add what feeds each layer.
 */
export function summaryTableHtml(model: Network): string {
  const inbound = (model as unknown as { inboundNames?: (layer: Layer) => string[] }).inboundNames?.bind(model);
  const header = ['Layer', 'Type', 'Filters', 'Padding', 'Activation shape', 'Activation size', 'Params'];
  if (inbound) header.push('Inputs');
  const input = model.inputShape ?? [];
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const rows: string[][] = [['input', 'Input', '-', '-', tuple(input), count(size(input)), '0', ...(inbound ? ['-'] : [])]];
  let total = 0;
  let trainable = 0;
  for (const layer of model.layers) {
    const d = layer.describe();
    const params = layer.parameters().reduce((n, p) => n + p.value.size, 0);
    total += params;
    trainable += layer.parameters().filter((p) => p.trainable).reduce((n, p) => n + p.value.size, 0);
    const shape = layer.outputShape ?? [];
    rows.push([
      layer.name,
      `${layer.type}${d.detail ? ` ${d.detail}` : ''}`,
      d.filters !== undefined ? String(d.filters) : '-',
      d.padding ?? '-',
      tuple(shape),
      count(size(shape)),
      count(params),
      ...(inbound ? [inbound(layer).join(', ')] : []),
    ]);
  }
  const blank = header.map(() => '');
  const totalRow = [...blank];
  totalRow[0] = 'Total params';
  totalRow[6] = count(total);
  const trainableRow = [...blank];
  trainableRow[0] = 'Trainable params';
  trainableRow[6] = count(trainable);
  return htmlTable(header, [...rows, totalRow, trainableRow], { numeric: [false, false, true, false, false, true, true, false], totalRows: 2 });
}

/** An image gallery: each picture (a PNG) with a bold first caption line and a grey second one. */
export function galleryHtml(items: readonly { png: Uint8Array; alt: string; caption: string; detail?: string }[]): string {
  const figures = items.map(
    (it) =>
      `<figure><img src="${pngDataUri(it.png)}" alt="${escapeHtml(it.alt)}" title="${escapeHtml(it.alt)}"><figcaption><b>${escapeHtml(it.caption)}</b>${it.detail ? `<span>${escapeHtml(it.detail)}</span>` : ''}</figcaption></figure>`,
  );
  return `<div class="gallery">\n${figures.join('\n')}\n</div>`;
}

/** A clearly marked note where a part of the report could not be drawn. */
export function missingHtml(text: string): string {
  return `<div class="missing">${escapeHtml(text)}</div>`;
}
