import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createImageDataset } from '../../src/data/index.js';
import {
  chartToSvg,
  confusionMatrixSpec,
  galleryHtml,
  htmlTable,
  inlineSvg,
  mistakesFigure,
  mostConfidentMistakes,
  reportHtml,
  summaryTableHtml,
  trainingCurvesSpec,
} from '../../src/explain/index.js';
import { Dense, Flatten, type Network, Sequential } from '../../src/nn/index.js';
import { setWeight, twoConvModel } from './tiny-models.js';

const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
const lineMarks = (svg: string): string[] => [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="line mark"/g)].map((m) => m[1]);

test('training curves: nothing without history; loss and accuracy panels with training and, when recorded, validation lines', async () => {
  assert.equal(trainingCurvesSpec({ epoch: [], loss: [], accuracy: [] }), null);
  const trainOnly = await chartToSvg(trainingCurvesSpec({ epoch: [1, 2, 3], loss: [0.5, 0.3, 0.2], accuracy: [0.8, 0.9, 0.95] })!);
  const t1 = texts(trainOnly);
  for (const s of ['Training curves', 'Loss', 'Accuracy', 'epoch', 'cross-entropy loss', 'accuracy', 'training']) assert.ok(t1.includes(s), `${s}: ${t1.join(' | ')}`);
  assert.ok(!t1.includes('validation'));
  assert.equal(lineMarks(trainOnly).length, 2);
  const both = await chartToSvg(trainingCurvesSpec({ epoch: [1, 2], loss: [0.5, 0.3], accuracy: [0.8, 0.9], valLoss: [0.6, 0.4], valAccuracy: [0.7, 0.85] })!);
  assert.ok(texts(both).includes('validation'));
  const marks = lineMarks(both);
  assert.equal(marks.length, 4, marks.join('\n'));
  assert.ok(marks.some((m) => m.includes('data: validation')));
});

test('confusion matrix: class names on both axes, counts written in the cells, zeros left blank', async () => {
  const svg = await chartToSvg(
    confusionMatrixSpec({ confusionMatrix: [[7, 0, 3], [1, 11, 0], [0, 0, 5]], classNames: ['cat', 'dog', 'bird'], accuracy: 23 / 27, count: 27 }, { dataset: 'pets' }),
  );
  const t = texts(svg);
  for (const s of ['Confusion matrix', 'true class', 'predicted class', 'cat', 'dog', 'bird', '7', '3', '1', '11', '5']) assert.ok(t.includes(s), `${s}: ${t.join(' | ')}`);
  assert.ok(!t.includes('0'), 'zero counts are not written');
  assert.ok(t.some((s) => s.includes('pets test, 27 images, accuracy 85.19%')), t.join(' | '));
  // Nine cells, each a rect mark.
  assert.equal(svg.match(/aria-roledescription="rect mark"/g)?.length, 9);
  // Repeated names are told apart by their index.
  const twice = await chartToSvg(confusionMatrixSpec({ confusionMatrix: [[1, 0], [0, 1]], classNames: ['x', 'x'], accuracy: 1, count: 2 }));
  assert.ok(texts(twice).includes('1 x'));
});

/**
 * One-pixel images → dense (2 classes): logits (v, −v) for a pixel v, so the model says class 0
 * with probability sigmoid(2v) — the brighter, the surer.
 */
function onePixelModel(): Network {
  const model = new Sequential([new Flatten({ name: 'flat' }), new Dense({ units: 2, activation: 'softmax', name: 'out' })], { inputShape: [1, 1, 1], name: 'one-pixel' }).build({ seed: 0 });
  setWeight(model, 'out', 'kernel', [1, -1]);
  setWeight(model, 'out', 'bias', [0, 0]);
  model.classNames = ['zero', 'one'];
  return model;
}

test('the most confident mistakes come first, and correct answers are never listed', () => {
  // Pixels 0.1, 0.9, 0.5, 0.3 with label 1 are mistakes (the model says 0); pixel 0.7 with label 0 is right.
  const pixels = [0.1, 0.9, 0.7, 0.5, 0.3];
  const labels = [1, 1, 0, 1, 1];
  const ds = createImageDataset({ name: 'pixels', images: Uint8Array.from(pixels, (p) => Math.round(p * 255)), labels: Uint8Array.from(labels), height: 1, width: 1, channels: 1, classNames: ['zero', 'one'] });
  const result = mostConfidentMistakes(onePixelModel(), ds, { count: 3, batchSize: 2 });
  assert.equal(result.tested, 5);
  assert.equal(result.wrong, 4);
  assert.deepEqual(result.mistakes.map((m) => m.index), [1, 3, 4]);
  const first = result.mistakes[0];
  assert.equal(first.labelName, 'one');
  assert.equal(first.predictedName, 'zero');
  const v = Math.round(0.9 * 255) / 255;
  assert.ok(Math.abs(first.confidence - 1 / (1 + Math.exp(-2 * v))) < 1e-6);
  assert.ok(Math.abs(first.confidence + first.labelProbability - 1) < 1e-6);
  assert.equal(mostConfidentMistakes(onePixelModel(), ds, { limit: 1 }).tested, 1);

  const figure = mistakesFigure(onePixelModel(), ds, result);
  const captions = figure.texts.map((t) => t.text);
  assert.ok(captions.includes('true one → zero'), captions.join(' | '));
  assert.ok(captions.some((c) => c.startsWith(`${(first.confidence * 100).toFixed(1)}% · #1`)), captions.join(' | '));
  assert.equal(figure.rasters.length, 3);
  assert.equal(mistakesFigure(onePixelModel(), ds, result, { labels: false }).texts.length, 0);
});

test('HTML pieces: the summary table lists every layer and the parameter total; text is escaped; the page has its sections and no script', () => {
  const model = twoConvModel();
  const table = summaryTableHtml(model);
  for (const name of ['c1', 'c2', 'flat', 'out', 'Conv2D', 'Dense']) assert.ok(table.includes(`>${name}`), name);
  assert.ok(table.includes(`<td class="num">${model.countParameters().toLocaleString('en-US')}</td>`));
  assert.equal(htmlTable(['a', 'b'], [['<x>', '&']]).includes('&lt;x&gt;'), true);
  assert.equal(htmlTable(['', ''], [['k', 'v']]).includes('<thead>'), false);
  const gallery = galleryHtml([{ png: new Uint8Array([137, 80, 78, 71]), alt: 'a "quoted" one', caption: 'true 3 → 5' }]);
  assert.ok(gallery.includes('src="data:image/png;base64,iVBORw=="'));
  assert.ok(gallery.includes('alt="a &quot;quoted&quot; one"'));
  assert.equal(inlineSvg('<?xml version="1.0"?>\n<svg></svg>'), '<svg></svg>');
  const page = reportHtml({ title: 'Report <1>', notes: ['n & m'], sections: [{ id: 'a', title: 'A', intro: ['x < y'], html: '<svg></svg>' }, { id: 'b', title: 'B', html: '' }] });
  assert.ok(page.startsWith('<!DOCTYPE html>'));
  assert.ok(page.includes('<title>Report &lt;1&gt;</title>'));
  assert.ok(page.includes('<section id="a" data-section="a">'));
  assert.ok(page.includes('<a href="#b">B</a>'));
  assert.ok(page.includes('<p>x &lt; y</p>'));
  assert.ok(!/<script|<link|@import|url\(/i.test(page));
});
