import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueAndGrads } from '../../src/autograd/index.js';
import { biasAdd, conv2d, flatten, matmul, maxPool2d, relu, softmaxCrossEntropy } from '../../src/ops/index.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

const labels = Int32Array.from([2, 0]);

/** conv 3×3 same → relu → maxpool 2 → flatten → dense → bias → softmax cross-entropy. */
function network(x: Tensor, convW: Tensor, convB: Tensor, denseW: Tensor, denseB: Tensor): Tensor {
  const h = maxPool2d(relu(conv2d(x, convW, { padding: 'same' }, convB)), { poolSize: 2 });
  return softmaxCrossEntropy(biasAdd(matmul(flatten(h), denseW), denseB), labels);
}

function parameters(seed: number): Tensor[] {
  const rng = new Rng(seed);
  return [
    randomTensor(rng, [2, 6, 6, 2]),
    randomTensor(rng, [3, 3, 2, 3]),
    randomTensor(rng, [3], -0.1, 0.1),
    randomTensor(rng, [27, 3]),
    randomTensor(rng, [3], -0.1, 0.1),
  ];
}

test('composed network conv → relu → maxpool → flatten → matmul → biasAdd → softmaxCrossEntropy: gradients of input and all parameters match central differences', () => {
  // A finite-difference step can flip a ReLU or a pooling argmax only if a value sits within eps
  // of a kink; with eps = 1e-6 and these seeds none does.
  const result = checkGradients(network, parameters(7));
  assert.equal(result.checked, 2 * 6 * 6 * 2 + 3 * 3 * 2 * 3 + 3 + 27 * 3 + 3);
});

test('composed network: a few steps of gradient descent lower the loss', () => {
  const params = parameters(8);
  const [x, ...weights] = params;
  const lossOf = () => valueAndGrads(() => network(x, ...(weights as [Tensor, Tensor, Tensor, Tensor])), weights);
  const first = lossOf().value.item();
  for (let step = 0; step < 20; step++) {
    const { grads } = lossOf();
    weights.forEach((w, i) => {
      for (let j = 0; j < w.size; j++) w.data[j] -= 0.1 * grads[i].data[j];
    });
  }
  const last = lossOf().value.item();
  assert.ok(last < first * 0.5, `loss went from ${first} to ${last}`);
});

test('composed network: float32 backend gradients agree with float64 ones to float32 precision', () => {
  const params64 = parameters(9).map((t) => tensor(t.data, t.shape, 'float64'));
  const params32 = params64.map((t) => tensor(t.data, t.shape, 'float32'));
  const run = (backend: ReturnType<typeof createJsBackend>, params: Tensor[]) =>
    withBackend(backend, () => valueAndGrads(() => network(...(params as [Tensor, Tensor, Tensor, Tensor, Tensor])), params));
  const r64 = run(createJsBackend('float64'), params64);
  const r32 = run(createJsBackend('float32'), params32);
  assert.equal(r32.value.dtype, 'float32');
  assert.ok(Math.abs(r32.value.item() - r64.value.item()) < 1e-5);
  r64.grads.forEach((g, i) => {
    assert.equal(r32.grads[i].dtype, 'float32');
    g.data.forEach((v, j) => assert.ok(Math.abs(r32.grads[i].data[j] - v) < 1e-5, `param ${i} element ${j}: ${r32.grads[i].data[j]} vs ${v}`));
  });
});
