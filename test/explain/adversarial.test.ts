/**
 * Adversarial examples (train/adversarial.ts, explain/adversarial.ts): FGSM checked by hand on a
 * linear model, the loss gradient against finite differences through the input normalisation,
 * the L∞ and [0, 1] bounds, PGD's reduction to FGSM, targeted attacks, the accuracy curve against
 * evaluate, a capsule network (margin loss) and the figure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { createImageDataset } from '../../src/data/index.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { adversarialAccuracy, adversarialExample, adversarialFigure, adversarialVerdict, classify, fgsm, fgsmAtEach, lossGradient, pgd, predictClasses } from '../../src/explain/index.js';
import { CapsuleLength, Conv2D, Dense, Flatten, type Network, PrimaryCapsules, RoutingCapsules, Sequential } from '../../src/nn/index.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { evaluate, modelLoss } from '../../src/train/index.js';
import { randomImage, setWeight, twoConvModel } from './tiny-models.js';

/**
 * [1, 1, 3] → dense 2 (softmax), kernel rows (2, 0), (0, 1), (0, 0), no bias. With label 0 the
 * cross-entropy's gradient is W·(p − onehot(0)) = (p₀ − 1)·(W₀ − W₁) per pixel: (p₀ − 1)·2 < 0,
 * (p₀ − 1)·(−1) > 0 and exactly 0 — so FGSM moves pixel 0 down, pixel 1 up and leaves pixel 2.
 */
function linearModel(): Network {
  const model = new Sequential([new Flatten(), new Dense({ units: 2, activation: 'softmax', name: 'out' })], { inputShape: [1, 1, 3], name: 'linear' }).build({ seed: 0 });
  setWeight(model, 'out', 'kernel', [2, 0, 0, 1, 0, 0]);
  setWeight(model, 'out', 'bias', [0, 0]);
  return model;
}

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-6) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `value ${i}: ${actual[i]} vs ${expected[i]}\n${Array.from(actual)}`);
};

test('FGSM on a linear model is x + ε·sign(∇ₓ loss), clipped to [0, 1]: checked by hand, with and without an input normalisation', () => {
  const model = linearModel();
  const x = tensor([0.5, 0.5, 0.5, 0.05, 0.97, 0.3], [2, 1, 1, 3]);
  const labels = Int32Array.of(0, 0);
  const expected = [0.4, 0.6, 0.5, 0, 1, 0.3];
  close(fgsm(model, x, labels, { epsilon: 0.1 }).data, expected);
  // A per-channel normalisation (std > 0) changes the gradient's size, not its sign.
  model.inputNormalization = { scale: 1 / 255, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] };
  close(fgsm(model, x, labels, { epsilon: 0.1 }).data, expected);
  // Targeted at class 1 (the loss of class 1 goes down): the same direction here, since there are two classes.
  close(fgsm(model, x, labels, { epsilon: 0.1, targets: Int32Array.of(1, 1) }).data, expected);
  // ε = 0 changes nothing.
  close(fgsm(model, x, labels, { epsilon: 0 }).data, Array.from(x.data));
});

test('the loss gradient is with respect to pixels in [0, 1], through the input normalisation (central differences, float64)', () => {
  withBackend(createJsBackend('float64'), () => {
    const model = twoConvModel(3);
    for (const p of model.parameters()) p.value = tensor(p.value.data, p.value.shape, 'float64');
    model.inputNormalization = { scale: 1 / 255, mean: [0.3], std: [0.4] };
    const x = tensor(randomImage(6, 6, 1, 5).data, [1, 6, 6, 1], 'float64');
    const labels = Int32Array.of(2);
    // Normalised here in float64 (normalizeBatch makes float32, too coarse for differences of 1e-6).
    const loss = (t: Tensor) => modelLoss(model, model.forward(tensor(Float64Array.from(t.data, (v) => (v - 0.3) / 0.4), t.shape, 'float64'), { logits: true }), labels).item();
    const { gradient, loss: value } = lossGradient(model, x, labels);
    assert.ok(Math.abs(value - loss(x)) < 1e-6);
    let scale = 0;
    for (let i = 0; i < x.size; i++) {
      const plus = tensor(x.data, x.shape, 'float64');
      const minus = tensor(x.data, x.shape, 'float64');
      plus.data[i] += 1e-6;
      minus.data[i] -= 1e-6;
      const numeric = (loss(plus) - loss(minus)) / 2e-6;
      scale = Math.max(scale, Math.abs(numeric));
      assert.ok(Math.abs(gradient[i] - numeric) < 1e-6, `pixel ${i}: ${gradient[i]} vs ${numeric}`);
    }
    assert.ok(scale > 1e-3, 'the gradient is not trivially zero');
  });
});

function batchOf(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  // Some pixels at exactly 0 and 1, as in real images, so that clipping matters.
  return tensor(Array.from({ length: n * 36 }, () => Math.min(1, Math.max(0, 1.4 * rng.uniform() - 0.2))), [n, 6, 6, 1]);
}

test('FGSM and PGD (with a random start) stay within ε of the image and within [0, 1], and use the budget', () => {
  const model = twoConvModel(1);
  const x = batchOf(5, 11);
  const labels = Int32Array.of(0, 1, 2, 3, 0);
  for (const epsilon of [0, 0.03, 0.3, 1]) {
    const attacks = [
      fgsm(model, x, labels, { epsilon }),
      pgd(model, x, labels, { epsilon, steps: 5, stepSize: epsilon / 2 || 0.01, randomStart: true, rng: new Rng(4) }),
      pgd(model, x, labels, { epsilon, steps: 3, stepSize: 0.2, targets: Int32Array.of(3, 3, 3, 3, 1) }),
    ];
    for (const xa of attacks) {
      assert.deepEqual(xa.shape, x.shape);
      let largest = 0;
      for (let i = 0; i < x.size; i++) {
        const v = xa.data[i];
        assert.ok(v >= 0 && v <= 1, `pixel ${i} = ${v} is outside [0, 1]`);
        largest = Math.max(largest, Math.abs(v - x.data[i]));
      }
      assert.ok(largest <= epsilon + 1e-6, `max |x′ − x| = ${largest} > ε = ${epsilon}`);
      if (epsilon > 0 && epsilon < 1) assert.ok(largest > epsilon * 0.99, `the attack at ε = ${epsilon} moved pixels by at most ${largest}`);
    }
  }
});

test('PGD with one step of ε and no random start is FGSM, bit for bit; FGSM at several ε from one gradient is FGSM at each', () => {
  const model = twoConvModel(2);
  model.inputNormalization = { scale: 1 / 255, mean: [0.2], std: [0.3] };
  const x = batchOf(4, 3);
  const labels = Int32Array.of(3, 2, 1, 0);
  for (const epsilon of [0.01, 0.1, 0.25]) {
    const a = fgsm(model, x, labels, { epsilon });
    const b = pgd(model, x, labels, { epsilon, steps: 1, stepSize: epsilon });
    assert.deepEqual(Array.from(b.data), Array.from(a.data));
    const targets = Int32Array.of(0, 0, 0, 1);
    assert.deepEqual(Array.from(pgd(model, x, labels, { epsilon, steps: 1, stepSize: epsilon, targets }).data), Array.from(fgsm(model, x, labels, { epsilon, targets }).data));
  }
  const each = fgsmAtEach(model, x, labels, [0.05, 0.2]);
  assert.deepEqual(Array.from(each[1].data), Array.from(fgsm(model, x, labels, { epsilon: 0.2 }).data));
});

test("targeted attacks raise the target's probability; untargeted PGD lowers the label's", () => {
  const model = twoConvModel(1);
  const x = batchOf(4, 21);
  const labels = Int32Array.of(0, 1, 2, 3);
  const targets = Int32Array.of(2, 3, 0, 1);
  const probabilities = (t: Tensor, i: number) => classify(model, tensor(t.data.subarray(i * 36, (i + 1) * 36), [1, 6, 6, 1])).probabilities;
  const smallStep = fgsm(model, x, labels, { epsilon: 0.01, targets });
  const walked = pgd(model, x, labels, { epsilon: 0.3, steps: 10, stepSize: 0.05, targets });
  const away = pgd(model, x, labels, { epsilon: 0.3, steps: 10, stepSize: 0.05 });
  for (let i = 0; i < 4; i++) {
    const before = probabilities(x, i);
    assert.ok(probabilities(smallStep, i)[targets[i]] > before[targets[i]], `image ${i}: FGSM toward ${targets[i]}`);
    assert.ok(probabilities(walked, i)[targets[i]] > before[targets[i]] + 0.05, `image ${i}: PGD toward ${targets[i]}: ${before[targets[i]]} → ${probabilities(walked, i)[targets[i]]}`);
    assert.ok(probabilities(away, i)[labels[i]] < before[labels[i]], `image ${i}: untargeted PGD away from ${labels[i]}`);
  }
});

test('bad attack arguments are typed errors that say what was expected', () => {
  const model = twoConvModel(1);
  const x = batchOf(2, 1);
  const labels = Int32Array.of(0, 1);
  for (const epsilon of [-0.1, 1.5, Number.NaN]) {
    assert.throws(() => fgsm(model, x, labels, { epsilon }), (e: unknown) => e instanceof ArgumentError && /epsilon must be a number in \[0, 1\]/.test(e.message));
    assert.throws(() => pgd(model, x, labels, { epsilon, steps: 1, stepSize: 0.1 }), ArgumentError);
  }
  assert.throws(() => pgd(model, x, labels, { epsilon: 0.1, steps: 0, stepSize: 0.1 }), /steps must be a whole number ≥ 1, got 0/);
  assert.throws(() => pgd(model, x, labels, { epsilon: 0.1, steps: 2, stepSize: 0 }), /step size must be a positive number, got 0/);
  assert.throws(() => fgsm(model, x, labels, { epsilon: 0.1, targets: Int32Array.of(0, 4) }), /targets\[1\] is 4, not one of model 'two-conv''s 4 classes \(expected 0..3\)/);
  assert.throws(() => fgsm(model, x, Int32Array.of(0), { epsilon: 0.1 }), (e: unknown) => e instanceof ShapeError && /1 labels for a batch of 2/.test(e.message));
  assert.throws(() => fgsm(model, tensor(new Float32Array(2 * 25), [2, 5, 5, 1]), labels, { epsilon: 0.1 }), /needs a batch \[n, 6, 6, 1\].*got \[2, 5, 5, 1\]/);
  const dataset = createImageDataset({ name: 'tiny', images: new Uint8Array(4 * 36), labels: new Uint8Array(4), height: 6, width: 6, channels: 1, classNames: ['a', 'b', 'c', 'd'] });
  assert.throws(() => adversarialAccuracy(model, dataset, { attack: 'fgsm', epsilons: [0, 2] }), /epsilon must be a number in \[0, 1\]/);
  assert.throws(() => adversarialAccuracy(model, dataset, { attack: 'fgsm', epsilons: [0.1], steps: 3 }), /apply to the pgd attack/);
  assert.throws(() => adversarialAccuracy(model, dataset, { attack: 'fgsm', epsilons: [0.1], target: 9 }), /class 9 is not one of model 'two-conv''s 4 classes/);
});

/** A seeded dataset for the [6, 6, 1] four-class models. */
function tinyDataset(count: number, seed: number) {
  const rng = new Rng(seed);
  return createImageDataset({
    name: 'tiny',
    images: Uint8Array.from({ length: count * 36 }, () => rng.int(256)),
    labels: Uint8Array.from({ length: count }, () => rng.int(4)),
    height: 6,
    width: 6,
    channels: 1,
    classNames: ['a', 'b', 'c', 'd'],
  });
}

test("the accuracy curve at ε = 0 is evaluate's accuracy; at ε > 0 it counts the attacked images the model still gets right", () => {
  const model = twoConvModel(4);
  const ds = tinyDataset(57, 8);
  const curve = adversarialAccuracy(model, ds, { attack: 'fgsm', epsilons: [0, 0.05, 0.3], batchSize: 16 });
  assert.equal(curve.count, 57);
  assert.equal(curve.points[0].accuracy, evaluate(model, ds).accuracy);
  // The same numbers image by image.
  const all = { x: tensor(Float32Array.from(ds.images, (v) => v / 255), [57, 6, 6, 1]), labels: Int32Array.from(ds.labels) };
  for (const [k, epsilon] of [0.05, 0.3].entries()) {
    const predicted = predictClasses(model, fgsm(model, all.x, all.labels, { epsilon }));
    const correct = predicted.filter((p, i) => p === all.labels[i]).length;
    assert.equal(curve.points[k + 1].correct, correct, `ε = ${epsilon}`);
  }
  assert.ok(curve.points[2].accuracy < curve.points[0].accuracy, `ε = 0.3 leaves accuracy ${curve.points[2].accuracy} (clean ${curve.points[0].accuracy})`);
  // PGD, --limit, a target.
  const limited = adversarialAccuracy(model, ds, { attack: 'pgd', epsilons: [0, 0.3], steps: 3, limit: 20, target: 1, randomStart: true, seed: 2 });
  assert.equal(limited.count, 20);
  assert.equal(limited.points[0].accuracy, evaluate(model, { ...ds, count: 20, images: ds.images.subarray(0, 20 * 36), labels: ds.labels.subarray(0, 20) }).accuracy);
  assert.ok(limited.points[1].targetRate! > limited.points[0].targetRate!, JSON.stringify(limited.points));
  assert.deepEqual({ steps: limited.steps, stepSize: limited.stepSize, target: limited.target }, { steps: 3, stepSize: null, target: 1 });
});

test('a capsule network (margin loss on capsule lengths) is attacked through its own loss', () => {
  const model = new Sequential(
    [
      new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', name: 'conv' }),
      new PrimaryCapsules({ capsules: 2, capsuleDim: 4, kernelSize: 3, strides: 2, name: 'primary' }),
      new RoutingCapsules({ capsules: 3, capsuleDim: 5, routings: 2, name: 'digits' }),
      new CapsuleLength({ name: 'lengths' }),
    ],
    { inputShape: [12, 12, 1], name: 'tiny-capsnet' },
  ).build({ seed: 3 });
  model.loss = 'margin';
  const x = randomImage(12, 12, 1, 9);
  const labels = Int32Array.of(1);
  const marginOf = (t: Tensor) => modelLoss(model, model.forward(t, { logits: true }), labels).item();
  const attacked = pgd(model, x, labels, { epsilon: 0.2, steps: 5, stepSize: 0.05 });
  assert.ok(marginOf(attacked) > marginOf(x), `margin loss ${marginOf(x)} → ${marginOf(attacked)}`);
  const example = adversarialExample(model, x, 1, { attack: 'fgsm', epsilon: 0.1 });
  assert.match(adversarialVerdict(model, example), /length 0\.\d{3}/);
});

test('the figure: original + perturbation = adversarial, each image with its prediction, the perturbation on ±ε; without labels only the panels', () => {
  const model = twoConvModel(1);
  model.classNames = ['a', 'b', 'c', 'd'];
  const example = adversarialExample(model, randomImage(6, 6, 1, 3), 2, { attack: 'fgsm', epsilon: 0.25 });
  assert.ok(example.maxPerturbation <= 0.25 + 1e-6 && example.maxPerturbation > 0.2);
  assert.deepEqual(example.perturbation.shape, [1, 6, 6, 1]);
  const figure = adversarialFigure(model, example, { title: 'FGSM', notes: ['a note'] });
  assert.equal(figure.rasters.filter((r) => r.width === 222).length, 3, 'three panels of 6 px × 37');
  const texts = figure.texts.map((t) => t.text);
  for (const text of ['FGSM', 'a note', 'original x (label c)', 'perturbation δ', 'adversarial x′ = x + δ', '+', '=', '-0.25', '0', '0.25']) assert.ok(texts.includes(text), `no text '${text}' in ${texts.join(' | ')}`);
  const verdicts = figure.texts.filter((t) => t.text.startsWith('predicted '));
  assert.deepEqual(
    verdicts.map((t) => t.text),
    [example.before, example.after].map((c) => `predicted ${model.classNames![c.predictedClass]} · ${(c.confidence * 100).toFixed(1)}%`),
  );
  // The perturbation panel: pixels moved by +ε are the colour map's dark red end, −ε its dark blue end.
  const panel = figure.rasters[1].image;
  for (let p = 0; p < 36; p++) {
    const d = example.perturbation.data[p];
    const [r, , b] = panel.rgba.subarray(p * 4, p * 4 + 3);
    if (d > 0.2499) assert.ok(r > 90 && b < 40, `pixel ${p}: +ε drawn as ${r},${b}`);
    if (d < -0.2499) assert.ok(b > 90 && r < 40, `pixel ${p}: −ε drawn as ${r},${b}`);
  }
  const bare = adversarialFigure(model, example, { title: 'FGSM', labels: false });
  assert.equal(bare.texts.length, 0);
  assert.equal(bare.rasters.length, 3);
  assert.ok(bare.height < figure.height);
});
