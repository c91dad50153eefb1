/**
 * The image an explanation is about: one picture with pixels in [0, 1], checked against (or fitted
 * to) the model's input shape, and drawn as RGBA.
 */
import { fitImage } from '../data/resize.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { Network } from '../nn/network.js';
import type { DecodedImage } from '../platform/platform.js';
import { formatShape, Tensor } from '../tensor/index.js';
import type { RgbaImage } from './figure.js';

/** The model's input shape [H, W, C]; a clear error for an unbuilt model. */
export function modelImageShape(model: Network): [number, number, number] {
  const shape = model.inputShape;
  if (!model.isBuilt || !shape) throw new ArgumentError(`model '${model.name}' is not built yet: call build({ inputShape }) first`);
  if (shape.length !== 3) throw new ShapeError(`model '${model.name}' takes input ${formatShape(shape)}, not images [height, width, channels]`);
  return [shape[0], shape[1], shape[2]];
}

/**
 * `image` ([H, W, C] or [1, H, W, C], pixels in [0, 1]) as the batch of one the model takes;
 * a ShapeError naming `what` when it is not the model's size and channel count.
 */
export function asModelInput(model: Network, image: Tensor, what: string): Tensor {
  const [h, w, c] = modelImageShape(model);
  const dims = image.rank === 4 && image.shape[0] === 1 ? image.shape.slice(1) : image.rank === 3 ? image.shape : null;
  if (!dims || dims[0] !== h || dims[1] !== w || dims[2] !== c) {
    throw new ShapeError(
      `${what} needs one image [${h}, ${w}, ${c}] (or [1, ${h}, ${w}, ${c}]) for model '${model.name}', got ${formatShape(image.shape)}; fitImageToModel converts grey ↔ RGB and resizes`,
    );
  }
  return image.rank === 4 ? image : new Tensor(image.data, [1, h, w, c]);
}

export interface FittedImage {
  /** [1, H, W, C] with the model's input shape, pixels in [0, 1]. */
  image: Tensor;
  /** What was done to it, e.g. 'RGB → grey', 'resized 32×32 → 28×28'; empty when it already fitted. */
  changes: string[];
}

const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Makes one image ([H, W, C] or [1, H, W, C], pixels in [0, 1]) fit the model's input: grey
 * becomes RGB by repeating the channel, RGB becomes grey by BT.601 luma, and another size is
 * resized bilinearly (aspect ratio kept, centre crop) by the datasets' own `fitImage`.
 */
export function fitImageToModel(model: Network, image: Tensor): FittedImage {
  const [h, w, c] = modelImageShape(model);
  const dims = image.rank === 4 && image.shape[0] === 1 ? image.shape.slice(1) : image.rank === 3 ? image.shape : null;
  if (!dims) throw new ShapeError(`expected one image [height, width, channels] or [1, height, width, channels], got ${formatShape(image.shape)}`);
  const [ih, iw, ic] = dims;
  if (c !== 1 && c !== 3) throw new ShapeError(`model '${model.name}' takes ${c}-channel images; only grey (1) and RGB (3) inputs can be converted`);
  if (ic !== 1 && ic !== 3) throw new ShapeError(`an image with ${ic} channels cannot be converted for model '${model.name}', which takes ${c === 1 ? 'grey' : 'RGB'} [${h}, ${w}, ${c}]`);
  const changes: string[] = [];
  if (ic !== c) changes.push(ic === 1 ? 'grey → RGB' : 'RGB → grey');
  if (ih !== h || iw !== w) {
    changes.push(`resized ${ih}×${iw} → ${h}×${w}`);
    const decoded: DecodedImage = { width: iw, height: ih, channels: ic as 1 | 3, data: new Uint8Array(ih * iw * ic) };
    for (let i = 0; i < decoded.data.length; i++) decoded.data[i] = Math.round(Math.min(1, Math.max(0, image.data[i])) * 255);
    const bytes = new Uint8Array(h * w * c);
    fitImage(decoded, h, w, c as 1 | 3, bytes);
    return { image: new Tensor(Float32Array.from(bytes, (v) => v / 255), [1, h, w, c]), changes };
  }
  if (ic === c) return { image: new Tensor(image.data, [1, h, w, c]), changes };
  const out = new Float32Array(h * w * c);
  for (let p = 0; p < h * w; p++) {
    if (c === 3) out.fill(image.data[p], p * 3, p * 3 + 3);
    else out[p] = LUMA[0] * image.data[p * 3] + LUMA[1] * image.data[p * 3 + 1] + LUMA[2] * image.data[p * 3 + 2];
  }
  return { image: new Tensor(out, [1, h, w, c]), changes };
}

/** An image [H, W, C] or [1, H, W, C] with pixels in [0, 1] as RGBA (grey for 1 channel). */
export function imagePicture(image: Tensor): RgbaImage {
  const dims = image.rank === 4 ? image.shape.slice(1) : image.shape;
  const [height, width, channels] = dims;
  const rgba = new Uint8Array(width * height * 4);
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const r = byte(image.data[s]);
    rgba[p * 4] = r;
    rgba[p * 4 + 1] = channels >= 3 ? byte(image.data[s + 1]) : r;
    rgba[p * 4 + 2] = channels >= 3 ? byte(image.data[s + 2]) : r;
    rgba[p * 4 + 3] = 255;
  }
  return { width, height, rgba };
}
