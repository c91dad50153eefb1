// Axis permutation as a strided copy (see planTranspose in src/backend/js/transpose.ts): the
// output is rows of `runLength` contiguous blocks of `block` values; row r = (r0·size1 + r1)·size2
// + r2 starts in the input at r0·step0 + r1·step1 + r2·step2, and its blocks are `runStep` apart.

import { at, copyF32 } from './util';

/** Output rows [start, end). A pure copy: results are exact. */
export function transposeRows(
  x: usize, out: usize, block: i32, runLength: i32, runStep: i32,
  size0: i32, step0: i32, size1: i32, step1: i32, size2: i32, step2: i32,
  start: i32, end: i32,
): void {
  const rowLength = runLength * block;
  for (let r = start; r < end; r++) {
    let q = r;
    const r2 = q % size2;
    q /= size2;
    const r1 = q % size1;
    const r0 = q / size1;
    let src = r0 * step0 + r1 * step1 + r2 * step2;
    let dst = at(out, r * rowLength);
    if (block == 1) {
      for (let l = 0; l < runLength; l++, src += runStep, dst += 4) store<f32>(dst, load<f32>(at(x, src)));
    } else {
      const blockBytes = <usize>block << 2;
      for (let l = 0; l < runLength; l++, src += runStep, dst += blockBytes) copyF32(dst, at(x, src), block);
    }
  }
}
