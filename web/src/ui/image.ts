/** Drawing images, feature maps and heat maps onto canvases. */
import { el } from './dom.js';

/** A canvas showing image `index` of NHWC bytes (grey or RGB), scaled up by CSS. */
export function imageCanvas(bytes: Uint8Array, index: number, height: number, width: number, channels: number, cssSize = width * 2): HTMLCanvasElement {
  const canvas = el('canvas', { width, height, class: 'pixelated', style: `width:${cssSize}px;height:${(cssSize * height) / width}px` });
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(width, height);
  const base = index * height * width * channels;
  for (let p = 0; p < height * width; p++) {
    for (let k = 0; k < 3; k++) image.data[p * 4 + k] = bytes[base + p * channels + (channels === 3 ? k : 0)];
    image.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** Writes floats in [0, 1] (grey, [h, w]) or [h, w, 3] into a canvas of that size. */
export function drawPixels(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, height: number, width: number, channels: number): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(width, height);
  for (let p = 0; p < height * width; p++) {
    for (let k = 0; k < 3; k++) image.data[p * 4 + k] = Math.round(255 * Math.min(1, Math.max(0, pixels[p * channels + (channels === 3 ? k : 0)])));
    image.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Inferno-like ramp: black → purple → orange → yellow. */
export function heatColor(t: number): [number, number, number] {
  const stops: [number, number, number][] = [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(stops[i][k] + f * (stops[i + 1][k] - stops[i][k]))) as [number, number, number];
}

/** One channel of a feature map [h, w, c] as a small canvas, on a scale shared by the layer. */
export function featureMapCanvas(values: Float32Array, shape: number[], channel: number, lo: number, hi: number, cssSize: number): HTMLCanvasElement {
  const [h, w, c] = shape;
  const canvas = el('canvas', { width: w, height: h, class: 'pixelated', style: `width:${cssSize}px;height:${cssSize}px`, title: `channel ${channel}` });
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(w, h);
  const span = hi - lo || 1;
  for (let p = 0; p < h * w; p++) {
    const [r, g, b] = heatColor((values[p * c + channel] - lo) / span);
    image.data.set([r, g, b, 255], p * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** The image with a heat map in [0, max] laid over it, half transparent. */
export function overlayCanvas(pixels: ArrayLike<number>, channels: number, heat: Float32Array, height: number, width: number, cssSize: number): HTMLCanvasElement {
  const canvas = el('canvas', { width, height, class: 'pixelated', style: `width:${cssSize}px;height:${cssSize}px` });
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(width, height);
  let max = 0;
  for (const v of heat) max = Math.max(max, v);
  for (let p = 0; p < height * width; p++) {
    const [r, g, b] = heatColor(max > 0 ? heat[p] / max : 0);
    for (let k = 0; k < 3; k++) {
      const base = 255 * pixels[p * channels + (channels === 3 ? k : 0)];
      image.data[p * 4 + k] = Math.round(0.5 * base + 0.5 * [r, g, b][k]);
    }
    image.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}
