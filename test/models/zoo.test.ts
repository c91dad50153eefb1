import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArgumentError } from '../../src/errors.js';
import { cifarResNet } from '../../src/models/resnet.js';
import { createZooModel, zooNames } from '../../src/models/index.js';
import { GraphModel, Sequential } from '../../src/nn/index.js';
import { Adam, SGD } from '../../src/optim/index.js';
import { createTrainStep, randomBatch } from '../../src/train/index.js';
import { Rng } from '../../src/tensor/index.js';

describe('zoo: residual and VGG networks for CIFAR', () => {
  test('resnet20 has the paper\'s 0.27 M parameters (274,042 with 1×1 projection shortcuts), 19 convs + 2 projections, output 10', () => {
    const model = createZooModel('resnet20');
    assert.ok(model instanceof GraphModel);
    assert.equal(model.countParameters(), 274_042);
    assert.equal(model.layers.filter((l) => l.type === 'Conv2D').length, 21);
    assert.equal(model.layers.filter((l) => l.type === 'Add').length, 9);
    assert.deepEqual(model.inputShape, [32, 32, 3]);
    assert.deepEqual(model.outputShape, [10]);
  });

  test('a CIFAR ResNet of depth 6n+2 has n blocks per stage; other depths are refused', () => {
    assert.equal(cifarResNet(8, { inputShape: [32, 32, 3], numClasses: 10 }).layers.filter((l) => l.type === 'Add').length, 3);
    assert.throws(() => cifarResNet(21, { inputShape: [32, 32, 3], numClasses: 10 }), ArgumentError);
  });

  test('vgg-small is a Sequential of 6 conv/BN/ReLU triples with 1,150,666 parameters', () => {
    const model = createZooModel('vgg-small');
    assert.ok(model instanceof Sequential);
    assert.equal(model.countParameters(), 1_150_666);
    assert.equal(model.layers.filter((l) => l.type === 'BatchNormalization').length, 6);
    assert.ok(zooNames().includes('resnet20') && zooNames().includes('vgg-small'));
  });

  test('cifar-fast: conv → pool → BN → ReLU stages of 32, 64, 128, 256 filters; 6 convs, 4 pools, global max pool; builds for 28×28×1 too', () => {
    const model = createZooModel('cifar-fast');
    assert.equal(model.layers.filter((l) => l.type === 'Conv2D').length, 6);
    assert.equal(model.layers.filter((l) => l.type === 'MaxPool2D').length, 4);
    assert.deepEqual(model.layers.at(-3)!.outputShape, [2, 2, 256]);
    // convs 864 + 18,432 + 36,864 + 73,728 + 147,456 + 294,912; BN 4 × (32 + 64 + 64 + 128 + 128 + 256); dense 2,570
    assert.equal(model.countParameters(), 577_514);
    const grey = createZooModel('cifar-fast', { inputShape: [28, 28, 1] });
    assert.deepEqual(grey.outputShape, [10]);
  });

  test('cifar-fast-small is cifar-fast at half the width: 16 … 128 filters, 145,914 parameters, the same layer types in the same order', () => {
    const small = createZooModel('cifar-fast-small');
    const full = createZooModel('cifar-fast');
    assert.deepEqual(small.layers.map((l) => l.type), full.layers.map((l) => l.type));
    assert.deepEqual(small.layers.at(-3)!.outputShape, [2, 2, 128]);
    // convs 432 + 4,608 + 9,216 + 18,432 + 36,864 + 73,728; BN 4 × (16 + 32 + 32 + 64 + 64 + 128); dense 1,290
    assert.equal(small.countParameters(), 145_914);
    assert.equal(small.name, 'cifar-fast-small');
  });

  test("cifar-whiten is airbench93's net: whitening 2×2 → 24, convs at 64, 128, 128 filters, 570,296 parameters, the dense layer's logits × 1/9", () => {
    const model = createZooModel('cifar-whiten');
    assert.deepEqual(model.layers[0].outputShape, [31, 31, 24]);
    assert.equal(model.layers.filter((l) => l.type === 'Conv2D').length, 6);
    assert.deepEqual(model.layers.filter((l) => l.type === 'Conv2D').map((l) => l.outputShape![2]), [64, 64, 128, 128, 128, 128]);
    // whitening 288 + 24; convs 13,824 + 36,864 + 73,728 + 3 × 147,456; BN (β + 2 moving) 3 × 640; dense 1,280
    assert.equal(model.countParameters(), 570_296);
    assert.equal(model.trainableParameters().reduce((n, p) => n + p.value.size, 0), 570_296 - 288 - 2 * 640);
    const betas = model.parameters().filter((p) => p.name.endsWith('/beta'));
    assert.equal(betas.length, 6);
    assert.ok(betas.every((p) => p.learningRateScale === 64));
    assert.ok(model.outputsProbabilities());
    assert.match(model.summary(), /×0\.1111/);
  });

  test("cifar-whiten-wide is airbench94's net: the same layers at 64, 256, 256 filters, 1,973,944 parameters, GELU", () => {
    const model = createZooModel('cifar-whiten-wide');
    assert.deepEqual(model.layers.filter((l) => l.type === 'Conv2D').map((l) => l.outputShape![2]), [64, 64, 256, 256, 256, 256]);
    // whitening 288 + 24; convs 13,824 + 36,864 + 147,456 + 3 × 589,824; BN (β + 2 moving) 3 × 1,152; dense 2,560
    assert.equal(model.countParameters(), 1_973_944);
    assert.equal(model.name, 'cifar-whiten-wide');
    assert.ok(model.layers.filter((l) => l.type === 'Activation').every((l) => ['gelu', 'softmax'].includes(l.getConfig().activation as string)));
  });

  test('cifar-whiten-mid is the same net at 64, 192, 192 filters, 1,161,528 parameters', () => {
    const model = createZooModel('cifar-whiten-mid');
    assert.deepEqual(model.layers.filter((l) => l.type === 'Conv2D').map((l) => l.outputShape![2]), [64, 64, 192, 192, 192, 192]);
    // whitening 288 + 24; convs 13,824 + 36,864 + 110,592 + 3 × 331,776; BN (β + 2 moving) 2 × 192 + 4 × 576; dense 1,920
    assert.equal(model.countParameters(), 1_161_528);
    assert.equal(model.name, 'cifar-whiten-mid');
  });

  test('cifar-whiten uses GELU after the whitening and every batch norm, as airbench; cifar-whiten-relu is the same net with ReLU', () => {
    const activations = (name: string) =>
      createZooModel(name)
        .layers.filter((l) => l.type === 'Activation')
        .map((l) => l.getConfig().activation);
    assert.deepEqual(activations('cifar-whiten'), [...Array(7).fill('gelu'), 'softmax']);
    assert.deepEqual(activations('cifar-whiten-relu'), [...Array(7).fill('relu'), 'softmax']);
    assert.equal(createZooModel('cifar-whiten-relu').countParameters(), 570_296);
  });

  test('cifar-whiten learns a fixed random batch once adapted: the loss falls over 10 Nesterov steps', () => {
    const model = createZooModel('cifar-whiten', { inputShape: [16, 16, 3], numClasses: 4 });
    const { x, labels } = randomBatch(model, 8, new Rng(3));
    (model.layers[0] as unknown as { adapt(x: unknown): void }).adapt(x);
    const step = createTrainStep(model, { optimizer: new SGD({ learningRate: 0.05, momentum: 0.85, nesterov: true }) });
    const losses = Array.from({ length: 10 }, () => step(x, labels));
    assert.ok(losses[9] < 0.6 * losses[0], `loss ${losses[0].toFixed(3)} → ${losses[9].toFixed(3)}`);
  });

  test('a small CIFAR ResNet (depth 8, 16×16 input) learns a fixed random batch: the loss falls over 15 Adam steps', () => {
    const model = cifarResNet(8, { inputShape: [16, 16, 3], numClasses: 4 }).build({ seed: 1 });
    const { x, labels } = randomBatch(model, 8, new Rng(2));
    const step = createTrainStep(model, { optimizer: new Adam({ learningRate: 3e-3 }) });
    const losses = Array.from({ length: 15 }, () => step(x, labels));
    assert.ok(losses[14] < 0.6 * losses[0], `loss ${losses[0].toFixed(3)} → ${losses[14].toFixed(3)}`);
  });
});

describe('zoo: capsule networks', () => {
  test("capsnet is the paper's MNIST network: 8,215,568 parameters (6.8 M without the decoder), 6×6×32 primary capsules of 8D, 10 digit capsules of 16D, margin loss", () => {
    const model = createZooModel('capsnet');
    // conv 20,992 + primary 5,308,672 + routing 1152·8·10·16 = 1,474,560 + decoder 82,432 + 525,312 + 803,600
    assert.equal(model.countParameters(), 8_215_568);
    assert.equal(model.loss, 'margin');
    assert.deepEqual(model.getLayer('primary_capsules').outputShape, [1152, 8]);
    assert.deepEqual(model.getLayer('routing_capsules').outputShape, [10, 16]);
    assert.deepEqual(model.outputShape, [10]);
    assert.match(model.summary(), /6×6×32 capsules of 8D/);
  });

  test("capsnet-baseline-cnn is the paper's baseline: three 5×5 convs of 256, 256, 128 without pooling, dense 328 and 192 — 35,445,522 parameters (the paper: 35.4 M)", () => {
    const model = createZooModel('capsnet-baseline-cnn');
    // convs 6,656 + 1,638,656 + 819,328; dense 28·28·128·328 + 328 = 32,915,784, 63,168, 1,930
    assert.equal(model.countParameters(), 35_445_522);
    assert.equal(model.loss, 'crossentropy');
  });

  test('capsnet-small builds for MNIST (6×6×8 primary capsules) and for the 40×40 canvas (12×12×8), and its loss falls on a fixed batch', () => {
    const model = createZooModel('capsnet-small', { seed: 1 });
    assert.equal(model.countParameters(), 1_280_720);
    assert.deepEqual(model.getLayer('primary_capsules').outputShape, [288, 8]);
    const canvas = createZooModel('capsnet-small', { inputShape: [40, 40, 1] });
    assert.deepEqual(canvas.getLayer('primary_capsules').outputShape, [1152, 8]);
    assert.deepEqual(canvas.outputShape, [10]);
    const { x, labels } = randomBatch(model, 4, new Rng(3));
    const step = createTrainStep(model, { optimizer: new Adam({ learningRate: 2e-3 }) });
    const losses = Array.from({ length: 6 }, () => step(x, labels));
    assert.ok(losses[5] < losses[0], `loss ${losses[0].toFixed(4)} → ${losses[5].toFixed(4)}`);
  });
});
