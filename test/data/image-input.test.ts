import '../../src/platform/node.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ArgumentError, FormatError } from '../../src/errors.js';
import type { DecodedImage } from '../../src/platform/platform.js';
import { imageToInput, loadImageFile } from '../../src/data/image-input.js';
import { makeTempDir } from './fixtures.js';

/** An opaque black 56x56 RGBA image with white squares at rows/cols [8, 24) and [41, 47). */
function squaresImage(): DecodedImage {
  const size = 56;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inSquare = (y >= 8 && y < 24 && x >= 8 && x < 24) || (y >= 41 && y < 47 && x >= 41 && x < 47);
      data.set([inSquare ? 255 : 0, inSquare ? 255 : 0, inSquare ? 255 : 0, 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, channels: 4, data };
}

/** Expected 28x28 grey result: the first square lands exactly on [4, 12); the second, at an odd offset, half-covers its border cells. */
function expectedSquares(): number[] {
  const coverage = (o: number): number => (o === 20 || o === 23 ? 0.5 : o === 21 || o === 22 ? 1 : 0);
  return Array.from({ length: 28 * 28 }, (_, i) => {
    const y = Math.floor(i / 28);
    const x = i % 28;
    if (y >= 4 && y < 12 && x >= 4 && x < 12) return 1;
    return coverage(y) * coverage(x);
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `index ${i}: expected ${expected[i]}, got ${actual[i]}`);
  }
}

test('a 56x56 RGBA image with white squares area-averages to the expected 28x28 grey values', () => {
  const input = imageToInput(squaresImage(), { height: 28, width: 28, channels: 1 });
  assert.ok(input instanceof Float32Array);
  assertClose(input, expectedSquares());
});

test('invert flips the 28x28 result: white squares become 0, background 1', () => {
  const input = imageToInput(squaresImage(), { height: 28, width: 28, channels: 1, invert: true });
  assertClose(input, expectedSquares().map((v) => 1 - v));
});

test('RGB to grey uses luma weights 0.299, 0.587, 0.114; channels 3 keeps colour', () => {
  const img: DecodedImage = { width: 3, height: 1, channels: 3, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255]) };
  assertClose(imageToInput(img, { height: 1, width: 3, channels: 1 }), [0.299, 0.587, 0.114]);
  assertClose(imageToInput(img, { height: 1, width: 3, channels: 3 }), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
});

test('grey input broadcasts to three equal channels', () => {
  const img: DecodedImage = { width: 1, height: 1, channels: 1, data: new Uint8Array([51]) };
  assertClose(imageToInput(img, { height: 1, width: 1, channels: 3 }), [0.2, 0.2, 0.2]);
});

test('transparent pixels are composited over white by default, over black when asked', () => {
  const img: DecodedImage = { width: 2, height: 1, channels: 4, data: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 128]) };
  const half = 1 - 128 / 255;
  assertClose(imageToInput(img, { height: 1, width: 2, channels: 1 }), [1, half]);
  assertClose(imageToInput(img, { height: 1, width: 2, channels: 1, invert: true }), [0, 1 - half]);
  assertClose(imageToInput(img, { height: 1, width: 2, channels: 1, background: 'black' }), [0, 0]);
});

test('upscaling interpolates bilinearly with pixel centres aligned', () => {
  const img: DecodedImage = { width: 2, height: 2, channels: 1, data: new Uint8Array([0, 255, 0, 255]) };
  const row = [0, 0.25, 0.75, 1];
  assertClose(imageToInput(img, { height: 4, width: 4, channels: 1 }), [...row, ...row, ...row, ...row]);
});

test('downscaling by a non-integer factor averages partly covered pixels by area', () => {
  const img: DecodedImage = { width: 3, height: 1, channels: 1, data: new Uint8Array([255, 0, 255]) };
  // Output cells cover source [0, 1.5) and [1.5, 3): (1 + 0.5·0) / 1.5 and (0.5·0 + 1) / 1.5.
  assertClose(imageToInput(img, { height: 1, width: 2, channels: 1 }), [2 / 3, 2 / 3]);
});

test('a target size that is not a positive integer gives ArgumentError', () => {
  assert.throws(() => imageToInput(squaresImage(), { height: 0, width: 28, channels: 1 }), ArgumentError);
  assert.throws(() => imageToInput(squaresImage(), { height: 28, width: 28, channels: 2 as 1 }), ArgumentError);
});

test('loadImageFile decodes a PNG written to disk; a non-image file gives FormatError', async () => {
  const dir = await makeTempDir();
  const png = new PNG({ width: 2, height: 1 });
  png.data.set([255, 255, 255, 255, 0, 0, 0, 255]);
  await writeFile(join(dir, 'two.png'), PNG.sync.write(png));
  const img = await loadImageFile(join(dir, 'two.png'));
  assert.deepEqual([img.width, img.height], [2, 1]);
  assertClose(imageToInput(img, { height: 1, width: 2, channels: 1, invert: true }), [0, 1]);
  await writeFile(join(dir, 'notes.txt'), 'hello');
  await assert.rejects(loadImageFile(join(dir, 'notes.txt')), FormatError);
});
