import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import {
  AFFINE_TEST_DEFAULTS,
  affineForwardMatrix,
  affineImage,
  affineTestSet,
  affineTestSetWithTransforms,
  sinCosDegrees,
} from '../../src/data/affine-mnist.js';
import { take } from '../../src/data/batches.js';
import { placeOnCanvas } from '../../src/data/canvas.js';
import { createImageDataset, type ImageDataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/registry.js';
import { ArgumentError } from '../../src/errors.js';

let digits: ImageDataset;

before(async () => {
  digits = take((await loadDataset('mnist')).test, 150);
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Ink bounding box of image i of a dataset of size×size grey images, or null. */
function inkBox(images: Uint8Array, i: number, size: number): { x0: number; x1: number; y0: number; y1: number } | null {
  let box: { x0: number; x1: number; y0: number; y1: number } | null = null;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (images[i * size * size + y * size + x] === 0) continue;
      box = box ? { x0: Math.min(box.x0, x), x1: Math.max(box.x1, x), y0: Math.min(box.y0, y), y1: Math.max(box.y1, y) } : { x0: x, x1: x, y0: y, y1: y };
    }
  }
  return box;
}

test('the same seed gives the same bytes; another seed other images; labels are kept', () => {
  const a = affineTestSet(digits, { seed: 3 });
  const b = affineTestSet(digits, { seed: 3 });
  const c = affineTestSet(digits, { seed: 4 });
  assert.deepEqual(a.images, b.images);
  assert.notDeepEqual(a.images, c.images);
  assert.deepEqual([...a.labels], [...digits.labels]);
  assert.equal(a.height, 40);
  assert.equal(a.width, 40);
  assert.equal(a.count, digits.count);
  assert.equal(a.name, 'mnist/test-affine');
});

test('the first n images do not depend on how many follow (so --test-limit gives a prefix of the full set)', () => {
  const all = affineTestSet(digits, { seed: 5 });
  const some = affineTestSet(take(digits, 40), { seed: 5 });
  assert.deepEqual(some.images, all.images.subarray(0, 40 * 1600));
});

test('the bytes are pinned: a change of arithmetic, generator or sampling shows here', () => {
  // Computed once; sine and cosine are by series, so every engine and machine gives these bytes.
  const set = affineTestSet(take(digits, 20), { seed: 0 });
  assert.equal(sha256(set.images), GOLDEN_SHA256);
});

test('rotation 0, shear 0, scale 1 and no translation reproduce placeOnCanvas exactly', () => {
  const { dataset, transforms, clipped } = affineTestSetWithTransforms(digits, { rotation: 0, shear: 0, scale: [1, 1], translate: false, seed: 9 });
  assert.deepEqual(dataset.images, placeOnCanvas(digits, 40).images);
  assert.equal(clipped, 0);
  for (const t of transforms) assert.deepEqual(t, { rotation: 0, shear: 0, scaleX: 1, scaleY: 1, dx: 0, dy: 0 });
});

test('the drawn transformations stay within the ranges and spread over them', () => {
  const { transforms, clipped } = affineTestSetWithTransforms(digits, { seed: 1 });
  assert.equal(clipped, 0, 'every MNIST digit fits the 40×40 canvas');
  const span = (key: keyof (typeof transforms)[number]) => {
    const values = transforms.map((t) => t[key]);
    return [Math.min(...values), Math.max(...values)];
  };
  const [r0, r1] = span('rotation');
  assert.ok(r0 >= -20 && r1 <= 20 && r0 < -15 && r1 > 15, `rotation ${r0}..${r1}`);
  const [s0, s1] = span('shear');
  assert.ok(s0 >= -0.2 && s1 <= 0.2 && s0 < -0.15 && s1 > 0.15, `shear ${s0}..${s1}`);
  for (const key of ['scaleX', 'scaleY'] as const) {
    const [lo, hi] = span(key);
    assert.ok(lo >= 0.8 && hi <= 1.2 && lo < 0.85 && hi > 1.15, `${key} ${lo}..${hi}`);
  }
  assert.ok(transforms.some((t) => Math.abs(t.scaleX - t.scaleY) > 0.2), 'horizontal and vertical scales are drawn independently');
  for (const key of ['dx', 'dy'] as const) {
    const [lo, hi] = span(key);
    assert.ok(lo < -5 && hi > 5, `${key} ${lo}..${hi}: digits move around the canvas`);
  }
});

test('all the ink stays inside the canvas, and the ink boxes reach its edges', () => {
  const { dataset, transforms } = affineTestSetWithTransforms(digits, { seed: 2 });
  // Drawn on an 80×80 canvas with the same transformation, a digit has no ink outside the middle
  // 40×40 window (pixel (x, y) of the 40×40 image is (x + 20, y + 20) there): nothing was cut off.
  let touches = { left: 0, right: 0, top: 0, bottom: 0 };
  for (let i = 0; i < digits.count; i++) {
    const big = affineImage(digits, i, transforms[i], 80);
    for (let y = 0; y < 80; y++) {
      for (let x = 0; x < 80; x++) {
        const inWindow = x >= 20 && x < 60 && y >= 20 && y < 60;
        if (!inWindow) assert.equal(big[y * 80 + x], 0, `image ${i}: ink at (${x - 20}, ${y - 20}) outside the 40×40 canvas`);
        else assert.ok(Math.abs(big[y * 80 + x] - dataset.images[i * 1600 + (y - 20) * 40 + (x - 20)]) <= 1, `image ${i} (${x - 20}, ${y - 20})`);
      }
    }
    const box = inkBox(dataset.images, i, 40)!;
    touches = { left: touches.left + +(box.x0 <= 1), right: touches.right + +(box.x1 >= 38), top: touches.top + +(box.y0 <= 1), bottom: touches.bottom + +(box.y1 >= 38) };
  }
  for (const [edge, n] of Object.entries(touches)) assert.ok(n > 0, `some digit's ink reaches the ${edge} edge`);
});

test('a whole-pixel translation moves the centred digit exactly (right and down are positive)', () => {
  const placed = placeOnCanvas(digits, 40);
  const moved = affineImage(digits, 0, { rotation: 0, shear: 0, scaleX: 1, scaleY: 1, dx: 3, dy: -2 }, 40);
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 40; x++) {
      const sx = x - 3;
      const sy = y + 2;
      const expected = sx >= 0 && sx < 40 && sy >= 0 && sy < 40 ? placed.images[sy * 40 + sx] : 0;
      assert.equal(moved[y * 40 + x], expected, `(${x}, ${y})`);
    }
  }
});

test('positive rotation turns counter-clockwise on screen; scale and shear act on x and y as documented', () => {
  // One ink pixel just right of the centre of a 5×5 canvas (a 3×3 image at offset 1).
  const dot = createImageDataset({ name: 'dot', images: Uint8Array.from([0, 0, 0, 0, 0, 255, 0, 0, 0]), labels: Uint8Array.from([0]), height: 3, width: 3, channels: 1, classNames: ['dot'] });
  const at = (image: Uint8Array) => [...image].flatMap((v, p) => (v > 200 ? [[p % 5, Math.floor(p / 5)]] : []));
  const base = { rotation: 0, shear: 0, scaleX: 1, scaleY: 1, dx: 0, dy: 0 };
  assert.deepEqual(at(affineImage(dot, 0, base, 5)), [[3, 2]]);
  assert.deepEqual(at(affineImage(dot, 0, { ...base, rotation: 90 }, 5)), [[2, 1]], 'right of centre turns to above it');
  assert.deepEqual(at(affineImage(dot, 0, { ...base, rotation: -90 }, 5)), [[2, 3]]);
  assert.deepEqual(at(affineImage(dot, 0, { ...base, scaleX: 2 }, 5)), [[4, 2]], 'x scaled by 2 about the centre');
  assert.deepEqual(affineForwardMatrix({ rotation: 0, shear: 0.5, scaleX: 1, scaleY: 2 }), [1, 1, -0, 2], 'shear moves x by k·y after scaling');
});

test('sinCosDegrees agrees with Math.sin and Math.cos and is exact at 0', () => {
  assert.deepEqual(sinCosDegrees(0), [0, 1]);
  for (let d = -180; d <= 180; d += 0.37) {
    const [s, c] = sinCosDegrees(d);
    const x = (d * Math.PI) / 180;
    assert.ok(Math.abs(s - Math.sin(x)) < 1e-15 && Math.abs(c - Math.cos(x)) < 1e-15, `${d}°`);
  }
});

test('bad options are refused with what was expected', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ rotation: -1 }, /rotation must be a number of degrees in 0\.\.180, got -1/],
    [{ rotation: 200 }, /rotation .* got 200/],
    [{ shear: -0.1 }, /shear must be a finite number ≥ 0, got -0\.1/],
    [{ shear: NaN }, /shear .* got NaN/],
    [{ scale: [0, 1] }, /scale must be a range \[min, max\] with 0 < min ≤ max, got \[0, 1\]/],
    [{ scale: [1.2, 0.8] }, /got \[1\.2, 0\.8\]/],
    [{ scale: 1 }, /scale must be a range \[min, max\], got 1/],
    [{ size: 20 }, /affine test canvas size 20 is smaller than the 28×28 images of 'mnist\/test'/],
    [{ size: 40.5 }, /canvas size must be a positive integer, got 40\.5/],
    [{ seed: -1 }, /seed must be an integer in 0\.\.4294967295, got -1/],
    [{ seed: 1.5 }, /seed .* got 1\.5/],
    [{ translate: 'yes' }, /translate must be true or false, got yes/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => affineTestSet(digits, options as never), (e: unknown) => e instanceof ArgumentError && message.test(e.message), JSON.stringify(options));
  }
});

test('the defaults are affNIST\'s ranges on a 40×40 canvas', () => {
  assert.deepEqual(AFFINE_TEST_DEFAULTS, { seed: 0, size: 40, rotation: 20, shear: 0.2, scale: [0.8, 1.2], translate: true });
});

const GOLDEN_SHA256 = '20556c3d8b48d4659a305eaa56a6b8ad547489cd43160c3d0d737f6dcf670989';
