/**
 * `watch`: gradients with respect to tensors made inside the differentiated function (a layer's
 * output), which Grad-CAM needs and which cannot be passed as sources beforehand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueAndGrads, watch } from '../../src/autograd/index.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { Dense, Sequential } from '../../src/nn/index.js';
import { exp, mul, scale, sum } from '../../src/ops/index.js';
import { type Tensor, tensor } from '../../src/tensor/index.js';

const f64 = createJsBackend('float64');
const t64 = (values: number[], shape = [values.length]) => tensor(values, shape, 'float64');
const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
};

test('a watched intermediate gets its gradient, and the sources still get theirs: y = eˣ, f = Σ y·y', () => {
  withBackend(f64, () => {
    const x = t64([0, 0.5, -1]);
    let y: Tensor | null = null;
    const { value, grads, watched } = valueAndGrads(() => {
      y = watch(exp(x));
      return sum(mul(y, y));
    }, [x]);
    const ey = Array.from(x.data, Math.exp);
    close(watched.get(y!)!.data, ey.map((v) => 2 * v));
    close(grads[0].data, ey.map((v) => 2 * v * v));
    close([value.item()], [ey.reduce((s, v) => s + v * v, 0)]);
  });
});

test('with no sources, only what follows the watched tensor is recorded, and its gradient is right', () => {
  withBackend(f64, () => {
    const x = t64([1, 2]);
    let y: Tensor | null = null;
    const { grads, watched } = valueAndGrads(() => {
      y = watch(scale(exp(x), 1)); // exp(x) ran before the watch: not recorded
      return sum(scale(mul(y, y), 3));
    }, []);
    assert.equal(grads.length, 0);
    close(watched.get(y!)!.data, Array.from(y!.data, (v) => 6 * v));
  });
});

test('a watched tensor the value does not use gets zeros; the value itself gets 1; outside a recording watch does nothing', () => {
  withBackend(f64, () => {
    const x = t64([1, 2]);
    let unused: Tensor | null = null;
    let out: Tensor | null = null;
    const { watched } = valueAndGrads(() => {
      unused = watch(exp(x));
      out = watch(sum(x));
      return out;
    }, [x]);
    assert.deepEqual(Array.from(watched.get(unused!)!.data), [0, 0]);
    assert.deepEqual(Array.from(watched.get(out!)!.data), [1]);
    const t = t64([3]);
    assert.equal(watch(t), t);
  });
});

test("a layer's output watched through onLayerOutput: d out[0] / d hidden is the first column of the last kernel", () => {
  withBackend(f64, () => {
    const model = new Sequential([new Dense({ units: 3, activation: 'tanh', name: 'hidden' }), new Dense({ units: 2, name: 'out' })], { inputShape: [4] }).build({ seed: 3 });
    for (const p of model.parameters()) p.value = tensor(p.value.data, p.value.shape, 'float64');
    const x = t64([0.1, -0.2, 0.3, 0.4], [1, 4]);
    let hidden: Tensor | null = null;
    const { watched } = valueAndGrads(() => {
      const y = model.forward(x, {
        onLayerOutput: (layer, output) => {
          if (layer.name === 'hidden') hidden = watch(output);
        },
      });
      return sum(mul(y, t64([1, 0], [1, 2])));
    }, []);
    const kernel = model.getLayer('out').parameters()[0].value.data; // [3, 2]
    close(watched.get(hidden!)!.data, [kernel[0], kernel[2], kernel[4]]);
  });
});
