/** Tiny CIFAR binary files and image folders written to temporary directories, for the data tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { CIFAR10_CLASS_NAMES } from '../../src/data/cifar.js';
import { makeTempDir } from './fixtures.js';

/** Planar pixel value of record `seed`, channel c (0 R, 1 G, 2 B), pixel p (row-major in 32×32). */
export function planarValue(seed: number, c: number, p: number): number {
  return (p * 7 + c * 85 + seed * 31) & 255;
}

/** One CIFAR record: label bytes, then 1024 R, 1024 G, 1024 B. */
export function cifarRecord(labels: number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length + 3072);
  out.set(labels, 0);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[labels.length + c * 1024 + p] = planarValue(seed, c, p);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * A cifar-10-batches-bin directory: batch i (1..5) holds records with labels [i-1, i+4] and seeds
 * 10·i, 10·i+1; test_batch holds labels [9, 0, 3] with seeds 100..102.
 */
export async function makeCifar10Dir(overrides: Record<string, Uint8Array | string | null> = {}, parent?: string): Promise<string> {
  const dir = parent ? join(parent, 'cifar-10-batches-bin') : await makeTempDir('fovea-cifar10-');
  await mkdir(dir, { recursive: true });
  const files: Record<string, Uint8Array | string | null> = {
    'batches.meta.txt': `${CIFAR10_CLASS_NAMES.join('\n')}\n\n`,
    'test_batch.bin': concat([cifarRecord([9], 100), cifarRecord([0], 101), cifarRecord([3], 102)]),
  };
  for (let i = 1; i <= 5; i++) files[`data_batch_${i}.bin`] = concat([cifarRecord([i - 1], 10 * i), cifarRecord([i + 4], 10 * i + 1)]);
  Object.assign(files, overrides);
  for (const [name, content] of Object.entries(files)) if (content !== null) await writeFile(join(dir, name), content);
  return dir;
}

/** An opaque PNG filled by `pixel(x, y)` → [r, g, b]; with `grey`, a one-channel PNG of the red values. */
export function pngBytes(width: number, height: number, pixel: (x: number, y: number) => number[], options: { grey?: boolean } = {}): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      png.data.set(options.grey ? [r, r, r, 255] : [r, g, b, 255], (y * width + x) * 4);
    }
  }
  // colorType 0 stores one grey byte per pixel (from the red channel).
  const buffer = PNG.sync.write(png, options.grey ? { colorType: 0 } : {});
  return new Uint8Array(buffer);
}

export function jpegBytes(width: number, height: number, pixel: (x: number, y: number) => number[], quality = 95): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return new Uint8Array(jpeg.encode({ data, width, height }, quality).data);
}

export const solid = (rgb: number[]) => (): number[] => rgb;

/** Writes `files` (paths relative to `root`, '/'-separated) creating folders as needed; returns `root`. */
export async function writeTree(root: string, files: Record<string, Uint8Array | string | null>): Promise<string> {
  for (const [relative, content] of Object.entries(files)) {
    const path = join(root, ...relative.split('/'));
    if (content === null) {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
  }
  return root;
}
