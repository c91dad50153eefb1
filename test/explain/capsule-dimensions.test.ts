import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { capsuleDimensionGrid, findCapsuleDecoder } from '../../src/explain/capsule-dimensions.js';
import { saveModel } from '../../src/io/index.js';
import { createZooModel } from '../../src/models/index.js';
import { CapsuleDecoder, CapsuleLength, Conv2D, PrimaryCapsules, RoutingCapsules, Sequential } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { makeTempDir, removeTempDirs, runCli } from '../cli/run-cli.js';
import { randomImage, twoConvModel } from './tiny-models.js';

function tinyCapsNet() {
  const model = new Sequential(
    [
      new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu' }),
      new PrimaryCapsules({ capsules: 2, capsuleDim: 4, kernelSize: 3, strides: 2 }),
      new RoutingCapsules({ capsules: 3, capsuleDim: 6, routings: 2 }),
      new CapsuleDecoder({ units: [16], imageShape: [10, 10, 1] }),
      new CapsuleLength(),
    ],
    { inputShape: [10, 10, 1], name: 'tiny-capsnet' },
  ).build({ seed: 4 });
  model.loss = 'margin';
  return model;
}

test('the grid has one row per capsule dimension: the input, then reconstructions of the longest capsule shifted by −range … +range', () => {
  const model = tinyCapsNet();
  const image = randomImage(10, 10, 1);
  const grid = capsuleDimensionGrid(model, image, { range: 0.3, steps: 3 });
  assert.deepEqual(grid.images.shape, [6 * 4, 10, 10, 1]);
  assert.equal(grid.rows, 6);
  assert.equal(grid.columns, 4);
  assert.deepEqual(grid.deltas.map((d) => Number(d.toFixed(10))), [-0.3, 0, 0.3]);
  const lengths = model.predictBatch(image).data;
  assert.equal(grid.predictedClass, lengths.indexOf(Math.max(...lengths)));
  assert.ok(Math.abs(grid.capsuleLength - lengths[grid.predictedClass]) < 1e-6);
  const pixels = 100;
  const tile = (row: number, col: number) => grid.images.data.subarray((row * 4 + col) * pixels, (row * 4 + col + 1) * pixels);
  for (let d = 0; d < 6; d++) assert.deepEqual(Array.from(tile(d, 0)), Array.from(image.data), 'first column: the input');
  // Δ = 0 (column 2) is the plain reconstruction, the same in every row; the capsule itself:
  const decoder = findCapsuleDecoder(model);
  const capsules = new Float32Array(3 * 6);
  capsules.set(grid.capsule, grid.predictedClass * 6);
  const plain = decoder.reconstruct(new Tensor(capsules, [1, 3, 6]), Int32Array.of(grid.predictedClass));
  for (let d = 0; d < 6; d++) tile(d, 2).forEach((v, i) => assert.ok(Math.abs(v - plain.data[i]) < 1e-6, `row ${d} pixel ${i}`));
  // Shifting a dimension changes the picture.
  assert.ok(tile(0, 1).some((v, i) => Math.abs(v - tile(0, 3)[i]) > 1e-6));
});

test('a model without a capsule decoder, an image of the wrong shape and a bad range are clear errors', () => {
  assert.throws(() => capsuleDimensionGrid(twoConvModel(), randomImage(6, 6, 1)), (e: unknown) => e instanceof ArgumentError && /has no CapsuleDecoder layer/.test(e.message) && /c1 \(Conv2D\)/.test(e.message));
  assert.throws(() => capsuleDimensionGrid(tinyCapsNet(), randomImage(8, 8, 1)), (e: unknown) => e instanceof ShapeError && /needs one image \[1, 10, 10, 1\]/.test(e.message));
  assert.throws(() => capsuleDimensionGrid(tinyCapsNet(), randomImage(10, 10, 1), { range: 0 }), ArgumentError);
  assert.throws(() => capsuleDimensionGrid(tinyCapsNet(), randomImage(10, 10, 1), { steps: 1 }), ArgumentError);
});

test('fovea capsule-dimensions writes a PNG of 16 rows × 12 tiles for capsnet-small and reports the prediction', async () => {
  {
    const dir = await makeTempDir('fovea-capsule-dims-');
    const modelDir = join(dir, 'caps');
    await saveModel(createZooModel('capsnet-small', { seed: 2 }), modelDir);
    const out = join(dir, 'dims.png');
    const run = await runCli(['capsule-dimensions', modelDir, '--dataset', 'mnist', '--index', '3', '--out', out, '--magnify', '1', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.rows, 16);
    assert.equal(result.columns, 12);
    assert.equal(result.capsule.length, 16);
    // 12 tiles of 28 px with 2 px between and around them, and 10 px after the input column.
    assert.equal(result.width, 2 + 12 * 28 + 11 * 2 + 10 + 2);
    assert.equal(result.height, 2 + 16 * (28 + 2));
    const png = await readFile(out);
    assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    assert.equal(png.readUInt32BE(16), result.width);
    const svgFile = join(dir, 'x.svg');
    const plain = await runCli(['capsule-dimensions', modelDir, '--out', svgFile]);
    assert.equal(plain.code, 0, plain.stderr);
    const svg = await readFile(svgFile, 'utf8');
    assert.match(svg, /^<svg/);
    for (const label of ['input', 'dim 1', 'dim 16', '-0.25', '+0.25', 'capsule length']) assert.ok(svg.includes(label), `the SVG shows '${label}'`);
    assert.match(plain.stdout, /rows: the 16 dimensions of that capsule; columns: the input, then the reconstruction with the dimension shifted by -0\.25 .* \+0\.25/);
    const wrong = await runCli(['capsule-dimensions', modelDir, '--index', '99999', '--out', join(dir, 'y.png')]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--index 99999 is past the end of mnist test, which has 10000 images/);
  }
});

after(removeTempDirs);
