import type { Tensor } from '../tensor/index.js';

/** Index of the largest value in each row of a [rows, cols] tensor. */
export function argmaxRows(x: Tensor): Int32Array {
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (x.data[r * cols + c] > x.data[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

export function countCorrect(predicted: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct;
}

/**
 * How many rows have their label among their k highest scores (top-k accuracy × rows). Ties
 * rank the lower class index first, as topK() does.
 */
export function countTopK(scores: Tensor, labels: Int32Array, k: number): number {
  const cols = scores.shape[scores.rank - 1];
  const d = scores.data;
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    const base = r * cols;
    const label = labels[r];
    const s = d[base + label];
    let rank = 0;
    for (let c = 0; c < cols && rank < k; c++) if (d[base + c] > s || (d[base + c] === s && c < label)) rank++;
    if (rank < k) correct++;
  }
  return correct;
}

/** matrix[true][predicted] counts. */
export class ConfusionMatrix {
  readonly counts: number[][];
  constructor(readonly numClasses: number) {
    this.counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  }
  add(labels: Int32Array, predicted: Int32Array): void {
    for (let i = 0; i < labels.length; i++) this.counts[labels[i]][predicted[i]]++;
  }
  total(): number {
    return this.counts.reduce((n, row) => n + row.reduce((a, b) => a + b, 0), 0);
  }
  accuracy(): number {
    const total = this.total();
    let correct = 0;
    for (let c = 0; c < this.numClasses; c++) correct += this.counts[c][c];
    return total === 0 ? 0 : correct / total;
  }
  /** Recall per true class (NaN for a class with no examples). */
  perClassAccuracy(): number[] {
    return this.counts.map((row, c) => {
      const n = row.reduce((a, b) => a + b, 0);
      return n === 0 ? NaN : row[c] / n;
    });
  }
}

export interface TopKEntry {
  classIndex: number;
  className: string;
  probability: number;
}

/** The k most probable classes of one row of probabilities. */
export function topK(probabilities: ArrayLike<number>, k: number, classNames: readonly string[] | null): TopKEntry[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i).sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order.slice(0, Math.max(0, Math.min(k, order.length))).map((i) => ({ classIndex: i, className: classNames?.[i] ?? String(i), probability: probabilities[i] }));
}
