import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { ArgumentError, UnknownNameError } from '../../src/errors.js';
import { checkColormap, colormapCss, colormapRgb } from '../../src/explain/colormap.js';
import { emptyFigure, encodeFigure, escapeXml, figureToRgba, figureToSvg, formatValue, pictureFormat, toBase64 } from '../../src/explain/figure.js';

test('toBase64 agrees with Buffer for every length remainder', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 100, 257]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
    assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'));
  }
});

test('colour maps: the diverging map is blue, white at the middle, red; names are checked', () => {
  assert.deepEqual(colormapRgb('diverging', 0), [0x05, 0x30, 0x61]);
  assert.deepEqual(colormapRgb('diverging', 0.5), [0xf7, 0xf7, 0xf7]);
  assert.deepEqual(colormapRgb('diverging', 1), [0x67, 0x00, 0x1f]);
  assert.deepEqual(colormapRgb('grey', 2), [255, 255, 255], 'clipped');
  assert.deepEqual(colormapRgb('inferno', Number.NaN), [0, 0, 4]);
  assert.equal(colormapCss('grey', 0), '#000000');
  assert.throws(() => checkColormap('jet'), UnknownNameError);
  assert.deepEqual([formatValue(0), formatValue(0.123456), formatValue(-2.5e-5), formatValue(12345)], ['0', '0.123', '-2.50e-5', '1.23e4']);
});

/** A 2×1 raster (red, blue) drawn 3× at (2, 1) with a label. */
function sampleFigure() {
  const figure = emptyFigure('a <test> & more');
  figure.width = 10;
  figure.height = 6;
  figure.rasters.push({ x: 2, y: 1, width: 6, height: 3, image: { width: 2, height: 1, rgba: Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255]) } });
  figure.texts.push({ x: 1, y: 5, text: 'conv2d & <pool>', anchor: 'middle', bold: true });
  return figure;
}

test('the PNG page: rasters scaled by nearest neighbour onto white, no text', () => {
  const { width, height, rgba } = figureToRgba(sampleFigure());
  assert.deepEqual([width, height], [10, 6]);
  const px = (x: number, y: number) => [...rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];
  assert.deepEqual(px(0, 0), [255, 255, 255, 255]);
  assert.deepEqual(px(2, 1), [255, 0, 0, 255]);
  assert.deepEqual(px(4, 3), [255, 0, 0, 255]);
  assert.deepEqual(px(5, 1), [0, 0, 255, 255]);
  assert.deepEqual(px(8, 1), [255, 255, 255, 255]);
});

test('the SVG: escaped text, pixelated rasters embedded as PNG that decode to the raster', async () => {
  const svg = await figureToSvg(sampleFigure());
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="10" height="6" viewBox="0 0 10 6"/);
  assert.ok(svg.includes('<title>a &lt;test&gt; &amp; more</title>'));
  assert.ok(svg.includes('image-rendering: pixelated'));
  assert.ok(svg.includes('<text x="1" y="5" font-size="12" text-anchor="middle" font-weight="bold">conv2d &amp; &lt;pool&gt;</text>'));
  const m = /<image x="2" y="1" width="6" height="3" preserveAspectRatio="none" xlink:href="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(svg);
  assert.ok(m, svg);
  const png = PNG.sync.read(Buffer.from(m[1], 'base64'));
  assert.deepEqual([png.width, png.height, ...png.data], [2, 1, 255, 0, 0, 255, 0, 0, 255, 255]);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(escapeXml('"a"'), '&quot;a&quot;');
});

test('the file format comes from the extension; PNG files decode to the page', async () => {
  assert.equal(pictureFormat('x.SVG'), 'svg');
  assert.equal(pictureFormat('dir/x.png'), 'png');
  assert.throws(() => pictureFormat('x.jpg'), (e: unknown) => e instanceof ArgumentError && /--out must end in \.svg.*or \.png.*got 'x\.jpg'/.test(e.message));
  const png = PNG.sync.read(Buffer.from((await encodeFigure(sampleFigure(), 'png')) as Uint8Array));
  assert.deepEqual([png.width, png.height], [10, 6]);
  assert.equal(typeof (await encodeFigure(sampleFigure(), 'svg')), 'string');
});
