/** The comparison benchmark's model spec (bench/compare/model-spec.ts): Sequential and graph models described as plain data. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeModel, isChain, isTrainable, layerWeights, logitLayers, SPEC_INPUT } from '../../bench/compare/model-spec.js';
import { ArgumentError } from '../../src/errors.js';
import { createZooModel } from '../../src/models/index.js';
import { BatchNormalization, Dense, Dropout, Flatten, GraphModel, input, Sequential } from '../../src/nn/index.js';

describe('bench model spec', () => {
  test('a Sequential model is a chain: each layer reads the one before it (the first, the input)', () => {
    const { spec, weights } = describeModel(createZooModel('seed-cnn', { seed: 0 }));
    assert.ok(isChain(spec));
    spec.layers.forEach((l, i) => assert.deepEqual(l.inbound, [i === 0 ? SPEC_INPUT : spec.layers[i - 1].name]));
    assert.equal(new Set(spec.layers.map((l) => l.name)).size, spec.layers.length);
    assert.ok(spec.weights.every((w) => w.name === 'kernel' || w.name === 'bias'));
    assert.equal(weights.length, spec.parameters);
    const dense = spec.layers.findIndex((l) => l.kind === 'dense');
    assert.ok(dense > 0 && spec.layers[dense].kind === 'dense' && spec.layers[dense].flattenedFrom !== null);
  });

  test('resnet20: a graph in topological order with batch norm, Add and global average pooling', () => {
    const model = createZooModel('resnet20', { seed: 0 });
    const { spec, weights } = describeModel(model);
    assert.ok(!isChain(spec));
    const seen = new Set<string>([SPEC_INPUT]);
    for (const l of spec.layers) {
      for (const name of l.inbound) assert.ok(seen.has(name), `${l.name} reads ${name} before it is computed`);
      seen.add(l.name);
    }
    const kinds = (k: string) => spec.layers.filter((l) => l.kind === k);
    assert.equal(kinds('conv').length, 21);
    assert.ok(kinds('conv').every((l) => l.kind === 'conv' && !l.useBias));
    assert.equal(kinds('add').length, 9);
    assert.ok(kinds('add').every((l) => l.inbound.length === 2));
    assert.equal(kinds('globalAvgPool').length, 1);
    const bns = spec.layers.map((l, i) => [l, i] as const).filter(([l]) => l.kind === 'batchnorm');
    assert.equal(bns.length, 21);
    for (const [l, i] of bns) {
      assert.ok(l.kind === 'batchnorm' && l.momentum === 0.9 && l.epsilon === 1e-5 && l.center && l.scale);
      const names = spec.weights.filter((w) => w.layer === i).map((w) => w.name);
      assert.deepEqual(names, ['gamma', 'beta', 'movingMean', 'movingVariance']);
      const w = layerWeights(spec, weights, i);
      const c = l.inShape[2];
      assert.deepEqual([w.gamma!.length, w.beta!.length, w.movingMean!.length, w.movingVariance!.length], [c, c, c, c]);
      assert.ok(w.gamma!.every((v) => v === 1) && w.beta!.every((v) => v === 0) && w.movingMean!.every((v) => v === 0) && w.movingVariance!.every((v) => v === 1));
    }
    // Every weight of the model, moving statistics included, once; the trainable ones are the parameters that train.
    const trainable = model.parameters().filter((p) => p.trainable).reduce((n, p) => n + p.value.data.length, 0);
    assert.equal(spec.weights.filter((w) => isTrainable(w.name)).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0), trainable);
    assert.equal(weights.length, model.parameters().reduce((n, p) => n + p.value.data.length, 0));
    const last = spec.layers[spec.layers.length - 1];
    assert.ok(spec.endsWithSoftmax && last.kind === 'dense' && last.flattenedFrom === null && last.inbound[0] === kinds('globalAvgPool')[0].name);
    const logits = logitLayers(spec);
    assert.ok(logits[logits.length - 1].kind === 'dense' && (logits[logits.length - 1] as { activation: string }).activation === 'linear');
  });

  test('flattenedFrom follows the inbound names of a graph, through dropout', () => {
    const x = input([2, 3, 4]);
    const flat = new Flatten({ name: 'flat' }).apply(x);
    const drop = new Dropout({ rate: 0.5, name: 'drop' }).apply(flat);
    const out = new Dense({ units: 3, name: 'head' }).apply(drop);
    const { spec } = describeModel(new GraphModel({ inputs: x, outputs: out, name: 'g' }).build({ seed: 1 }));
    const head = spec.layers.find((l) => l.name === 'head')!;
    assert.deepEqual(head.inbound, ['drop']);
    assert.ok(head.kind === 'dense');
    assert.deepEqual(head.flattenedFrom, [2, 3, 4]);
  });

  test('batch norm of a flattened map is refused (its per-feature weights would need permuting)', () => {
    const model = new Sequential([new Flatten(), new BatchNormalization(), new Dense({ units: 2 })], { inputShape: [2, 2, 3] }).build({ seed: 0 });
    assert.throws(() => describeModel(model), ArgumentError);
  });
});
