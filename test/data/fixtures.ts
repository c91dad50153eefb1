/** Helpers shared by the data tests: tiny IDX datasets written to temporary directories. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/data/idx.js';

export async function makeTempDir(prefix = 'fovea-data-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** `count` images of h×w bytes where image i is filled with the value i (mod 256). */
export function imagesIdx(count: number, h = 2, w = 3): Uint8Array {
  const values = new Uint8Array(count * h * w);
  for (let i = 0; i < count; i++) values.fill(i % 256, i * h * w, (i + 1) * h * w);
  return encodeIdx('ubyte', [count, h, w], values);
}

export function labelsIdx(labels: number[]): Uint8Array {
  return encodeIdx('ubyte', [labels.length], labels);
}

/** Writes files into `dir`, gzipping those whose name ends in .gz. */
export async function writeFiles(dir: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    await writeFile(join(dir, name), name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  }
}

/** A directory with a complete small IDX dataset: 6 train and 4 test images, labels 0..2. */
export async function makeIdxDir(overrides: Record<string, Uint8Array | string | null> = {}): Promise<string> {
  const dir = await makeTempDir();
  const files: Record<string, Uint8Array | string | null> = {
    'train-images-idx3-ubyte.gz': imagesIdx(6),
    'train-labels-idx1-ubyte.gz': labelsIdx([0, 1, 2, 0, 1, 2]),
    't10k-images-idx3-ubyte': imagesIdx(4),
    't10k-labels-idx1-ubyte': labelsIdx([2, 1, 0, 1]),
    ...overrides,
  };
  const present = Object.fromEntries(Object.entries(files).filter((e): e is [string, Uint8Array | string] => e[1] !== null));
  await writeFiles(dir, present);
  return dir;
}
