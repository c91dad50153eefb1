import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentations, compose, flipHorizontal, parseAugmentSpec, randomCrop, randomFlip } from '../../../src/data/augment/index.js';
import * as dataApi from '../../../src/data/index.js';
import { ArgumentError, UnknownNameError } from '../../../src/errors.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertBitEqual, differs, randomBatch } from './images.js';

const NAMES = ['crop', 'flip', 'altflip', 'rotate', 'translate', 'scale', 'brightness', 'contrast', 'noise', 'cutout'];

test('every documented form parses and keeps the batch shape', () => {
  const x = randomBatch([4, 12, 10, 3]);
  const specs = [
    'crop:4',
    'crop:2:reflect',
    'crop:4:zero',
    'flip',
    'flip:0.3',
    'altflip',
    'rotate:15',
    'translate:4',
    'translate:0.1',
    'translate:0.1:nearest',
    'translate:0.1:nearest:subpixel',
    'translate:2.5:zero:subpixel',
    'translate:3:zero',
    'scale:0.9-1.1',
    'scale:1.2',
    'brightness:0.2',
    'contrast:0.2',
    'noise:0.05',
    'cutout:8',
    ' crop:4 , flip ,rotate:15,noise:0.02 ',
  ];
  for (const spec of specs) {
    const y = parseAugmentSpec(spec)(x, new Rng(1));
    assert.deepEqual(y.shape, x.shape, spec);
  }
  assert.deepEqual(augmentations.map((a) => a.name), NAMES);
});

test('a spec applies its transforms in order, drawing from one generator', () => {
  const x = randomBatch([6, 8, 8, 3]);
  assertBitEqual(parseAugmentSpec('flip:1,flip:1')(x, new Rng(1)), x);
  assertBitEqual(parseAugmentSpec('crop:2,flip')(x, new Rng(9)), compose(randomCrop(2), randomFlip(0.5))(x, new Rng(9)));
  assertBitEqual(compose()(x, new Rng(1)), x);
  assertBitEqual(compose(randomFlip(1))(x, new Rng(1)), flipHorizontal(x));
});

test('the same seed gives the same batch bit for bit; another seed a different one', () => {
  const x = randomBatch([8, 16, 16, 3]);
  const t = parseAugmentSpec('crop:4,flip,rotate:15,translate:2,scale:0.9-1.1,brightness:0.2,contrast:0.2,noise:0.02,cutout:4');
  const a = t(x, new Rng(42));
  assertBitEqual(t(x, new Rng(42)), a);
  assertBitEqual(parseAugmentSpec('crop:4,flip,rotate:15,translate:2,scale:0.9-1.1,brightness:0.2,contrast:0.2,noise:0.02,cutout:4')(x, new Rng(42)), a);
  assert.ok(differs(t(x, new Rng(43)), a));
});

test('an unknown name is an UnknownNameError listing every valid transform and its form', () => {
  assert.throws(
    () => parseAugmentSpec('crop:4,wobble:3'),
    (e: unknown) => {
      assert.ok(e instanceof UnknownNameError);
      const message = (e as Error).message;
      assert.match(message, /unknown augmentation 'wobble'/);
      for (const name of NAMES) assert.ok(message.includes(name), `message names ${name}: ${message}`);
      assert.match(message, /crop:PAD\[:zero\|reflect\]/);
      assert.match(message, /scale:MIN-MAX/);
      return true;
    },
  );
});

test('bad arguments are ArgumentErrors that give the expected form', () => {
  const cases: [string, RegExp][] = [
    ['rotate:abc', /augmentation 'rotate:abc': bad DEGREES 'abc' \(not a number\); expected rotate:DEGREES/],
    ['rotate', /rotate takes 1 argument, got 0; expected rotate:DEGREES/],
    ['rotate:200', /DEGREES 200 \(outside 0\.\.180\)/],
    ['crop:4:wrap', /padding mode 'wrap' \(expected zero or reflect\); expected crop:PAD\[:zero\|reflect\]/],
    ['crop:-1', /PAD '-1' \(not a number\)/],
    ['crop:2.5', /PAD 2\.5 \(not a whole number\)/],
    ['flip:2', /P 2 \(outside 0\.\.1\)/],
    ['flip:0.5:1', /flip takes 0 to 1 arguments, got 2; expected flip\[:P\]/],
    ['translate:1.5', /PIXELS must be a whole number/],
    ['translate:0.1:wrap', /fill 'wrap' \(expected zero or nearest\); expected translate:PIXELS\|FRACTION\[:zero\|nearest\[:whole\|subpixel\]\]/],
    ['translate:0.1:nearest:half', /step 'half' \(expected whole or subpixel\)/],
    ['translate:2.5:nearest', /PIXELS must be a whole number unless the step is subpixel/],
    ['scale:1.1-0.9', /expected 0 < MIN ≤ MAX/],
    ['scale:0.9-1-2', /expected MIN-MAX/],
    ['scale:0', /expected 0 < MIN ≤ MAX/],
    ['brightness:', /DELTA '' \(not a number\)/],
    ['noise:NaN', /STD 'NaN' \(not a number\)/],
    ['cutout:8:2', /cutout takes 1 argument, got 2; expected cutout:SIZE/],
  ];
  for (const [spec, pattern] of cases) {
    assert.throws(() => parseAugmentSpec(spec), (e: unknown) => {
      assert.ok(e instanceof ArgumentError, `${spec}: ${String(e)}`);
      assert.match((e as Error).message, pattern, spec);
      return true;
    });
  }
});

test('an empty spec or entry is an ArgumentError that shows the grammar', () => {
  for (const spec of ['', '  ', 'flip,,crop:4', 'flip,']) {
    assert.throws(() => parseAugmentSpec(spec), /empty entry; expected comma-separated transforms such as crop:4,flip,rotate:15, each one of: crop:PAD/);
  }
});

test('names are case-insensitive', () => {
  const x = randomBatch([2, 4, 4, 1]);
  assertBitEqual(parseAugmentSpec('FLIP:1')(x, new Rng(1)), flipHorizontal(x));
});

test('the augmentation API is re-exported from data/', () => {
  assert.equal(dataApi.parseAugmentSpec, parseAugmentSpec);
  assert.equal(dataApi.compose, compose);
});

test('every transform keeps a float64 batch in float64', () => {
  const x32 = randomBatch([2, 6, 6, 3]);
  const x = new Tensor(Float64Array.from(x32.data), x32.shape);
  const y = parseAugmentSpec('crop:2,flip,rotate:10,translate:1,scale:0.9-1.1,brightness:0.1,contrast:0.1,noise:0.01,cutout:2')(x, new Rng(1));
  assert.equal(y.dtype, 'float64');
});
