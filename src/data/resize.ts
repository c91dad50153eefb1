/**
 * Fitting a decoded image to a dataset's fixed size: colour conversion to 1 or 3 channels, then
 * a bilinear resize that keeps the aspect ratio and a centre crop to exactly height × width.
 *
 * The resize is separable and triangle-filtered (the "bilinear" of Pillow): upscaling is plain
 * bilinear interpolation between pixel centres; downscaling widens the triangle to the scale
 * factor, so every source pixel contributes and small images do not alias. An image already at
 * the target size is copied unchanged.
 */
import { ArgumentError } from '../errors.js';
import type { DecodedImage } from '../platform/platform.js';

/** Luma weights of ITU-R BT.601 (the same as image-input.ts, so predict sees what training saw). */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * The image as `channels` (1 or 3) floats per pixel in 0..255. Transparent pixels are
 * composited over white, as `imageToInput` does for `predict`.
 */
export function convertChannels(img: DecodedImage, channels: 1 | 3): Float32Array {
  const { width, height, data } = img;
  const inChannels = img.channels;
  if (data.length !== width * height * inChannels) {
    throw new ArgumentError(`decoded image ${width}x${height}x${inChannels} needs ${width * height * inChannels} bytes, has ${data.length}`);
  }
  const out = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const src = p * inChannels;
    let r: number;
    let g: number;
    let b: number;
    if (inChannels === 1) {
      r = g = b = data[src];
    } else {
      const alpha = inChannels === 4 ? data[src + 3] / 255 : 1;
      const white = 255 * (1 - alpha);
      r = data[src] * alpha + white;
      g = data[src + 1] * alpha + white;
      b = data[src + 2] * alpha + white;
    }
    if (channels === 1) {
      out[p] = r === g && g === b ? r : LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
    } else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return out;
}

/** The source taps of each output position along one axis: indices and weights summing to 1. */
interface AxisTaps {
  index: Int32Array;
  weight: Float32Array;
  /** Taps per output position (unused slots have weight 0). */
  width: number;
}

/**
 * Output position o samples the source around `offset + (o + 0.5) / scale` with a triangle of
 * half-width max(1, 1/scale) source pixels, cut to the source and renormalised.
 */
function axisTaps(srcLength: number, dstLength: number, offset: number, scale: number): AxisTaps {
  const support = Math.max(1, 1 / scale);
  const width = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(dstLength * width);
  const weight = new Float32Array(dstLength * width);
  for (let o = 0; o < dstLength; o++) {
    const centre = offset + (o + 0.5) / scale;
    const first = Math.max(0, Math.floor(centre - support));
    const last = Math.min(srcLength - 1, Math.ceil(centre + support));
    let sum = 0;
    let t = 0;
    for (let i = first; i <= last && t < width; i++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
      if (w <= 0) continue;
      index[o * width + t] = i;
      weight[o * width + t] = w;
      sum += w;
      t++;
    }
    if (sum === 0) {
      // Only when the centre lies outside the source, which a centre crop never asks for.
      index[o * width] = Math.min(srcLength - 1, Math.max(0, Math.floor(centre)));
      weight[o * width] = 1;
      sum = 1;
    }
    for (let k = 0; k < t; k++) weight[o * width + k] /= sum;
  }
  return { index, weight, width };
}

/** Resamples the middle axis of a row-major [outer, src, inner] array to [outer, dst, inner]. */
function resampleAxis(data: Float32Array, outer: number, src: number, inner: number, taps: AxisTaps, dst: number): Float32Array {
  const out = new Float32Array(outer * dst * inner);
  for (let a = 0; a < outer; a++) {
    for (let o = 0; o < dst; o++) {
      const dstBase = (a * dst + o) * inner;
      for (let t = 0; t < taps.width; t++) {
        const w = taps.weight[o * taps.width + t];
        if (w === 0) continue;
        const srcBase = (a * src + taps.index[o * taps.width + t]) * inner;
        for (let k = 0; k < inner; k++) out[dstBase + k] += w * data[srcBase + k];
      }
    }
  }
  return out;
}

/**
 * Converts `img` to `channels`, scales it so that it covers height × width (aspect ratio kept),
 * crops the centre, and writes the rounded bytes to `out` at `offset` (NHWC).
 */
export function fitImage(img: DecodedImage, height: number, width: number, channels: 1 | 3, out: Uint8Array, offset = 0): void {
  const size = height * width * channels;
  if (offset < 0 || offset + size > out.length) throw new ArgumentError(`fitImage: no room for ${size} bytes at offset ${offset} of ${out.length}`);
  if (img.height === height && img.width === width && img.channels === 4 && channels === 3 && isOpaque(img.data)) {
    // The common case (a dataset stored at its own size): the colour bytes as they are.
    const data = img.data;
    for (let p = 0, q = offset; p < data.length; p += 4, q += 3) {
      out[q] = data[p];
      out[q + 1] = data[p + 1];
      out[q + 2] = data[p + 2];
    }
    return;
  }
  const pixels = convertChannels(img, channels);
  let result: Float32Array = pixels;
  if (img.height !== height || img.width !== width) {
    const scale = Math.max(height / img.height, width / img.width);
    let offsetY = (img.height - height / scale) / 2;
    let offsetX = (img.width - width / scale) / 2;
    // At scale 1 only a crop is left: keep it on whole pixels instead of blurring by half a pixel.
    if (scale === 1) {
      offsetY = Math.floor(offsetY);
      offsetX = Math.floor(offsetX);
    }
    const rows = axisTaps(img.height, height, offsetY, scale);
    const cols = axisTaps(img.width, width, offsetX, scale);
    const tall = resampleAxis(pixels, 1, img.height, img.width * channels, rows, height);
    result = resampleAxis(tall, height, img.width, channels, cols, width);
  }
  for (let i = 0; i < size; i++) {
    const v = Math.round(result[i]);
    out[offset + i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

function isOpaque(rgba: Uint8Array): boolean {
  for (let p = 3; p < rgba.length; p += 4) if (rgba[p] !== 255) return false;
  return true;
}

/** Whether every pixel of an interleaved RGB image has R = G = B. */
export function isGreyRgb(bytes: Uint8Array, offset: number, pixels: number): boolean {
  for (let p = offset; p < offset + pixels * 3; p += 3) {
    if (bytes[p] !== bytes[p + 1] || bytes[p] !== bytes[p + 2]) return false;
  }
  return true;
}
