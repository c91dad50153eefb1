/** Random crop with padding: pad each image by `pad` pixels, then cut an h×w window back out. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { reflectMap, remapImage, shiftMap } from './remap.js';
import { batchDims, perImage, zerosLike, type BatchTransform } from './transform.js';

/** 'zero': the border is black. 'reflect': the image mirrored at its edge, without repeating the edge pixel. */
export type PadMode = 'zero' | 'reflect';

export const PAD_MODES: readonly PadMode[] = ['zero', 'reflect'];

/**
 * Pads each image by `pad` pixels on every side and cuts the h×w window whose top-left corner is at
 * (tops[i], lefts[i]) in the padded image, each in 0..2·pad. pad·(1, 1) gives the image unchanged.
 */
export function padCrop(
  x: Tensor,
  pad: number,
  tops: number | ArrayLike<number>,
  lefts: number | ArrayLike<number>,
  mode: PadMode = 'zero',
): Tensor {
  const { n, h, w, c } = batchDims(x, 'crop');
  checkPad(pad, mode, h, w);
  const top = perImage(tops, n, 'crop offsets (tops)');
  const left = perImage(lefts, n, 'crop offsets (lefts)');
  const out = zerosLike(x);
  const rows = new Int32Array(h);
  const cols = new Int32Array(w);
  const map = mode === 'reflect' ? reflectMap : shiftMap;
  for (let i = 0; i < n; i++) {
    for (const [offset, name] of [[top[i], 'top'], [left[i], 'left']] as const) {
      if (!Number.isInteger(offset) || offset < 0 || offset > 2 * pad) {
        throw new ArgumentError(`crop ${name} offset of image ${i} must be a whole number in 0..${2 * pad} (2 × pad), got ${offset}`);
      }
    }
    const dy = top[i] - pad;
    const dx = left[i] - pad;
    map(rows, dy, h);
    map(cols, dx, w);
    remapImage(x.data, out.data, i * h * w * c, w, c, rows, cols);
  }
  return out;
}

/** Pads by `pad` pixels (`mode`) and crops back to the original size at a random position per image. */
export function randomCrop(pad: number, mode: PadMode = 'zero'): BatchTransform {
  checkPadArguments(pad, mode);
  return (x, rng) => {
    const { n, h, w } = batchDims(x, 'crop');
    checkPad(pad, mode, h, w);
    const tops = new Int32Array(n);
    const lefts = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      tops[i] = rng.int(2 * pad + 1);
      lefts[i] = rng.int(2 * pad + 1);
    }
    return padCrop(x, pad, tops, lefts, mode);
  };
}

function checkPadArguments(pad: number, mode: PadMode): void {
  if (!Number.isInteger(pad) || pad < 0) throw new ArgumentError(`crop padding must be a whole number of pixels ≥ 0, got ${pad}`);
  if (!PAD_MODES.includes(mode)) throw new ArgumentError(`crop padding mode must be one of ${PAD_MODES.join(', ')}, got '${mode}'`);
}

function checkPad(pad: number, mode: PadMode, h: number, w: number): void {
  checkPadArguments(pad, mode);
  if (mode === 'reflect' && pad > Math.min(h, w) - 1) {
    throw new ArgumentError(`reflect padding of ${pad} px needs images larger than ${pad} px on each side, got ${h}×${w}`);
  }
}
