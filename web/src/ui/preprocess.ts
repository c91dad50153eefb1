/** Turning what the user draws or drops into the input a model expects. */

/**
 * MNIST's own preparation of a drawn digit: the ink's bounding box scaled so that its longer side
 * is 20 pixels (aspect kept, anti-aliased), placed in a 28×28 field so that its centre of mass sits
 * at the centre. Returns 784 values in [0, 1] (white ink on black), or null for an empty drawing.
 */
export function mnistFromCanvas(source: HTMLCanvasElement): Float32Array | null {
  const ctx = source.getContext('2d', { willReadFrequently: true })!;
  const { width, height } = source;
  const ink = ctx.getImageData(0, 0, width, height).data;
  let top = height, left = width, bottom = -1, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[(y * width + x) * 4] > 20) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  const boxW = right - left + 1;
  const boxH = bottom - top + 1;
  const scale = 20 / Math.max(boxW, boxH);
  const w = Math.max(1, Math.round(boxW * scale));
  const h = Math.max(1, Math.round(boxH * scale));
  const small = document.createElement('canvas');
  small.width = w;
  small.height = h;
  const smallCtx = small.getContext('2d', { willReadFrequently: true })!;
  smallCtx.imageSmoothingQuality = 'high';
  smallCtx.drawImage(source, left, top, boxW, boxH, 0, 0, w, h);
  const pixels = smallCtx.getImageData(0, 0, w, h).data;
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = pixels[(y * w + x) * 4];
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  const offsetX = Math.round(14 - (mass ? cx / mass : w / 2) - 0.5);
  const offsetY = Math.round(14 - (mass ? cy / mass : h / 2) - 0.5);
  const out = new Float32Array(28 * 28);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const tx = x + offsetX;
      const ty = y + offsetY;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = pixels[(y * w + x) * 4] / 255;
    }
  }
  return out;
}

/**
 * An image file scaled to cover height × width (aspect kept) and centre-cropped, as the CLI's
 * `predict` does, in [0, 1], grey (the mean of R, G, B) or RGB.
 */
export async function modelInputFromFile(file: Blob, height: number, width: number, channels: number): Promise<{ pixels: Float32Array; preview: HTMLCanvasElement }> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const scale = Math.max(width / bitmap.width, height / bitmap.height);
  const w = bitmap.width * scale;
  const h = bitmap.height * scale;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (width - w) / 2, (height - h) / 2, w, h);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const pixels = new Float32Array(height * width * channels);
  for (let p = 0; p < height * width; p++) {
    if (channels === 3) for (let k = 0; k < 3; k++) pixels[p * 3 + k] = rgba[p * 4 + k] / 255;
    else pixels[p] = (rgba[p * 4] + rgba[p * 4 + 1] + rgba[p * 4 + 2]) / (3 * 255);
  }
  return { pixels, preview: canvas };
}
