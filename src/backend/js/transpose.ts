import type { Shape, TensorData } from '../../tensor/index.js';

type Alloc = (size: number) => TensorData;

/**
 * A transpose reduced to its essentials: the output is, outermost first, the axes `sizes`
 * stepping through the input by `steps` elements, each position a contiguous `block` of the
 * input. Axes of size 1 are dropped, output axes that are adjacent in the input are merged, and
 * a last axis that stays last becomes the block: [N, B, J, D] → [B, J, N, D] is sizes [B·J, N],
 * steps [D, B·J·D], block D.
 */
export interface TransposePlan {
  block: number;
  sizes: number[];
  steps: number[];
}

export function planTranspose(shape: Shape, perm: readonly number[]): TransposePlan {
  const strides = new Array<number>(shape.length);
  for (let a = shape.length - 1, s = 1; a >= 0; a--) {
    strides[a] = s;
    s *= shape[a];
  }
  const sizes: number[] = [];
  const steps: number[] = [];
  for (const a of perm) {
    if (shape[a] === 1) continue;
    const last = sizes.length - 1;
    if (last >= 0 && steps[last] === strides[a] * shape[a]) {
      sizes[last] *= shape[a];
      steps[last] = strides[a];
    } else {
      sizes.push(shape[a]);
      steps.push(strides[a]);
    }
  }
  let block = 1;
  if (steps.length > 0 && steps[steps.length - 1] === 1) {
    block = sizes.pop()!;
    steps.pop();
  }
  return { block, sizes, steps };
}

/** Copies x into out in the order of `plan` (out is written front to back). */
export function copyPlanned(x: TensorData, out: TensorData, plan: TransposePlan): void {
  const { block, sizes, steps } = plan;
  if (sizes.length === 0 || x.length === 0) {
    out.set(x);
    return;
  }
  const last = sizes.length - 1;
  const runLength = sizes[last];
  const runStep = steps[last];
  const counter = new Array<number>(last).fill(0);
  let base = 0;
  let o = 0;
  for (;;) {
    for (let l = 0, src = base; l < runLength; l++, src += runStep) {
      for (let e = 0; e < block; e++) out[o++] = x[src + e];
    }
    // Odometer over every output axis but the last.
    let a = last - 1;
    for (; a >= 0; a--) {
      base += steps[a];
      if (++counter[a] < sizes[a]) break;
      base -= steps[a] * sizes[a];
      counter[a] = 0;
    }
    if (a < 0) return;
  }
}

/** x [shape] with its axes permuted: output axis i is input axis perm[i]. */
export function transpose(x: TensorData, shape: Shape, perm: readonly number[], alloc: Alloc): TensorData {
  const out = alloc(x.length);
  copyPlanned(x, out, planTranspose(shape, perm));
  return out;
}
