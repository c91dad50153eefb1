/** Lays out a batch of images as one RGBA picture: a grid of tiles, magnified, with gaps. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { batchDims } from './transform.js';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major, opaque. */
  rgba: Uint8Array;
}

export interface GridLayout {
  rows: number;
  columns: number;
  /** Each image pixel becomes a magnify×magnify block (nearest neighbour). */
  magnify: number;
  /** Pixels between tiles and around the grid. */
  gap: number;
  /** Extra pixels after the first column (to set an original apart from its variants). */
  firstColumnGap?: number;
  /** Grey level 0..255 of the gaps. */
  background?: number;
}

/**
 * Draws tile r·columns + c of `tiles` ([rows·columns, h, w, ch], values in [0, 1], clipped) at row r,
 * column c. One channel is drawn grey; three or more as RGB from the first three.
 */
export function tileImages(tiles: Tensor, layout: GridLayout): RgbaImage {
  const { n, h, w, c } = batchDims(tiles, 'image grid');
  const { rows, columns, magnify, gap, firstColumnGap = 0, background = 255 } = layout;
  for (const [name, v] of [['rows', rows], ['columns', columns], ['magnify', magnify]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`image grid ${name} must be a positive integer, got ${v}`);
  }
  if (n !== rows * columns) throw new ArgumentError(`image grid of ${rows}×${columns} tiles needs ${rows * columns} images, got ${n}`);
  const tileW = w * magnify;
  const tileH = h * magnify;
  const width = columns * tileW + (columns + 1) * gap + (columns > 1 ? firstColumnGap : 0);
  const height = rows * tileH + (rows + 1) * gap;
  const rgba = new Uint8Array(width * height * 4).fill(background);
  const src = tiles.data;
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < columns; col++) {
      const left = gap + col * (tileW + gap) + (col > 0 ? firstColumnGap : 0);
      const top = gap + r * (tileH + gap);
      const base = (r * columns + col) * h * w * c;
      for (let y = 0; y < tileH; y++) {
        const srcRow = base + Math.floor(y / magnify) * w * c;
        let d = ((top + y) * width + left) * 4;
        for (let x = 0; x < tileW; x++, d += 4) {
          const s = srcRow + Math.floor(x / magnify) * c;
          const red = toByte(src[s]);
          rgba[d] = red;
          rgba[d + 1] = c >= 3 ? toByte(src[s + 1]) : red;
          rgba[d + 2] = c >= 3 ? toByte(src[s + 2]) : red;
          rgba[d + 3] = 255;
        }
      }
    }
  }
  return { width, height, rgba };
}

function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(v * 255);
}
