import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomTranslation, translateImages } from '../../../src/data/augment/index.js';
import { ArgumentError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, assertClose, differs, greyImage, pixel, randomBatch, rowsOf } from './images.js';

test('translating by 0 is the identity', () => {
  const x = randomBatch([3, 6, 5, 3]);
  assertClose(translateImages(x, 0, 0), x, 1e-6);
  assertClose(randomTranslation(0)(x, new Rng(2)), x, 1e-6);
});

test('a whole-pixel translation moves pixels exactly (right, down) and fills with 0', () => {
  const x = randomBatch([2, 6, 7, 3]);
  const y = translateImages(x, [2, -1], [-1, 3]);
  const shifts = [
    [2, -1],
    [-1, 3],
  ];
  for (let i = 0; i < 2; i++) {
    const [dx, dy] = shifts[i];
    for (let r = 0; r < 6; r++) for (let c = 0; c < 7; c++) for (let k = 0; k < 3; k++) {
      const sr = r - dy;
      const sc = c - dx;
      const expected = sr >= 0 && sr < 6 && sc >= 0 && sc < 7 ? pixel(x, i, sr, sc, k) : 0;
      assert.equal(pixel(y, i, r, c, k), expected, `image ${i} (${r}, ${c}, ${k})`);
    }
  }
});

test('a half-pixel translation averages neighbours', () => {
  const x = greyImage([[0, 1, 0, 0]]);
  assert.deepEqual(rowsOf(translateImages(x, 0.5, 0)), [[0, 0.5, 0.5, 0]]);
});

test('randomTranslation moves each image by whole pixels within ±k (k = fraction × size)', () => {
  const x = randomBatch([12, 8, 8, 1]);
  const y = randomTranslation(0.25)(x, new Rng(9));
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const one = new Tensor(x.data.slice(i * 64, (i + 1) * 64), [1, 8, 8, 1]);
    const got = y.data.subarray(i * 64, (i + 1) * 64).join(',');
    let match: string | null = null;
    for (let dx = -2; dx <= 2 && !match; dx++) {
      for (let dy = -2; dy <= 2 && !match; dy++) {
        if (translateImages(one, dx, dy).data.join(',') === got) match = `${dx},${dy}`;
      }
    }
    assert.ok(match, `image ${i} is not a whole-pixel shift within ±2`);
    seen.add(match);
  }
  assert.ok(seen.size > 3, `only ${seen.size} distinct shifts`);
});

test('randomTranslation in pixels is deterministic for a seed', () => {
  const x = randomBatch([6, 8, 8, 3]);
  const a = randomTranslation(3)(x, new Rng(1));
  assertBitEqual(randomTranslation(3)(x, new Rng(1)), a);
  assert.ok(differs(randomTranslation(3)(x, new Rng(2)), a));
});

test('translation arguments are checked', () => {
  assert.throws(() => randomTranslation(-2), ArgumentError);
  assert.throws(() => translateImages(greyImage([[1]]), Infinity, 0), /must be finite/);
  assert.throws(() => randomTranslation(0.1, 'zero', 'half' as never), /translate step must be one of whole, subpixel/);
});

test("fill 'nearest' repeats the edge pixels into what a whole-pixel shift uncovers", () => {
  const x = randomBatch([2, 5, 6, 3]);
  const y = translateImages(x, [2, -3], [-1, 2], 'nearest');
  const shifts = [
    [2, -1],
    [-3, 2],
  ];
  const clamp = (v: number, size: number): number => Math.min(size - 1, Math.max(0, v));
  for (let i = 0; i < 2; i++) {
    const [dx, dy] = shifts[i];
    for (let r = 0; r < 5; r++) for (let c = 0; c < 6; c++) for (let k = 0; k < 3; k++) {
      assert.equal(pixel(y, i, r, c, k), pixel(x, i, clamp(r - dy, 5), clamp(c - dx, 6), k), `image ${i} (${r}, ${c}, ${k})`);
    }
  }
});

test("fill 'nearest' with a fractional shift samples the position clamped into the image", () => {
  const x = greyImage([[1, 0, 0, 2]]);
  assert.deepEqual(rowsOf(translateImages(x, 0.5, 0, 'nearest')), [[1, 0.5, 0, 1]]);
  assert.deepEqual(rowsOf(translateImages(x, 0.5, 0)), [[0.5, 0.5, 0, 1]]);
});

test("randomTranslation with fill 'nearest' leaves no zero border on an image without zeros, and is seeded", () => {
  const x = randomBatch([8, 8, 8, 1]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = 0.1 + Math.abs(x.data[i]);
  const y = randomTranslation(0.25, 'nearest')(x, new Rng(4));
  assert.ok(y.data.every((v) => v > 0), 'a pixel was filled with 0');
  assert.ok(differs(y, x));
  assertBitEqual(randomTranslation(0.25, 'nearest')(x, new Rng(4)), y);
  assert.throws(() => randomTranslation(2, 'wrap' as never), ArgumentError);
});

test("randomTranslation with step 'subpixel' shifts each image by a real amount within ±m and samples it bilinearly, as Keras's ImageDataGenerator", () => {
  const x = randomBatch([40, 10, 10, 2]);
  const y = randomTranslation(0.1, 'nearest', 'subpixel')(x, new Rng(5));
  // The same draws, replayed: two uniforms per image, x first, scaled to ±0.1 × 10 = ±1 pixel.
  const rng = new Rng(5);
  let fractional = 0;
  for (let i = 0; i < 40; i++) {
    const dx = (2 * rng.uniform() - 1) * 1;
    const dy = (2 * rng.uniform() - 1) * 1;
    assert.ok(Math.abs(dx) <= 1 && Math.abs(dy) <= 1);
    if (!Number.isInteger(dx) || !Number.isInteger(dy)) fractional++;
    const one = new Tensor(x.data.slice(i * 200, (i + 1) * 200), [1, 10, 10, 2]);
    assertBitEqual(new Tensor(y.data.slice(i * 200, (i + 1) * 200), [1, 10, 10, 2]), translateImages(one, dx, dy, 'nearest'));
  }
  assert.equal(fractional, 40, 'every draw should be a fractional shift');
  assertBitEqual(randomTranslation(0.1, 'nearest', 'subpixel')(x, new Rng(5)), y);
  assert.ok(differs(randomTranslation(0.1, 'nearest')(x, new Rng(5)), y), 'whole-pixel shifts gave the same images');
});

test("a subpixel shift of 0.25 px mixes each pixel with its neighbour 3:1 (bilinear), the edge repeated with fill 'nearest'", () => {
  const x = greyImage([[0, 4, 8, 12]]);
  assert.deepEqual(rowsOf(translateImages(x, 0.25, 0, 'nearest')), [[0, 3, 7, 11]]);
});

test("a fractional shift with fill 'nearest' gives scipy's affine_transform (order 1, mode 'nearest'), which Keras's ImageDataGenerator shifts with", () => {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  const file = path.join(repoRoot, 'test', 'data', 'augment', 'fixtures', 'scipy-affine-translate.json');
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as { height: number; width: number; image: number[]; cases: { dx: number; dy: number; expected: number[] }[] };
  const x = new Tensor(Float32Array.from(fixture.image), [1, fixture.height, fixture.width, 1]);
  assert.equal(fixture.cases.length, 3);
  for (const { dx, dy, expected } of fixture.cases) {
    assertClose(translateImages(x, dx, dy, 'nearest'), new Tensor(Float32Array.from(expected), x.shape), 1e-6);
    // The zero fill differs from scipy's 'nearest' at the uncovered border, so the comparison can fail.
    assert.ok(differs(translateImages(x, dx, dy), new Tensor(Float32Array.from(expected), x.shape)), `(${dx}, ${dy}) with fill zero`);
  }
});
