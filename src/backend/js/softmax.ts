import type { TensorData } from '../../tensor/index.js';

type Alloc = (size: number) => TensorData;

/** Row-wise log-softmax, shifted by the row maximum for stability. */
export function logSoftmax(x: TensorData, rows: number, cols: number, alloc: Alloc): TensorData {
  const y = alloc(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[o + c] > max) max = x[o + c];
    let total = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(x[o + c] - max);
    const logTotal = Math.log(total) + max;
    for (let c = 0; c < cols; c++) y[o + c] = x[o + c] - logTotal;
  }
  return y;
}

export function softmax(x: TensorData, rows: number, cols: number, alloc: Alloc): TensorData {
  const y = logSoftmax(x, rows, cols, alloc);
  for (let i = 0; i < y.length; i++) y[i] = Math.exp(y[i]);
  return y;
}

export function softmaxCrossEntropy(logits: TensorData, labels: Int32Array, rows: number, cols: number, alloc: Alloc): { losses: TensorData; probs: TensorData } {
  const logProbs = logSoftmax(logits, rows, cols, alloc);
  const losses = alloc(rows);
  for (let r = 0; r < rows; r++) losses[r] = -logProbs[r * cols + labels[r]];
  for (let i = 0; i < logProbs.length; i++) logProbs[i] = Math.exp(logProbs[i]);
  return { losses, probs: logProbs };
}
