/**
 * Turning a user's image file into a model input: colour conversion, optional inversion,
 * resizing to the model's input size, scaling to [0, 1].
 */
import { ArgumentError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';
import type { DecodedImage } from '../platform/platform.js';

export interface ImageInputOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  /**
   * Flip light and dark. MNIST digits are white ink on black; photos and scans are usually
   * dark ink on white paper and need this.
   */
  invert?: boolean;
  /** What transparent pixels are composited over (default white, as a page shows them). */
  background?: 'white' | 'black';
}

/** Luma weights of ITU-R BT.601, the usual RGB → grey conversion. */
const LUMA = [0.299, 0.587, 0.114] as const;

export async function loadImageFile(path: string): Promise<DecodedImage> {
  const platform = getPlatform();
  return platform.decodeImage(await platform.readFile(path), path);
}

/** An image as a [height, width, channels] Float32Array in [0, 1], ready to batch. */
export function imageToInput(img: DecodedImage, options: ImageInputOptions): Float32Array {
  const { height, width, channels } = options;
  for (const [dim, value] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new ArgumentError(`target ${dim} must be a positive integer, got ${value}`);
  }
  if (channels !== 1 && channels !== 3) throw new ArgumentError(`target channels must be 1 or 3, got ${channels}`);
  let pixels = toUnitChannels(img, channels, options.background ?? 'white');
  if (options.invert) for (let i = 0; i < pixels.length; i++) pixels[i] = 1 - pixels[i];
  pixels = resizeAxis(pixels, 1, img.height, height, img.width * channels);
  pixels = resizeAxis(pixels, height, img.width, width, channels);
  // Resampling weights sum to 1 only up to rounding.
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(1, Math.max(0, pixels[i]));
  return pixels;
}

/** The source pixels as `channels` floats per pixel in [0, 1], alpha composited away. */
function toUnitChannels(img: DecodedImage, channels: 1 | 3, background: 'white' | 'black'): Float32Array {
  const { width, height, data } = img;
  const inChannels = img.channels;
  if (data.length !== width * height * inChannels) {
    throw new ArgumentError(`decoded image ${width}x${height}x${inChannels} needs ${width * height * inChannels} bytes, has ${data.length}`);
  }
  const bg = background === 'white' ? 1 : 0;
  const out = new Float32Array(width * height * channels);
  const rgb = [0, 0, 0];
  for (let p = 0; p < width * height; p++) {
    const src = p * inChannels;
    if (inChannels === 1) {
      rgb[0] = rgb[1] = rgb[2] = data[src] / 255;
    } else {
      const alpha = inChannels === 4 ? data[src + 3] / 255 : 1;
      for (let c = 0; c < 3; c++) rgb[c] = (data[src + c] / 255) * alpha + bg * (1 - alpha);
    }
    if (channels === 1) {
      out[p] = inChannels === 1 ? rgb[0] : LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2];
    } else {
      out.set(rgb, p * 3);
    }
  }
  return out;
}

/** One output position's source taps: indices and weights summing to 1. */
interface Taps {
  index: number[];
  weight: number[];
}

/** Area averaging: each output cell is the mean of the source cells it covers, partly covered ones weighted. */
function areaTaps(src: number, dst: number): Taps[] {
  const scale = src / dst;
  return Array.from({ length: dst }, (_, o) => {
    const from = o * scale;
    const to = (o + 1) * scale;
    const taps: Taps = { index: [], weight: [] };
    for (let i = Math.floor(from); i < Math.min(Math.ceil(to), src); i++) {
      const overlap = Math.min(to, i + 1) - Math.max(from, i);
      if (overlap > 1e-9) {
        taps.index.push(i);
        taps.weight.push(overlap / scale);
      }
    }
    return taps;
  });
}

/** Bilinear with pixel centres aligned (half-pixel offset), edges clamped. */
function bilinearTaps(src: number, dst: number): Taps[] {
  return Array.from({ length: dst }, (_, o) => {
    const pos = Math.min(Math.max((o + 0.5) * (src / dst) - 0.5, 0), src - 1);
    const i0 = Math.floor(pos);
    const i1 = Math.min(i0 + 1, src - 1);
    const f = pos - i0;
    return f === 0 || i0 === i1 ? { index: [i0], weight: [1] } : { index: [i0, i1], weight: [1 - f, f] };
  });
}

/**
 * Resizes the middle axis of a row-major [outer, src, inner] array to [outer, dst, inner]:
 * downscaling averages areas, upscaling interpolates.
 */
function resizeAxis(data: Float32Array, outer: number, src: number, dst: number, inner: number): Float32Array {
  if (src === dst) return data;
  const taps = dst < src ? areaTaps(src, dst) : bilinearTaps(src, dst);
  const out = new Float32Array(outer * dst * inner);
  for (let a = 0; a < outer; a++) {
    for (let o = 0; o < dst; o++) {
      const { index, weight } = taps[o];
      const dstBase = (a * dst + o) * inner;
      for (let t = 0; t < index.length; t++) {
        const srcBase = (a * src + index[t]) * inner;
        const w = weight[t];
        for (let k = 0; k < inner; k++) out[dstBase + k] += w * data[srcBase + k];
      }
    }
  }
  return out;
}
