/**
 * JPEG decoding in Node through libjpeg-turbo compiled to WebAssembly (@jsquash/jpeg, the
 * Squoosh app's MozJPEG decoder). libjpeg is what Pillow, PyTorch's loaders and browsers decode
 * with, so Fovea in Node sees the same pixels as the Python reference scripts and, near enough,
 * the browser's canvas. jpeg-js (pure JavaScript) repeats 4:2:0 chroma samples instead of
 * interpolating them: on the CIFAR-10 JPEG copy its pixels differ from libjpeg's by 1.5 levels
 * on average, which cost cifar-whiten-mid 0.3 points of test accuracy (bench/README.md).
 *
 * jpeg-js stays for the one kind of file this libjpeg build cannot convert to RGB: CMYK and YCCK
 * (Adobe) JPEGs. Everything libjpeg reports as an error, and a file that ends before its image
 * data does ("Premature end of JPEG file", which libjpeg only warns about and fills with grey),
 * becomes a FormatError that quotes libjpeg's message.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jpegJs from 'jpeg-js';
import decodeWithLibjpeg, { init as initLibjpeg } from '@jsquash/jpeg/decode.js';
import { FormatError } from '../errors.js';
import type { DecodedImage } from './platform.js';

/** libjpeg's messages for the decode in progress; `queue` runs decodes one at a time so they cannot mix. */
const libjpegMessages: string[] = [];
let ready: Promise<void> | null = null;
let queue: Promise<unknown> = Promise.resolve();

function startLibjpeg(): Promise<void> {
  const wasmPath = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
  const init = initLibjpeg as unknown as (module: WebAssembly.Module, options: Record<string, unknown>) => Promise<void>;
  const collect = (message: string): void => void libjpegMessages.push(message);
  return WebAssembly.compile(readFileSync(wasmPath)).then((module) => init(module, { print: collect, printErr: collect }));
}

const cmykMessage = 'Unsupported color conversion request';

/** RGBA pixels of a JPEG file; FormatError naming `fileName` if it is corrupt or cut short. */
export function decodeJpeg(bytes: Uint8Array, fileName: string): Promise<DecodedImage> {
  const result = queue.then(() => decodeJpegNow(bytes, fileName));
  queue = result.catch(() => undefined);
  return result;
}

async function decodeJpegNow(bytes: Uint8Array, fileName: string): Promise<DecodedImage> {
  ready ??= startLibjpeg();
  await ready;
  libjpegMessages.length = 0;
  const copy = bytes.slice().buffer;
  let image: { width: number; height: number; data: Uint8ClampedArray };
  try {
    image = await decodeWithLibjpeg(copy);
  } catch (e) {
    const said = libjpegMessages.join('; ');
    if (said.includes(cmykMessage)) return decodeCmykJpeg(bytes, fileName);
    throw new FormatError(`not a readable JPEG image (libjpeg: ${said || (e as Error).message})`, fileName);
  }
  if (libjpegMessages.some((m) => m.startsWith('Premature end of JPEG file'))) {
    throw new FormatError(`JPEG image is cut short: the file ends before its image data does (${bytes.length} bytes)`, fileName);
  }
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { width: image.width, height: image.height, channels: 4, data };
}

function decodeCmykJpeg(bytes: Uint8Array, fileName: string): DecodedImage {
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const img = jpegJs.decode(buffer, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, channels: 4, data: img.data };
  } catch (e) {
    throw new FormatError(`not a readable CMYK JPEG image (${(e as Error).message})`, fileName);
  }
}
