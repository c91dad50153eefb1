/**
 * Node's JPEG decoder: libjpeg's pixels (checked against Pillow's on a real CIFAR-10 JPEG),
 * typed errors for corrupt and cut-short files, the CMYK fallback, and decodes started together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpegJs from 'jpeg-js';
import { FormatError } from '../../src/errors.js';
import { decodeJpeg } from '../../src/platform/node-jpeg.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(repoRoot, 'test', 'platform', 'fixtures', name)));

/** A 32×32 4:2:0 JPEG from the CIFAR-10 JPEG copy, and Pillow 9.4's RGB decode of it (libjpeg-turbo). */
const airplane = fixture('cifar10-test-airplane-0000.jpg');
const airplanePillow = fixture('cifar10-test-airplane-0000.pillow.rgb');

function rgbDifferences(rgba: Uint8Array, rgb: Uint8Array): { differing: number; meanAbs: number } {
  let differing = 0;
  let sum = 0;
  for (let p = 0; p < rgb.length / 3; p++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(rgba[p * 4 + c] - rgb[p * 3 + c]);
      if (d) differing++;
      sum += d;
    }
  }
  return { differing, meanAbs: sum / rgb.length };
}

test('a 4:2:0 CIFAR-10 JPEG decodes to exactly the pixels Pillow (libjpeg-turbo) gives', async () => {
  const img = await decodeJpeg(airplane, 'airplane.jpg');
  assert.deepEqual([img.width, img.height, img.channels, img.data.length], [32, 32, 4, 32 * 32 * 4]);
  assert.deepEqual(rgbDifferences(img.data, airplanePillow), { differing: 0, meanAbs: 0 });
  for (let p = 0; p < 32 * 32; p++) assert.equal(img.data[p * 4 + 3], 255);
});

test('jpeg-js, the decoder this replaced, differs from Pillow on the same file (so the check above can fail)', () => {
  const old = jpegJs.decode(Buffer.from(airplane), { useTArray: true, formatAsRGBA: true });
  const { differing, meanAbs } = rgbDifferences(old.data, airplanePillow);
  assert.ok(differing > 1000 && meanAbs > 0.5, `differing ${differing}, mean ${meanAbs}`);
});

test('a JPEG cut short inside its image data fails with FormatError saying so and naming the file', async () => {
  const cut = airplane.subarray(0, Math.floor(airplane.length * 0.8));
  await assert.rejects(decodeJpeg(cut, 'cut.jpg'), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /cut\.jpg/);
    assert.match(e.message, /JPEG image is cut short: the file ends before its image data does \(710 bytes\)/);
    return true;
  });
});

test('a JPEG cut inside its headers fails with FormatError quoting libjpeg', async () => {
  await assert.rejects(decodeJpeg(airplane.subarray(0, 30), 'head.jpg'), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /not a readable JPEG image \(libjpeg: .+\)/);
    return true;
  });
});

test('bytes that start like a JPEG and then are text fail with FormatError quoting libjpeg', async () => {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, ...new TextEncoder().encode('hello, not a jpeg')]);
  await assert.rejects(decodeJpeg(bytes, 'text.jpg'), /not a readable JPEG image \(libjpeg: Unsupported marker type 0x68\)/);
});

test('a JPEG whose header declares 60000×60000 pixels (14 GB of RGBA) fails with FormatError giving that size, and the next decode works', async () => {
  const bomb = airplane.slice();
  const sof = bomb.findIndex((b, i) => b === 0xff && bomb[i + 1] === 0xc0);
  assert.ok(sof > 0, 'the fixture has a baseline frame header');
  bomb.set([0xea, 0x60, 0xea, 0x60], sof + 5);
  await assert.rejects(decodeJpeg(bomb, 'bomb.jpg'), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /bomb\.jpg/);
    assert.match(e.message, /not a readable JPEG image \(its header declares 60000×60000 pixels; the decoder failed without a message/);
    return true;
  });
  const img = await decodeJpeg(airplane, 'airplane.jpg');
  assert.equal(rgbDifferences(img.data, airplanePillow).differing, 0);
});

test('a CMYK JPEG, which this libjpeg build cannot convert, decodes through jpeg-js with its colours', async () => {
  const img = await decodeJpeg(fixture('two-colours-cmyk.jpg'), 'cmyk.jpg');
  assert.deepEqual([img.width, img.height], [8, 8]);
  const left = Array.from(img.data.subarray(0, 3));
  const right = Array.from(img.data.subarray((7 * 8 + 7) * 4, (7 * 8 + 7) * 4 + 3));
  [220, 30, 40].forEach((v, i) => assert.ok(Math.abs(left[i] - v) <= 12, `left ${left}`));
  [20, 40, 200].forEach((v, i) => assert.ok(Math.abs(right[i] - v) <= 12, `right ${right}`));
});

test('decodes started together, good and bad mixed, each get their own result and error', async () => {
  const cut = airplane.subarray(0, 700);
  const results = await Promise.allSettled([decodeJpeg(airplane, 'a.jpg'), decodeJpeg(cut, 'b.jpg'), decodeJpeg(airplane, 'c.jpg'), decodeJpeg(cut, 'd.jpg')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
  for (const i of [0, 2]) {
    const r = results[i] as PromiseFulfilledResult<{ data: Uint8Array }>;
    assert.equal(rgbDifferences(r.value.data, airplanePillow).differing, 0);
  }
  for (const [i, name] of [[1, 'b.jpg'], [3, 'd.jpg']] as const) {
    assert.match(String((results[i] as PromiseRejectedResult).reason.message), new RegExp(`${name.replace('.', '\\.')}.*cut short|cut short.*${name.replace('.', '\\.')}`));
  }
});

test('decoding leaves globalThis without an ImageData, as Node has none: the decoder\'s stand-in is lent only for its call', async () => {
  assert.equal('ImageData' in globalThis, false, 'Node 20 has no ImageData to begin with');
  const image = await decodeJpeg(airplane, 'airplane.jpg');
  assert.equal(image.width, 32);
  assert.equal('ImageData' in globalThis, false, 'after the first decode (the module started)');
  await assert.rejects(decodeJpeg(airplane.subarray(0, 200), 'cut.jpg'), FormatError);
  assert.equal('ImageData' in globalThis, false, 'after a failed decode');
});
