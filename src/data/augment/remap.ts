/**
 * Whole-pixel geometry (flips, crops, integer shifts) as separable index maps: output row y reads
 * source row `rows[y]`, output column x reads source column `cols[x]`; -1 reads as 0. Exact copies,
 * no interpolation.
 */
import type { TensorData } from '../../tensor/tensor.js';

/** Writes one h×w×c image of `src` (at `offset`) into `dst` (same offset) through the index maps. */
export function remapImage(
  src: TensorData,
  dst: TensorData,
  offset: number,
  w: number,
  c: number,
  rows: Int32Array,
  cols: Int32Array,
): void {
  const rowStride = w * c;
  for (let y = 0; y < rows.length; y++) {
    const sy = rows[y];
    const dRow = offset + y * rowStride;
    if (sy < 0) {
      dst.fill(0, dRow, dRow + rowStride);
      continue;
    }
    const sRow = offset + sy * rowStride;
    for (let x = 0; x < w; x++) {
      const sx = cols[x];
      const d = dRow + x * c;
      if (sx < 0) {
        for (let k = 0; k < c; k++) dst[d + k] = 0;
      } else {
        const s = sRow + sx * c;
        for (let k = 0; k < c; k++) dst[d + k] = src[s + k];
      }
    }
  }
}

/** Fills `map` with i + shift for each output index i; indices outside 0..size-1 become -1. */
export function shiftMap(map: Int32Array, shift: number, size: number): Int32Array {
  for (let i = 0; i < map.length; i++) {
    const s = i + shift;
    map[i] = s >= 0 && s < size ? s : -1;
  }
  return map;
}

/** Fills `map` with i + shift clamped into 0..size-1: the edge pixel repeats (Keras's fill_mode 'nearest'). */
export function clampMap(map: Int32Array, shift: number, size: number): Int32Array {
  for (let i = 0; i < map.length; i++) map[i] = Math.min(size - 1, Math.max(0, i + shift));
  return map;
}

/**
 * Fills `map` with i + shift reflected into 0..size-1 without repeating the edge pixel
 * (… c b | a b c d | c b …, NumPy's 'reflect'). Needs |shift| ≤ size − 1 for every index to land inside.
 */
export function reflectMap(map: Int32Array, shift: number, size: number): Int32Array {
  const last = size - 1;
  for (let i = 0; i < map.length; i++) {
    let s = i + shift;
    if (s < 0) s = -s;
    else if (s > last) s = 2 * last - s;
    map[i] = s >= 0 && s <= last ? s : -1;
  }
  return map;
}

/** Fills `map` with size-1-i (a mirror image). */
export function mirrorMap(map: Int32Array, size: number): Int32Array {
  for (let i = 0; i < map.length; i++) map[i] = size - 1 - i;
  return map;
}

/** Fills `map` with i (no change). */
export function identityMap(map: Int32Array): Int32Array {
  for (let i = 0; i < map.length; i++) map[i] = i;
  return map;
}
