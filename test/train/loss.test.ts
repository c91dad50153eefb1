import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createImageDataset } from '../../src/data/index.js';
import { ArgumentError } from '../../src/errors.js';
import { Dense, Flatten, Layer, type CallContext, Sequential } from '../../src/nn/index.js';
import { marginLoss, mul, sum } from '../../src/ops/index.js';
import { SGD } from '../../src/optim/index.js';
import { type Shape, Tensor } from '../../src/tensor/index.js';
import { evaluate, fit, modelLoss, predict } from '../../src/train/index.js';

/** Four 2×2 grey images in two classes, told apart by the top-left pixel. */
function tinyDataset() {
  const images = Uint8Array.from([255, 0, 0, 0, 0, 0, 0, 255, 250, 10, 0, 0, 5, 0, 20, 240]);
  return createImageDataset({ name: 'tiny', images, labels: Uint8Array.from([0, 1, 0, 1]), height: 2, width: 2, channels: 1, classNames: ['a', 'b'] });
}

/** Passes its input through and, while training, adds `weight`·Σx² of the model input to the loss. */
class InputPenalty extends Layer {
  readonly type = 'InputPenalty';
  calls = 0;
  sawLabels: Int32Array | undefined;
  constructor(private readonly weight: number) {
    super();
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(x: Tensor, context: CallContext): Tensor {
    if (context.addLoss) {
      this.calls++;
      this.sawLabels = context.labels;
      const input = context.modelInput!;
      context.addLoss(mul(sum(mul(input, input)), new Tensor(Float32Array.of(this.weight), [])));
    }
    return x;
  }
  getConfig() {
    return { type: this.type, name: this.name };
  }
}

const makeModel = (extra?: Layer) =>
  new Sequential([new Flatten(), ...(extra ? [extra] : []), new Dense({ units: 2, activation: 'softmax' })], { inputShape: [2, 2, 1] }).build({ seed: 3 });

test('a layer that adds a loss term while training gets the labels and the input, and fit reports the total loss', async () => {
  const ds = tinyDataset();
  const penalty = new InputPenalty(0.5);
  const plain = makeModel();
  const withPenalty = makeModel(penalty);
  const [plainLogs] = await fit(plain, ds, { epochs: 1, batchSize: 4, shuffle: false, optimizer: new SGD({ learningRate: 1e-3 }) });
  const [logs] = await fit(withPenalty, ds, { epochs: 1, batchSize: 4, shuffle: false, optimizer: new SGD({ learningRate: 1e-3 }) });
  assert.equal(penalty.calls, 1, 'one training step, one added term');
  assert.deepEqual(Array.from(penalty.sawLabels!), [0, 1, 0, 1]);
  // Σ x² over the batch (pixels /255): the same model weights, so the difference is the penalty.
  let squares = 0;
  for (const b of ds.images) squares += (b / 255) ** 2;
  assert.ok(Math.abs(logs.loss - plainLogs.loss - 0.5 * squares) < 1e-5, `${logs.loss} − ${plainLogs.loss} vs ${0.5 * squares}`);
  evaluate(withPenalty, ds);
  predict(withPenalty, new Tensor(new Float32Array(4), [1, 2, 2, 1]));
  assert.equal(penalty.calls, 1, 'evaluate and predict add no loss terms');
});

test("a margin-loss model is trained and evaluated with the margin loss, and predict returns its scores as they are", async () => {
  const ds = tinyDataset();
  const model = new Sequential([new Flatten(), new Dense({ units: 2, activation: 'sigmoid' })], { inputShape: [2, 2, 1] }).build({ seed: 1 });
  model.loss = 'margin';
  const x = new Tensor(Float32Array.from(ds.images, (b) => b / 255), [4, 2, 2, 1]);
  const labels = Int32Array.from(ds.labels);
  const scores = model.predictBatch(x);
  const expected = marginLoss(scores, labels).item();
  assert.ok(Math.abs(modelLoss(model, scores, labels).item() - expected) < 1e-7);
  assert.ok(Math.abs(evaluate(model, ds).loss - expected) < 1e-6, 'evaluate reports the margin loss');
  const predicted = predict(model, x);
  assert.deepEqual(Array.from(predicted.data), Array.from(scores.data), 'no softmax on capsule-length-like scores');
  const logs = await fit(model, ds, { epochs: 30, batchSize: 4, optimizer: new SGD({ learningRate: 1 }), seed: 2 });
  assert.ok(logs[logs.length - 1].loss < logs[0].loss, `margin loss fell: ${logs[0].loss} → ${logs[logs.length - 1].loss}`);
  await assert.rejects(fit(model, ds, { epochs: 1, labelSmoothing: 0.1 }), (e: unknown) => e instanceof ArgumentError && /label smoothing applies to cross-entropy/.test(e.message));
});
