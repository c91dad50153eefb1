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
 *
 * The Emscripten module returns each image as `new ImageData(…)` and, in Node, which has no
 * ImageData, defines a stand-in class on globalThis when it starts. Fovea takes that class off
 * globalThis again and puts it back only for the synchronous call that decodes, so importing Fovea
 * leaves the global scope as it found it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jpegJs from 'jpeg-js';
import createLibjpeg, { type MozJPEGModule } from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import { initEmscriptenModule } from '@jsquash/jpeg/utils.js';
import { FormatError } from '../errors.js';
import type { DecodedImage } from './platform.js';

/**
 * libjpeg's messages for the decode in progress. Each decode runs synchronously once the module
 * is ready (nothing awaits between clearing them and reading them), so two decodes never mix.
 */
const libjpegMessages: string[] = [];
let libjpeg: Promise<MozJPEGModule> | null = null;
/** The ImageData stand-in the module defined, when globalThis had none of its own. */
let imageDataStandIn: unknown;

type WithImageData = { ImageData?: unknown };

function startLibjpeg(): Promise<MozJPEGModule> {
  const wasmPath = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
  const collect = (message: string): void => void libjpegMessages.push(message);
  return WebAssembly.compile(readFileSync(wasmPath)).then((wasm) => {
    const global = globalThis as WithImageData;
    const hadImageData = 'ImageData' in global;
    // The module factory defines the stand-in as it starts, synchronously: take it back at once.
    const started = initEmscriptenModule(createLibjpeg, wasm, { print: collect, printErr: collect });
    if (!hadImageData) {
      imageDataStandIn = global.ImageData;
      delete global.ImageData;
    }
    return started;
  });
}

/** `decode` with the module's ImageData stand-in on globalThis for just this call, if it needs one. */
function decodeWithStandIn(module: MozJPEGModule, data: ArrayBuffer): { width: number; height: number; data: Uint8ClampedArray } | null {
  const global = globalThis as WithImageData;
  const lend = imageDataStandIn !== undefined && !('ImageData' in global);
  if (lend) global.ImageData = imageDataStandIn;
  try {
    return module.decode(data, false);
  } finally {
    if (lend) delete global.ImageData;
  }
}

const cmykMessage = 'Unsupported color conversion request';

/** RGBA pixels of a JPEG file; FormatError naming `fileName` if it is corrupt or cut short. */
export async function decodeJpeg(bytes: Uint8Array, fileName: string): Promise<DecodedImage> {
  const module = await (libjpeg ??= startLibjpeg());
  libjpegMessages.length = 0;
  const copy = bytes.slice().buffer;
  let image: { width: number; height: number; data: Uint8ClampedArray };
  try {
    const decoded = decodeWithStandIn(module, copy);
    if (decoded === null) throw new Error('libjpeg returned no image');
    image = decoded;
  } catch (e) {
    const said = libjpegMessages.join('; ');
    if (said.includes(cmykMessage)) return decodeCmykJpeg(bytes, fileName);
    if (said) throw new FormatError(`not a readable JPEG image (libjpeg: ${said})`, fileName);
    // No message: libjpeg's C++ wrapper threw, which it does when the output buffer cannot be allocated.
    const size = declaredSize(bytes);
    const declared = size ? `its header declares ${size.width}×${size.height} pixels` : 'no frame header found';
    throw new FormatError(`not a readable JPEG image (${declared}; the decoder failed without a message${e instanceof Error ? `: ${e.message}` : ', which it does when the image does not fit its 2 GB of memory'})`, fileName);
  }
  if (libjpegMessages.some((m) => m.startsWith('Premature end of JPEG file'))) {
    throw new FormatError(`JPEG image is cut short: the file ends before its image data does (${bytes.length} bytes)`, fileName);
  }
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { width: image.width, height: image.height, channels: 4, data };
}

/** Width and height from a JPEG's first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC), or null. */
function declaredSize(bytes: Uint8Array): { width: number; height: number } | null {
  let at = 2;
  while (at + 9 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8] };
    }
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  return null;
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
