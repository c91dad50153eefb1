import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError, UnknownNameError } from '../../src/errors.js';
import { chooseFilterView, colormapRgb, filterFigure, filterTilePicture, filterTiles, layerFilters } from '../../src/explain/index.js';
import { Conv2D, DepthwiseConv2D, Dense, Flatten, Sequential } from '../../src/nn/index.js';
import { setWeight, twoConvModel } from './tiny-models.js';

/** kernel[y, x, c, f] of a [kh, kw, inC, outC] kernel. */
const kernelAt = (k: ArrayLike<number>, kw: number, inC: number, outC: number) => (y: number, x: number, c: number, f: number) => k[((y * kw + x) * inC + c) * outC + f];

test('layerFilters defaults to the first convolution and copies its kernel and bias', () => {
  const model = twoConvModel();
  setWeight(model, 'c1', 'kernel', (i) => i - 3.5); // [2, 2, 1, 2]: values −3.5 … 3.5
  const filters = layerFilters(model);
  assert.equal(filters.layer, 'c1');
  assert.equal(filters.type, 'Conv2D');
  assert.deepEqual(filters.kernel.shape, [2, 2, 1, 2]);
  assert.deepEqual(Array.from(filters.kernel.data), [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual(Array.from(filters.bias!), [0, 0]);
  filters.kernel.data[0] = 99;
  assert.equal(model.getLayer('c1').parameters()[0].value.data[0], -3.5, 'the model keeps its weights');
});

test('one input channel: one tile per filter, in filter order, on the scale ±max|w|', () => {
  const model = twoConvModel();
  setWeight(model, 'c1', 'kernel', (i) => i - 3.5);
  const tiles = filterTiles(layerFilters(model, 'c1'));
  assert.equal(tiles.view, 'channels');
  assert.deepEqual(tiles.tiles.shape, [2, 2, 2, 1]);
  // filter 0 is the even entries, filter 1 the odd ones, each in (y, x) order.
  assert.deepEqual(Array.from(tiles.tiles.data), [-3.5, -1.5, 0.5, 2.5, -2.5, -0.5, 1.5, 3.5]);
  assert.equal(tiles.range, 3.5);
  assert.deepEqual([tiles.rows, tiles.columns, tiles.columnLabels], [1, 2, ['0', '1']]);
  // The picture: −range is the darkest blue, +range the darkest red, 0 white.
  const filter1 = filterTilePicture(tiles, 1);
  assert.deepEqual([...filter1.rgba.subarray(12, 15)], colormapRgb('diverging', 1));
  assert.deepEqual([...filter1.rgba.subarray(12, 15)], [0x67, 0x00, 0x1f]);
  const filter0 = filterTilePicture(tiles, 0);
  assert.deepEqual([...filter0.rgba.subarray(0, 3)], [0x05, 0x30, 0x61]);
});

test('several input channels: a tile per (input channel, filter), rows input channels, columns filters', () => {
  const model = twoConvModel();
  const filters = layerFilters(model, 'c2');
  const [kh, kw, inC, outC] = filters.kernel.shape;
  assert.deepEqual([kh, kw, inC, outC], [3, 3, 2, 3]);
  const at = kernelAt(filters.kernel.data, kw, inC, outC);
  const tiles = filterTiles(filters);
  assert.equal(chooseFilterView(filters), 'channels');
  assert.deepEqual([tiles.rows, tiles.columns, tiles.tiles.shape], [2, 3, [6, 3, 3, 1]]);
  for (let c = 0; c < inC; c++) {
    for (let f = 0; f < outC; f++) {
      for (let p = 0; p < 9; p++) assert.equal(tiles.tiles.data[(c * outC + f) * 9 + p], at(Math.floor(p / 3), p % 3, c, f), `tile (${c}, ${f}) pixel ${p}`);
    }
  }
  assert.equal(tiles.range, Math.max(...Array.from(filters.kernel.data, Math.abs)));
  assert.equal(tiles.tileLabels[4], 'input channel 1, filter 1');

  const mean = filterTiles(filters, 'mean');
  assert.deepEqual(mean.tiles.shape, [3, 3, 3, 1]);
  for (let f = 0; f < outC; f++) {
    for (let p = 0; p < 9; p++) {
      const expected = (at(Math.floor(p / 3), p % 3, 0, f) + at(Math.floor(p / 3), p % 3, 1, f)) / 2;
      assert.ok(Math.abs(mean.tiles.data[f * 9 + p] - expected) < 1e-7);
    }
  }
});

test('three input channels: RGB patches, each channel its weight around mid-grey', () => {
  const model = new Sequential([new Conv2D({ filters: 2, kernelSize: 1, name: 'rgb' }), new Flatten(), new Dense({ units: 2 })], { inputShape: [4, 4, 3] }).build({ seed: 0 });
  setWeight(model, 'rgb', 'kernel', [1, -1, 0, 0.5, -0.5, 0]); // [1, 1, 3, 2]
  const filters = layerFilters(model);
  assert.equal(chooseFilterView(filters), 'rgb');
  const tiles = filterTiles(filters);
  assert.deepEqual(tiles.tiles.shape, [2, 1, 1, 3]);
  assert.deepEqual(Array.from(tiles.tiles.data), [1, 0, -0.5, -1, 0.5, 0]);
  assert.deepEqual([...filterTilePicture(tiles, 0).rgba], [255, 128, 64, 255]);
  assert.deepEqual([...filterTilePicture(tiles, 1).rgba], [0, 191, 128, 255]);
});

test('a depthwise layer: one tile per output channel c·multiplier + m', () => {
  const model = new Sequential([new DepthwiseConv2D({ kernelSize: 1, depthMultiplier: 2, name: 'dw' }), new Flatten(), new Dense({ units: 2 })], { inputShape: [3, 3, 2] }).build({ seed: 0 });
  setWeight(model, 'dw', 'depthwise_kernel', [1, 2, 3, 4]); // [1, 1, 2 channels, 2 multipliers]
  const tiles = filterTiles(layerFilters(model));
  assert.equal(tiles.view, 'channels');
  assert.deepEqual(Array.from(tiles.tiles.data), [1, 2, 3, 4]);
  assert.equal(tiles.tileLabels[3], 'output channel 3');
  assert.throws(() => filterTiles(layerFilters(model), 'mean'), ArgumentError);
});

test('wrong layers are refused with the names there are', () => {
  const model = twoConvModel();
  assert.throws(() => layerFilters(model, 'out'), (e: unknown) => e instanceof ArgumentError && /layer 'out' is a Dense, not a convolution.*c1 \(Conv2D\), c2 \(Conv2D\)/.test(e.message));
  assert.throws(() => layerFilters(model, 'nope'), (e: unknown) => e instanceof ArgumentError && /no layer named 'nope'; its layers are: c1 \(Conv2D → \[5, 5, 2\]\), c2/.test(e.message));
  const dense = new Sequential([new Flatten(), new Dense({ units: 2 })], { inputShape: [2, 2, 1] }).build();
  assert.throws(() => layerFilters(dense), /has no Conv2D or DepthwiseConv2D layer/);
  assert.throws(() => filterTiles(layerFilters(model, 'c1'), 'rgb'), /needs a layer over 3 input channels; layer 'c1' has 1/);
  assert.throws(() => filterTiles(layerFilters(model, 'c1'), 'sideways' as never), UnknownNameError);
});

test('the figure labels the layer, the grid and the scale, and has one picture per tile', () => {
  const model = twoConvModel();
  const filters = layerFilters(model, 'c2');
  const tiles = filterTiles(filters);
  const figure = filterFigure(filters, tiles, { notes: ['a note'] });
  const texts = figure.texts.map((t) => t.text);
  assert.ok(texts.includes("Filters of layer 'c2' (Conv2D)"));
  assert.ok(texts.includes('a note'));
  assert.ok(texts.includes('input channel') && texts.includes('filter →'));
  assert.ok(texts.some((t) => t.startsWith('weight (blue negative')));
  const range = Number(tiles.range.toPrecision(3)).toString();
  assert.ok(texts.includes(range) && texts.includes(`-${range}`), `legend shows ±${range}: ${texts.join(' | ')}`);
  assert.equal(figure.rasters.length, 6 + 1, 'six tiles and the colour bar');
  const plain = filterFigure(filters, tiles, { labels: false });
  assert.equal(plain.texts.length, 0);
  assert.equal(plain.rasters.length, 6);
  assert.ok(plain.height < figure.height);
});
