/** The Rescaling layer: output and gradient times a constant, config round trip, bad scales. */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueAndGrads } from '../../src/autograd/tape.js';
import { ArgumentError } from '../../src/errors.js';
import { layerFromConfig, Rescaling } from '../../src/nn/index.js';
import { sum } from '../../src/ops/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';

test('Rescaling(1/9) multiplies its input and the gradient flowing back by 1/9, and its config rebuilds it', () => {
  const layer = new Rescaling({ scale: 1 / 9, name: 'logit_scale' });
  layer.build([3], new Rng(0));
  const x = new Tensor(Float32Array.from([9, -18, 4.5, 0, 1, 2]), [2, 3]);
  const { value, grads } = valueAndGrads(() => sum(layer.call(x, { training: true, rng: new Rng(0) })), [x]);
  assert.ok(Math.abs(value.item() - (9 - 18 + 4.5 + 0 + 1 + 2) / 9) < 1e-6);
  grads[0].data.forEach((g) => assert.ok(Math.abs(g - 1 / 9) < 1e-7));
  assert.deepEqual(layerFromConfig(layer.getConfig()).getConfig(), { type: 'Rescaling', name: 'logit_scale', scale: 1 / 9 });
  assert.equal(layer.describe().detail, '×0.1111');
});

test('a scale that is not a finite number is an ArgumentError quoting it', () => {
  assert.throws(() => new Rescaling({ scale: NaN }), (e: unknown) => e instanceof ArgumentError && /finite number, got null/.test(e.message));
  assert.throws(() => new Rescaling({ scale: '2' as unknown as number }), /got "2"/);
});
