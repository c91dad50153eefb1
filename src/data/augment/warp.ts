/**
 * Sub-pixel geometry (rotation, scaling, fractional shifts): each output pixel (x, y) samples the
 * source at (a·x + b·y + e, c·x + d·y + f) with bilinear interpolation. Source pixels outside the
 * image read as 0 (the fill), so edges fade into black over one pixel as in torchvision's and
 * Keras's zero-filled warps. Pixel centres are at integer coordinates.
 */
import type { TensorData } from '../../tensor/tensor.js';

/** Maps an output pixel to the source position it samples: sx = a·x + b·y + e, sy = c·x + d·y + f. */
export interface AffineMap {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** Coordinates this close to a whole pixel are taken as that pixel, so exact maps copy exactly. */
const SNAP = 1e-9;

function isIdentity(m: AffineMap): boolean {
  return m.a === 1 && m.b === 0 && m.c === 0 && m.d === 1 && m.e === 0 && m.f === 0;
}

/** What a sample outside the image reads: 0, or the nearest edge pixel (the position clamped into the image). */
export type WarpFill = 'zero' | 'nearest';

/** Warps one h×w×c image of `src` (at `offset`) into `dst` (same offset, already zeroed). */
export function warpImage(src: TensorData, dst: TensorData, offset: number, h: number, w: number, c: number, m: AffineMap, fill: WarpFill = 'zero'): void {
  const size = h * w * c;
  if (isIdentity(m)) {
    dst.set(src.subarray(offset, offset + size), offset);
    return;
  }
  const rowStride = w * c;
  for (let y = 0; y < h; y++) {
    const sxRow = m.b * y + m.e;
    const syRow = m.d * y + m.f;
    for (let x = 0; x < w; x++) {
      let sx = m.a * x + sxRow;
      let sy = m.c * x + syRow;
      const rx = Math.round(sx);
      const ry = Math.round(sy);
      if (Math.abs(sx - rx) < SNAP) sx = rx;
      if (Math.abs(sy - ry) < SNAP) sy = ry;
      if (fill === 'nearest') {
        sx = Math.min(w - 1, Math.max(0, sx));
        sy = Math.min(h - 1, Math.max(0, sy));
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || x0 >= w || y0 < -1 || y0 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const x1 = x0 + 1;
      const y1 = y0 + 1;
      const inX0 = x0 >= 0;
      const inX1 = x1 < w && fx > 0;
      const inY0 = y0 >= 0;
      const inY1 = y1 < h && fy > 0;
      const w00 = inY0 && inX0 ? (1 - fx) * (1 - fy) : 0;
      const w01 = inY0 && inX1 ? fx * (1 - fy) : 0;
      const w10 = inY1 && inX0 ? (1 - fx) * fy : 0;
      const w11 = inY1 && inX1 ? fx * fy : 0;
      // Indices of the four neighbours, clamped into the image: a clamped one has weight 0.
      const r0 = offset + (inY0 ? y0 : 0) * rowStride;
      const r1 = offset + (inY1 ? y1 : 0) * rowStride;
      const c0 = (inX0 ? x0 : 0) * c;
      const c1 = (inX1 ? x1 : 0) * c;
      const d = offset + y * rowStride + x * c;
      for (let k = 0; k < c; k++) {
        dst[d + k] = w00 * src[r0 + c0 + k] + w01 * src[r0 + c1 + k] + w10 * src[r1 + c0 + k] + w11 * src[r1 + c1 + k];
      }
    }
  }
}

/**
 * The map that turns an image by `degrees` counter-clockwise as seen on screen (y pointing down),
 * zooms it by `zoom` (> 1 enlarges) about its centre, then moves it by (dx, dy) pixels (right, down).
 */
export function centredAffine(h: number, w: number, degrees: number, zoom: number, dx: number, dy: number): AffineMap {
  const theta = (degrees * Math.PI) / 180;
  const cos = snapUnit(Math.cos(theta)) / zoom;
  const sin = snapUnit(Math.sin(theta)) / zoom;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  // Output pixel p samples the source at R(−θ)·(p − centre − shift)/zoom + centre.
  const ux = -cx - dx;
  const uy = -cy - dy;
  return {
    a: cos,
    b: -sin,
    c: sin,
    d: cos,
    e: cos * ux - sin * uy + cx,
    f: sin * ux + cos * uy + cy,
  };
}

/** cos/sin of multiples of 90° are exact 0 and ±1, so quarter turns move pixels exactly. */
function snapUnit(v: number): number {
  if (Math.abs(v) < 1e-12) return 0;
  if (Math.abs(v - 1) < 1e-12) return 1;
  if (Math.abs(v + 1) < 1e-12) return -1;
  return v;
}
