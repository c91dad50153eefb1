/** Softmax cross-entropy with label smoothing: value from the definition, gradient by finite differences. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad } from '../../src/autograd/index.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { ArgumentError } from '../../src/errors.js';
import { softmaxCrossEntropy } from '../../src/ops/index.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const f64 = createJsBackend('float64');

/** −Σ_c t_c·log softmax(z)_c with t = (1−ε)·onehot + ε/K, averaged over rows, straight from the definition. */
function smoothedByDefinition(logits: number[], cols: number, labels: number[], eps: number): number {
  let total = 0;
  labels.forEach((label, r) => {
    const row = logits.slice(r * cols, (r + 1) * cols);
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    row.forEach((z, c) => {
      const t = (c === label ? 1 - eps : 0) + eps / cols;
      total -= t * (z - lse);
    });
  });
  return total / labels.length;
}

test('label smoothing 0.1 on 2 rows × 3 classes equals −Σ t·log p with t = 0.9·onehot + 0.1/3', () => {
  withBackend(f64, () => {
    const logits = [2, 1, 0.1, 0.5, 2.5, -1];
    const loss = softmaxCrossEntropy(tensor(logits, [2, 3], 'float64'), Int32Array.from([0, 2]), { labelSmoothing: 0.1 }).item();
    const expected = smoothedByDefinition(logits, 3, [0, 2], 0.1);
    assert.ok(Math.abs(loss - expected) < 1e-12, `${loss} vs ${expected}`);
  });
});

test('label smoothing 0 gives the plain cross-entropy, and smoothing raises the loss of a confident correct prediction', () => {
  withBackend(f64, () => {
    const x = tensor([5, -5, 0, 4, -1, 1], [2, 3], 'float64');
    const labels = Int32Array.from([0, 0]);
    assert.equal(softmaxCrossEntropy(x, labels, { labelSmoothing: 0 }).item(), softmaxCrossEntropy(x, labels).item());
    assert.ok(softmaxCrossEntropy(x, labels, { labelSmoothing: 0.2 }).item() > softmaxCrossEntropy(x, labels).item());
  });
});

test('the gradient with smoothing ε is (softmax − t)/batch: each row sums to zero', () => {
  withBackend(f64, () => {
    const x = tensor([0.3, -1, 2, 0.5, 0.1, 0.2, -0.7, 1.5], [2, 4], 'float64');
    const labels = Int32Array.from([2, 3]);
    const [g] = grad((z) => softmaxCrossEntropy(z, labels, { labelSmoothing: 0.2 }))(x);
    for (let r = 0; r < 2; r++) {
      const row = [0, 1, 2, 3].map((c) => g.data[r * 4 + c]);
      const z = [0, 1, 2, 3].map((c) => x.data[r * 4 + c]);
      const sum = z.reduce((s, v) => s + Math.exp(v), 0);
      row.forEach((v, c) => {
        const t = (c === labels[r] ? 0.8 : 0) + 0.2 / 4;
        assert.ok(Math.abs(v - (Math.exp(z[c]) / sum - t) / 2) < 1e-12, `row ${r} class ${c}`);
      });
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0)) < 1e-12);
    }
  });
});

test('label-smoothed cross-entropy gradient, batch 4 × 5 classes, ε = 0.1 (central differences)', () => {
  const labels = Int32Array.from([0, 4, 2, 2]);
  checkGradients((logits) => softmaxCrossEntropy(logits, labels, { labelSmoothing: 0.1 }), [randomTensor(new Rng(11), [4, 5], -2, 2)]);
});

test('label-smoothed cross-entropy gradient, batch 1 × 2 classes, ε = 0.5 (central differences)', () => {
  checkGradients((logits) => softmaxCrossEntropy(logits, Int32Array.from([1]), { labelSmoothing: 0.5 }), [randomTensor(new Rng(12), [1, 2], -2, 2)]);
});

test('label smoothing outside [0, 1) is an ArgumentError', () => {
  const x = tensor([0, 0], [1, 2]);
  for (const eps of [-0.1, 1, NaN]) assert.throws(() => softmaxCrossEntropy(x, Int32Array.from([0]), { labelSmoothing: eps }), ArgumentError);
});
