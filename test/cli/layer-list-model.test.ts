/**
 * `fovea train --model FILE.txt`: a layer list file (the web app editor's text) is a model
 * architecture for the CLI too; its mistakes exit non-zero with the line they are on.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, removeTempDirs, runFails, runJson } from './run-cli.js';

after(removeTempDirs);

const SMALL = ['--backend', 'js', 'train', '--limit-train', '128', '--limit-test', '50', '--batch-size', '32'];

test('a layer list file trains like a zoo model, named after the file, and is saved as an ordinary model', async () => {
  const dir = await makeTempDir();
  const list = join(dir, 'tiny-cnn.txt');
  await writeFile(list, '# a tiny CNN\nConv2D(4, 3, activation=relu)\nMaxPool2D(2)\nFlatten()\nDense(10, activation=softmax)\n');
  const out = join(dir, 'model');
  const { json } = await runJson([...SMALL, '--model', list, '--epochs', '1', '--out', out, '--json']);
  const result = json as { model: string; test: { accuracy: number } };
  assert.equal(result.model, 'tiny-cnn');
  assert.ok(result.test.accuracy >= 0 && result.test.accuracy <= 1);
  const summary = await runJson(['summary', out, '--json']);
  assert.match(JSON.stringify(summary.json), /conv2d/);
});

test('a layer list with a shape error, an unknown layer or a missing file exits non-zero naming the line or the file', async () => {
  const dir = await makeTempDir();
  const shapes = join(dir, 'shapes.txt');
  await writeFile(shapes, 'Conv2D(4, 5)\nConv2D(4, 5)\nConv2D(4, 5)\nConv2D(4, 5)\nConv2D(4, 5)\nConv2D(4, 5)\nConv2D(4, 5)\nFlatten()\nDense(10)\n');
  assert.match(await runFails([...SMALL, '--model', shapes]), /line 7: .*gives output 0×0/);
  const unknown = join(dir, 'unknown.txt');
  await writeFile(unknown, 'Conv2D(4, 3)\nFlaten()\nDense(10)\n');
  assert.match(await runFails([...SMALL, '--model', unknown]), /line 2: .*Flaten/);
  assert.match(await runFails([...SMALL, '--model', join(dir, 'missing.txt')]), /E_NOT_FOUND.*layer list file not found/);
});
