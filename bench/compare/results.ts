/** The results of bench/compare.ts (its JSON file) and their rendering: a text table for stdout, Markdown for bench/RESULTS.md. */
import type { RunnerConfig, SetupInfo } from './protocol.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export type TaskStatus = 'ok' | 'too-slow' | 'cannot-train' | 'unsupported' | 'failed' | 'skipped';

export interface TaskResult {
  status: TaskStatus;
  /** Why a task has no (or only one) measurement. */
  reason?: string;
  unit: 'images/s' | 'GFLOP/s';
  /** Images (or GFLOP) per call. */
  unitsPerCall: number;
  warmupCalls?: number;
  callsPerRepeat?: number;
  /** Median, min and max over the repeats ('too-slow': the single warm-up call). */
  rate?: Spread;
  secondsPerRepeat?: number[];
  /** Training: the loss of the very first step (the same initial weights and batch for every library). */
  firstLoss?: number;
  /** Training: mean loss over the last repeat. */
  lastLoss?: number;
  /** Inference: probabilities of the first image. */
  probe?: number[];
  /** Inference: largest |difference| of `probe` from the reference library's. */
  maxAbsDiff?: number;
}

export interface RunnerResult {
  id: string;
  label: string;
  config: RunnerConfig;
  info?: SetupInfo;
  tasks: Record<string, TaskResult>;
}

export interface SectionResult {
  kind: 'model' | 'gemm';
  /** Zoo model name, or 'gemm'. */
  name: string;
  parameters?: number;
  inputShape?: number[];
  tasks: string[];
  runners: RunnerResult[];
  /** 1-minute load average before and after the section: on 2 cores, above ~1 means something else ran. */
  loadAverage: { before: number; after: number };
  seconds: number;
}

export interface CompareResults {
  benchmark: 'compare';
  date: string;
  quick: boolean;
  machine: Record<string, unknown>;
  settings: {
    repeats: number;
    secondsPerRepeat: number;
    maxCallSeconds: number;
    batchSize: number;
    inferBatch: number;
    trainBatches: number;
    learningRate: number;
    seed: number;
    reference: string;
    data: string;
  };
  /** Runners not run at all, with the reason (missing package, no PyTorch). */
  skipped: { id: string; label: string; reason: string }[];
  sections: SectionResult[];
  wallSeconds: number;
}

// ---------------------------------------------------------------------------------------------

export function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

export function fmtSpread(s: Spread): string {
  return s.samples.length > 1 ? `${fmtNumber(s.median)} (${fmtNumber(s.min)}–${fmtNumber(s.max)})` : fmtNumber(s.median);
}

const STATUS_TEXT: Record<TaskStatus, string> = {
  ok: '',
  'too-slow': 'too slow',
  'cannot-train': 'cannot train',
  unsupported: 'n/a',
  failed: 'failed',
  skipped: 'skipped',
};

/** The cell of a task: "median (min–max)", or its status. */
export function rateCell(t: TaskResult | undefined): string {
  if (!t) return '';
  if ((t.status === 'ok' || t.status === 'too-slow') && t.rate) return fmtSpread(t.rate) + (t.status === 'too-slow' ? ' (1 call)' : '');
  return STATUS_TEXT[t.status];
}

/** reference ÷ this, "how many times faster the reference is". */
export function ratio(reference: TaskResult | undefined, t: TaskResult | undefined): number | null {
  if (!reference?.rate || !t?.rate) return null;
  return reference.rate.median / t.rate.median;
}

export function ratioCell(r: number | null): string {
  if (r === null) return '';
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

function taskTitle(task: string, settings: CompareResults['settings']): string {
  if (task === 'train') return `train b${settings.batchSize} img/s`;
  if (task === 'infer') return `infer b${settings.inferBatch} img/s`;
  return `${task.slice(5)}³ GFLOP/s`;
}

/** Rows of one section: library, then per task the rate and (except for the reference) reference ÷ rate. */
export function sectionRows(section: SectionResult, results: CompareResults): string[][] {
  const ref = section.runners.find((r) => r.id === results.settings.reference);
  const header = ['library'];
  for (const task of section.tasks) header.push(`${taskTitle(task, results.settings)} (min–max)`, `${results.settings.reference} ÷`);
  if (section.kind === 'model') header.push('loss@0', 'max|Δp|');
  const rows = [header];
  for (const r of section.runners) {
    const row = [r.id];
    for (const task of section.tasks) {
      const t = r.tasks[task];
      row.push(rateCell(t), r === ref ? '' : ratioCell(ratio(ref?.tasks[task], t)));
    }
    if (section.kind === 'model') {
      const first = r.tasks.train?.firstLoss;
      const diff = r.tasks.infer?.maxAbsDiff;
      row.push(first !== undefined ? first.toFixed(4) : '', diff !== undefined ? diff.toExponential(1) : '');
    }
    rows.push(row);
  }
  return rows;
}

export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const align = rows[0].map((_, c) => (c === 0 ? '---' : '---:'));
  return [rows[0], align, ...rows.slice(1)].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

export function sectionTitle(section: SectionResult, results: CompareResults): string {
  if (section.kind === 'gemm') return 'GEMM C = A·B, float32, n×n by n×n (GFLOP/s = 2n³ / seconds)';
  const s = results.settings;
  return `${section.name}: ${section.parameters?.toLocaleString('en-US')} parameters, input ${section.inputShape?.join('×')}; train batch ${s.batchSize} (Adam lr ${s.learningRate}), infer batch ${s.inferBatch}`;
}

/** Everything worth saying below a section's table: statuses with reasons, library notes, the load. */
export function sectionNotes(section: SectionResult): string[] {
  const notes: string[] = [];
  for (const r of section.runners) {
    for (const [task, t] of Object.entries(r.tasks)) {
      if (t.status !== 'ok' && t.reason) notes.push(`${r.id} ${task}: ${t.status === 'too-slow' ? 'too slow to repeat' : t.status}: ${t.reason}`);
    }
  }
  notes.push(`1-min load average before/after: ${section.loadAverage.before.toFixed(2)} / ${section.loadAverage.after.toFixed(2)}; ${section.seconds.toFixed(0)} s`);
  return notes;
}

/** Notes of each runner (the same for every section), once. */
export function runnerNotes(results: CompareResults): string[] {
  const seen = new Map<string, string[]>();
  for (const s of results.sections) {
    for (const r of s.runners) {
      if (!r.info) continue;
      const list = seen.get(r.id) ?? [];
      for (const n of r.info.notes) if (!list.includes(n)) list.push(n);
      seen.set(r.id, list);
    }
  }
  const out: string[] = [];
  for (const [id, notes] of seen) for (const n of notes) out.push(`${id}: ${n}`);
  return out;
}

/** Each configuration that ran: what it is, its library versions, and the backend and threads it reported. */
export function runnerDescriptions(results: CompareResults): string[] {
  const seen = new Map<string, string>();
  for (const s of results.sections) {
    for (const r of s.runners) {
      if (!r.info || seen.has(r.id)) continue;
      const i = r.info;
      const versions = Object.entries(i.versions).map(([k, v]) => `${k} ${v}`).join(', ');
      const backend = i.backend ? `backend ${i.backend}, ` : '';
      seen.set(r.id, `${r.id}: ${r.label} — ${versions}; ${backend}${i.threads ?? '?'} thread${i.threads === 1 ? '' : 's'} computing`);
    }
  }
  return [...seen.values()];
}

export function renderText(results: CompareResults): string {
  const out: string[] = ['', 'configurations:', ...runnerDescriptions(results).map((d) => `  ${d}`)];
  for (const section of results.sections) {
    out.push('', sectionTitle(section, results), textTable(sectionRows(section, results)));
    for (const n of sectionNotes(section)) out.push(`  ${n}`);
  }
  if (results.skipped.length) {
    out.push('', 'skipped:');
    for (const s of results.skipped) out.push(`  ${s.id}: ${s.reason}`);
  }
  const notes = runnerNotes(results);
  if (notes.length) {
    out.push('', 'notes:');
    for (const n of notes) out.push(`  ${n}`);
  }
  out.push('', `rates: median over ${results.settings.repeats} interleaved repeats (min–max); "${results.settings.reference} ÷" = how many times faster ${results.settings.reference} is (ratio of medians).`);
  if (results.sections.some((s) => s.kind === 'model')) {
    out.push("loss@0: loss of the first training step (same weights, same batch); max|Δp|: largest difference of the first image's probabilities from fovea-js's (same initial weights).");
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// bench/RESULTS.md

/** The headline: per model and task, Fovea's reference configuration and how many times faster it is than each other library. */
export function headlineRows(results: CompareResults): string[][] {
  const ref = results.settings.reference;
  const others = new Set<string>();
  for (const s of results.sections) if (s.kind === 'model') for (const r of s.runners) if (r.id !== ref) others.add(r.id);
  const header = ['model', 'task', `${ref} img/s`, ...[...others].map((id) => `÷ ${id}`)];
  const rows = [header];
  for (const s of results.sections) {
    if (s.kind !== 'model') continue;
    const refRunner = s.runners.find((r) => r.id === ref);
    for (const task of s.tasks) {
      const row = [s.name, task === 'train' ? `train b${results.settings.batchSize}` : `infer b${results.settings.inferBatch}`, refRunner?.tasks[task]?.rate ? fmtNumber(refRunner.tasks[task].rate!.median) : ''];
      for (const id of others) {
        const r = s.runners.find((x) => x.id === id);
        const t = r?.tasks[task];
        const q = ratio(refRunner?.tasks[task], t);
        row.push(q !== null ? ratioCell(q) : t ? rateCell(t) : '');
      }
      rows.push(row);
    }
  }
  return rows;
}

export function renderMarkdown(results: CompareResults): string {
  const m = results.machine as Record<string, unknown>;
  const s = results.settings;
  const lines: string[] = [];
  lines.push('# Benchmark results: Fovea vs other libraries');
  lines.push('');
  lines.push(`Generated by \`node dist/bench/compare.js\` on ${results.date.slice(0, 10)} (${results.wallSeconds.toFixed(0)} s). Reproduce: see bench/README.md.`);
  if (results.quick) lines.push('', '> **Smoke run (`--quick`)**: 2 short repeats; the numbers are not measurements to quote.');
  lines.push('');
  lines.push('## Machine and versions');
  lines.push('');
  for (const [k, v] of Object.entries(m)) lines.push(`- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  lines.push('');
  lines.push('Configurations (each in its own process):');
  lines.push('');
  for (const d of runnerDescriptions(results)) lines.push(`- ${d}`);
  lines.push('');
  lines.push('## Settings');
  lines.push('');
  lines.push(`- ${s.repeats} timed repeats per library and task, interleaved (every library runs once per repeat, in a rotating order), each repeat about ${s.secondsPerRepeat} s; after a warm-up. Medians, with min–max.`);
  lines.push(`- Training: batch ${s.batchSize}, Adam (lr ${s.learningRate}, β 0.9/0.999, ε 1e-7), softmax cross-entropy from the logits, ${s.trainBatches} fixed batches cycled. Inference: batch ${s.inferBatch}, class probabilities read back.`);
  lines.push(`- Data: ${s.data}. Every library starts from Fovea's initial weights (seed ${s.seed}), converted to its layout.`);
  lines.push(`- A call slower than ${s.maxCallSeconds} s is measured once, not repeated ("(1 call)").`);
  lines.push(`- Ratios: \`${s.reference} ÷ X\` = how many times faster ${s.reference} is than X (ratio of medians; above 1 means Fovea is faster).`);
  lines.push('');
  lines.push('## Headline');
  lines.push('');
  lines.push(markdownTable(headlineRows(results)));
  for (const section of results.sections) {
    lines.push('');
    lines.push(`## ${section.kind === 'gemm' ? 'GEMM' : section.name}`);
    lines.push('');
    lines.push(sectionTitle(section, results) + '.');
    lines.push('');
    lines.push(markdownTable(sectionRows(section, results)));
    lines.push('');
    for (const n of sectionNotes(section)) lines.push(`- ${n}`);
  }
  if (results.skipped.length) {
    lines.push('', '## Skipped', '');
    for (const sk of results.skipped) lines.push(`- ${sk.id} (${sk.label}): ${sk.reason}`);
  }
  const notes = runnerNotes(results);
  if (notes.length) {
    lines.push('', '## Notes on the libraries', '');
    for (const n of notes) lines.push(`- ${n}`);
  }
  lines.push('');
  lines.push('`loss@0` is the loss of the first training step: with the same weights and batch the libraries must agree (up to dropout, which each draws itself). `max|Δp|` is the largest difference of the first test image\'s class probabilities from `fovea-js`: it checks that every library runs the same network.');
  lines.push('');
  return lines.join('\n');
}
