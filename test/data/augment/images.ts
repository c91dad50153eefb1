/** Small image batches for the augmentation tests. */
import assert from 'node:assert/strict';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';

/** A batch of random pixels in [0, 1). */
export function randomBatch(shape: [number, number, number, number], seed = 1): Tensor {
  const rng = new Rng(seed);
  const data = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
  return new Tensor(data, shape);
}

/** One h×w grey image from rows of numbers. */
export function greyImage(rows: number[][]): Tensor {
  return new Tensor(Float32Array.from(rows.flat()), [1, rows.length, rows[0].length, 1]);
}

/** The pixels of a one-channel image at batch index `i`, as rows. */
export function rowsOf(x: Tensor, i = 0): number[][] {
  const [, h, w] = x.shape;
  return Array.from({ length: h }, (_, y) => Array.from(x.data.subarray(i * h * w + y * w, i * h * w + (y + 1) * w)));
}

/** Pixel (y, x, k) of image i. */
export function pixel(x: Tensor, i: number, y: number, xx: number, k = 0): number {
  const [, h, w, c] = x.shape;
  return x.data[((i * h + y) * w + xx) * c + k];
}

export function assertClose(actual: Tensor, expected: Tensor, tolerance = 1e-6): void {
  assert.deepEqual(actual.shape, expected.shape);
  for (let i = 0; i < expected.size; i++) {
    assert.ok(Math.abs(actual.data[i] - expected.data[i]) <= tolerance, `element ${i}: expected ${expected.data[i]}, got ${actual.data[i]}`);
  }
}

export function assertBitEqual(actual: Tensor, expected: Tensor): void {
  assert.deepEqual(actual.shape, expected.shape);
  assert.deepEqual(new Uint8Array(actual.data.buffer, actual.data.byteOffset, actual.data.byteLength), new Uint8Array(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength));
}

export function differs(a: Tensor, b: Tensor): boolean {
  for (let i = 0; i < a.size; i++) if (a.data[i] !== b.data[i]) return true;
  return false;
}
