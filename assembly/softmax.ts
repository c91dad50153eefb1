// Row-wise softmax kernels over rows [rowStart, rowEnd) of a [rows, cols] matrix, the same f64
// arithmetic as src/backend/js/softmax.ts (row maximum for stability, f64 sum of exponentials,
// rounding to f32 on store). exp and log are AssemblyScript's f64 Math (musl), V8 uses fdlibm:
// after rounding to f32 the results almost always agree bit for bit.

import { at } from './util';

// @ts-ignore: decorator
@inline function f32At(base: usize, i: i32): f32 {
  return load<f32>(at(base, i));
}

/** log Σ exp over one row, shifted by the row maximum (f32 comparisons skip NaN, as in JS). */
// @ts-ignore: decorator
@inline function logTotal(row: usize, cols: i32): f64 {
  let max: f32 = -Infinity;
  for (let c = 0; c < cols; c++) {
    const v = f32At(row, c);
    if (v > max) max = v;
  }
  const m = <f64>max;
  let total: f64 = 0;
  for (let c = 0; c < cols; c++) total += Math.exp(<f64>f32At(row, c) - m);
  return Math.log(total) + m;
}

/** y = x − log Σ exp x, per row. */
export function logSoftmax(x: usize, y: usize, cols: i32, rowStart: i32, rowEnd: i32): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const xr = at(x, r * cols);
    const yr = at(y, r * cols);
    const lt = logTotal(xr, cols);
    for (let c = 0; c < cols; c++) store<f32>(at(yr, c), <f32>(<f64>f32At(xr, c) - lt));
  }
}

/** y = exp(logSoftmax(x)), the exponent taken of the f32-rounded log-probability as in JS. */
export function softmax(x: usize, y: usize, cols: i32, rowStart: i32, rowEnd: i32): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const xr = at(x, r * cols);
    const yr = at(y, r * cols);
    const lt = logTotal(xr, cols);
    for (let c = 0; c < cols; c++) {
      const logP = <f32>(<f64>f32At(xr, c) - lt);
      store<f32>(at(yr, c), <f32>Math.exp(<f64>logP));
    }
  }
}

/**
 * losses[r] = −log softmax(logits)[r, labels[r]] and probs = softmax(logits), rows
 * [rowStart, rowEnd). labels points to i32s. A label outside [0, cols) gives a NaN loss.
 */
export function softmaxCrossEntropy(logits: usize, labels: usize, losses: usize, probs: usize, cols: i32, rowStart: i32, rowEnd: i32): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const xr = at(logits, r * cols);
    const pr = at(probs, r * cols);
    const lt = logTotal(xr, cols);
    const label = load<i32>(at(labels, r));
    let loss: f32 = NaN;
    for (let c = 0; c < cols; c++) {
      const logP = <f32>(<f64>f32At(xr, c) - lt);
      if (c == label) loss = -logP;
      store<f32>(at(pr, c), <f32>Math.exp(<f64>logP));
    }
    store<f32>(at(losses, r), loss);
  }
}
