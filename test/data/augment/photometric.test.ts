import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustBrightness, adjustContrast, randomBrightness, randomContrast } from '../../../src/data/augment/index.js';
import { ArgumentError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, assertClose, differs, randomBatch } from './images.js';

test('brightness adds the offset to every pixel and clips to [0, 1]', () => {
  const x = new Tensor(Float32Array.from([0, 0.25, 0.5, 0.95, 0, 0.25, 0.5, 0.95]), [2, 2, 2, 1]);
  const y = adjustBrightness(x, [0.1, -0.3]);
  assertClose(y, new Tensor(Float32Array.from([0.1, 0.35, 0.6, 1, 0, 0, 0.2, 0.65]), [2, 2, 2, 1]), 1e-6);
});

test('contrast scales each channel about its own mean and clips to [0, 1]', () => {
  // Two pixels, two channels: channel 0 = (0.2, 0.6), mean 0.4; channel 1 = (0.5, 0.9), mean 0.7.
  const x = new Tensor(Float32Array.from([0.2, 0.5, 0.6, 0.9]), [1, 1, 2, 2]);
  assertClose(adjustContrast(x, 2), new Tensor(Float32Array.from([0, 0.3, 0.8, 1]), [1, 1, 2, 2]), 1e-6);
  assertClose(adjustContrast(x, 0.5), new Tensor(Float32Array.from([0.3, 0.6, 0.5, 0.8]), [1, 1, 2, 2]), 1e-6);
  assertClose(adjustContrast(x, 0), new Tensor(Float32Array.from([0.4, 0.7, 0.4, 0.7]), [1, 1, 2, 2]), 1e-6);
});

test('brightness 0 and contrast 1 leave the images as they are', () => {
  const x = randomBatch([3, 5, 5, 3]);
  assertClose(adjustBrightness(x, 0), x, 1e-7);
  assertClose(adjustContrast(x, 1), x, 1e-6);
  assertClose(randomBrightness(0)(x, new Rng(1)), x, 1e-7);
  assertClose(randomContrast(0)(x, new Rng(1)), x, 1e-6);
});

test('randomBrightness: one offset per image within ±delta', () => {
  const x = new Tensor(new Float32Array(50 * 4).fill(0.5), [50, 2, 2, 1]);
  const y = randomBrightness(0.2)(x, new Rng(7));
  for (let i = 0; i < 50; i++) {
    const v = y.data[i * 4];
    assert.ok(v >= 0.3 - 1e-6 && v <= 0.7 + 1e-6, `image ${i}: ${v}`);
    for (let p = 1; p < 4; p++) assert.equal(y.data[i * 4 + p], v, 'the same offset on every pixel of an image');
  }
  assert.ok(new Set(Array.from({ length: 50 }, (_, i) => y.data[i * 4])).size > 40, 'different images, different offsets');
});

test('random brightness and contrast are deterministic for a seed', () => {
  const x = randomBatch([8, 4, 4, 3]);
  for (const t of [randomBrightness(0.3), randomContrast(0.3)]) {
    const a = t(x, new Rng(21));
    assertBitEqual(t(x, new Rng(21)), a);
    assert.ok(differs(t(x, new Rng(22)), a));
  }
});

test('brightness and contrast arguments are checked', () => {
  assert.throws(() => randomBrightness(1.5), /0\.\.1, got 1.5/);
  assert.throws(() => randomContrast(-0.1), ArgumentError);
  assert.throws(() => adjustContrast(randomBatch([1, 2, 2, 1]), -1), /≥ 0, got -1/);
});
