import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FoveaError, ShapeError } from '../../src/errors.js';
import { createZooModel, zooNames } from '../../src/models/index.js';
import {
  checkLayerList,
  Conv2D,
  formatLayerList,
  LayerListError,
  layersFromList,
  MaxPool2D,
  parseLayerList,
  Sequential,
  sequentialFromLayerList,
  summaryRows,
} from '../../src/nn/index.js';

const MNIST = [28, 28, 1];

/** The LayerListError that `fn` throws (fails the test when it throws nothing or something else). */
function layerListError(fn: () => unknown): LayerListError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof LayerListError, `expected a LayerListError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a LayerListError, nothing was thrown');
}

describe('layer list: parsing', () => {
  test('named arguments: numbers, booleans, bare names, quoted strings, lists, tuples and nested lists', () => {
    const [line] = parseLayerList(`Conv2D(filters=8, kernelSize=(3, 5), strides=[2, 2], padding='same', activation=relu, useBias=false, dilationRate=1, groups=1)`);
    assert.deepEqual(line, {
      line: 1,
      className: 'Conv2D',
      args: { filters: 8, kernelSize: [3, 5], strides: [2, 2], padding: 'same', activation: 'relu', useBias: false, dilationRate: 1, groups: 1 },
    });
    assert.deepEqual(parseLayerList('Conv2D(8, 3, padding=[[1, 2], [0, 1]], name="first \\"conv\\"")')[0].args, { filters: 8, kernelSize: 3, padding: [[1, 2], [0, 1]], name: 'first "conv"' });
  });

  test('numbers may be negative, fractional or in exponent form; True/False/None are Python spellings', () => {
    const { args } = parseLayerList('BatchNormalization(axis=-1, momentum=.9, epsilon=1e-5, center=True, scale=False, name=None)')[0];
    assert.deepEqual(args, { axis: -1, momentum: 0.9, epsilon: 1e-5, center: true, scale: false, name: null });
  });

  test('unnamed arguments fill the key arguments in Keras order: Conv2D(32, (3, 3)), Dense(10), Dropout(0.5)', () => {
    const lines = parseLayerList('Conv2D(32, (3, 3), activation=relu)\nDense(10)\nDropout(0.5)\nMaxPool2D((2, 2))');
    assert.deepEqual(lines.map((l) => l.args), [{ filters: 32, kernelSize: [3, 3], activation: 'relu' }, { units: 10 }, { rate: 0.5 }, { poolSize: [2, 2] }]);
  });

  test('blank lines and # comments are skipped; entries keep their 1-based line numbers', () => {
    const text = '# an MLP\n\nFlatten()   # to 784\n   \nDense(units=10)  # logits\n';
    assert.deepEqual(parseLayerList(text), [
      { line: 3, className: 'Flatten', args: {} },
      { line: 5, className: 'Dense', args: { units: 10 } },
    ]);
  });

  test("a '#' inside a quoted string is part of the string, not a comment", () => {
    assert.deepEqual(parseLayerList("Flatten(name='a#b') # c")[0].args, { name: 'a#b' });
  });

  test('layer names match the registry types case-insensitively, with or without parentheses', () => {
    assert.deepEqual(parseLayerList('conv2d(8, 3)\nCONV2D(8, 3)\nflatten\nbatchnormalization()').map((l) => l.className), ['Conv2D', 'Conv2D', 'Flatten', 'BatchNormalization']);
  });

  test('Keras aliases: MaxPooling2D, AveragePooling2D, Conv2d, GlobalAvgPool2D, Convolution2D, keras.layers. prefix', () => {
    const text = 'MaxPooling2D(2)\nAveragePooling2D(2)\nConv2d(4, 3)\nGlobalAvgPool2D()\nConvolution2D(4, 3)\nkeras.layers.Dense(10)';
    assert.deepEqual(parseLayerList(text).map((l) => l.className), ['MaxPool2D', 'AvgPool2D', 'Conv2D', 'GlobalAveragePooling2D', 'Conv2D', 'Dense']);
  });

  test('Keras snake_case argument names become the config names (kernel_size → kernelSize, pool_size → poolSize)', () => {
    const lines = parseLayerList('Conv2D(filters=4, kernel_size=3, use_bias=False, dilation_rate=2)\nMaxPool2D(pool_size=(2, 2))');
    assert.deepEqual(lines.map((l) => l.args), [{ filters: 4, kernelSize: 3, useBias: false, dilationRate: 2 }, { poolSize: [2, 2] }]);
  });

  test("Keras snake_case activation and initializer names are accepted ('leaky_relu', 'he_uniform')", () => {
    const { args } = parseLayerList("Dense(10, activation='leaky_relu', kernel_initializer='he_uniform')")[0];
    assert.deepEqual(args, { units: 10, activation: 'leakyRelu', kernelInitializer: 'heUniform' });
  });
});

describe('layer list: syntax errors', () => {
  const cases: [string, number, RegExp][] = [
    ['Flatten()\nDense(units=10', 2, /line 2: expected ',' or '\)' after the argument, found end of line/],
    ['Flatten()\n\nDense(units=)', 3, /line 3: expected a value .*, found '\)'/],
    ['Dense(units: 10)', 1, /line 1: expected ',' or '\)' after the argument, found ':'/],
    ['Dense(units=10))', 1, /line 1: expected end of line after Dense\(…\), found '\)'/],
    ['Dense units=10', 1, /line 1: expected '\(' after Dense, found 'units'/],
    ["Flatten()\nDense(activation='relu)", 2, /line 2: expected a closing ' for the string starting at column 18, found end of line/],
    ['(Dense)', 1, /line 1: expected a layer type such as Conv2D\(…\), found '\('/],
    ['Dense(units=10, relu)', 1, /line 1: expected a named argument \(name=value\) after 'units=', found 'relu'/],
    ['Dense(units=10, units=20)', 1, /line 1: expected each argument once, found 'units' given twice/],
    ['Dense(10, 20)', 1, /line 1: Dense takes at most 1 unnamed argument\(s\) \(units\), found 2 unnamed/],
    ['Flatten(1)', 1, /line 1: Flatten takes only named arguments \(name=value\), found 1 unnamed/],
    ['Dense(kernelSize=[3, 3)', 1, /line 1: expected ',' or '\]', found '\)'/],
  ];
  for (const [text, line, message] of cases) {
    test(`${JSON.stringify(text)} is a LayerListError (E_LAYER_LIST) on line ${line}`, () => {
      const error = layerListError(() => parseLayerList(text));
      assert.ok(error instanceof FoveaError);
      assert.equal(error.code, 'E_LAYER_LIST');
      assert.equal(error.line, line);
      assert.match(error.message, message);
    });
  }

  test('an unknown layer type is refused on its line, and the message lists the known types', () => {
    const error = layerListError(() => parseLayerList('Flatten()\nConv3D(8, 3)'));
    assert.equal(error.line, 2);
    assert.match(error.message, /unknown layer type 'Conv3D'; known: Conv2D, MaxPool2D, .*Dense/);
  });
});

describe('layer list: building layers', () => {
  test('layersFromList builds the registry layers with their arguments and reports each line', () => {
    const { layers, lines } = layersFromList('# net\nConv2D(8, 3, padding=same)\n\nMaxPooling2D(pool_size=2)');
    assert.deepEqual(lines, [2, 4]);
    assert.ok(layers[0] instanceof Conv2D && layers[1] instanceof MaxPool2D);
    assert.deepEqual((layers[0] as Conv2D).kernelSize, [3, 3]);
    assert.equal((layers[0] as Conv2D).padding, 'same');
  });

  test("an argument the layer does not have is refused on its line, listing the layer's arguments", () => {
    const error = layerListError(() => layersFromList('Flatten()\nDense(units=10, filters=3)'));
    assert.equal(error.line, 2);
    assert.match(error.message, /Dense has no argument 'filters'; expected one of: units, activation, useBias, kernelInitializer, biasInitializer, name/);
  });

  test('arguments a layer keeps out of its config at their defaults are still accepted (Conv2D groups=1, Activation alpha)', () => {
    assert.doesNotThrow(() => layersFromList('Conv2D(8, 3, groups=1)\nActivation(relu, alpha=0.2)'));
  });

  test("Keras' input_shape argument is refused with a hint that the model takes the input shape", () => {
    assert.match(layerListError(() => layersFromList('Conv2D(8, 3, input_shape=(28, 28, 1))')).message, /no argument 'inputShape' \(the input shape is given to the model/);
  });

  test("the layer's own validation applies: a bad value is reported on its line with the layer's message", () => {
    const error = layerListError(() => layersFromList('Flatten()\nDropout(rate=1.5)'));
    assert.equal(error.line, 2);
    assert.match(error.message, /line 2: Dropout rate must be in \[0, 1\), got 1.5/);
    assert.match(layerListError(() => layersFromList('Conv2D(8, 3, activation=swish)')).message, /unknown activation 'swish'/);
    assert.match(layerListError(() => layersFromList('Conv2D(filters=0, kernelSize=3)')).message, /Conv2D filters must be a positive integer, got 0/);
  });
});

describe('layer list: models and the live check', () => {
  const tooManyConvs = ['Conv2D(8, 5)  # 24', 'Conv2D(8, 5)  # 20', 'Conv2D(8, 5)  # 16', 'Conv2D(8, 5)  # 12', '', 'Conv2D(8, 5)  # 8', 'Conv2D(8, 5)  # 4', 'Conv2D(8, 5)  # 0!', 'Flatten()', 'Dense(10)'].join('\n');

  test('sequentialFromLayerList builds a named, seeded Sequential model', () => {
    const text = 'Conv2D(8, 3, padding=same, activation=relu)\nMaxPool2D(2)\nFlatten()\nDense(10, activation=softmax)';
    const model = sequentialFromLayerList(text, MNIST, { name: 'tiny', seed: 3, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    assert.ok(model instanceof Sequential && model.isBuilt);
    assert.equal(model.name, 'tiny');
    assert.deepEqual(model.outputShape, [10]);
    assert.deepEqual(model.layers.map((l) => l.name), ['conv2d', 'max_pool2d', 'flatten', 'dense']);
    assert.equal(model.classNames!.length, 10);
    const again = sequentialFromLayerList(text, MNIST, { seed: 3 });
    assert.deepEqual(again.parameters().map((p) => [...p.value.data]), model.parameters().map((p) => [...p.value.data]));
  });

  test('a 28×28 input through seven 5×5 valid convolutions: the shape error is mapped to the seventh conv line (line 8)', () => {
    const error = layerListError(() => sequentialFromLayerList(tooManyConvs, MNIST));
    assert.equal(error.line, 8);
    assert.ok(error.cause instanceof ShapeError);
    assert.match(error.message, /^line 8: layer 'conv2d_6' \(Conv2D\) with input \[4, 4, 8\]: .*gives output 0×0/);
  });

  test('checkLayerList reports the shape error with its line instead of throwing', () => {
    const result = checkLayerList(tooManyConvs, MNIST);
    assert.ok(!result.ok);
    assert.equal(result.line, 8);
    assert.match(result.message, /conv2d_6/);
  });

  test('checkLayerList maps a shape error to a layer named by hand as well (Dense without Flatten, line 2)', () => {
    const result = checkLayerList('Conv2D(8, 3, name=features)\nDense(10, name=head)', MNIST);
    assert.deepEqual(result.ok ? null : [result.line, /layer 'head' \(Dense\) needs a flat input/.test(result.message)], [2, true]);
  });

  test('checkLayerList never throws for mistakes: syntax, unknown layer, bad argument, merge layer, duplicate name, empty text, bad input shape', () => {
    const cases: [string, number[], number | null][] = [
      ['Flatten()\nDense(units=10', MNIST, 2],
      ['Flatten()\nDense2(10)', MNIST, 2],
      ['Flatten()\nDense(units=-1)', MNIST, 2],
      ['Flatten()\nDense(units=10, bogus=1)', MNIST, 2],
      ['Flatten()\nAdd()', MNIST, 2],
      ['Flatten(name=a)\nDense(10, name=a)', MNIST, 2],
      ['# nothing yet\n\n', MNIST, null],
      ['Flatten()', [28, 0, 1], null],
    ];
    for (const [text, shape, line] of cases) {
      const result = checkLayerList(text, shape);
      assert.ok(!result.ok, text);
      assert.equal(result.line, line, text);
      assert.ok(result.message.length > 0);
    }
  });

  test('checkLayerList on a valid list returns the model and summary rows (name, type, output shape, params) with totals', () => {
    const result = checkLayerList('Conv2D(8, 3, padding=same, activation=relu)\nMaxPool2D(2)\nFlatten()\nDense(10)', MNIST);
    assert.ok(result.ok);
    assert.deepEqual(
      result.rows.map((r) => [r.name, r.type, r.outputShape, r.params]),
      [
        ['conv2d', 'Conv2D', [28, 28, 8], 80],
        ['max_pool2d', 'MaxPool2D', [14, 14, 8], 0],
        ['flatten', 'Flatten', [1568], 0],
        ['dense', 'Dense', [10], 15690],
      ],
    );
    assert.deepEqual(result.totals, { params: 15770, trainable: 15770, nonTrainable: 0 });
    assert.equal(result.model.countParameters(), 15770);
  });

  test('summary rows: totals equal the model parameter count, and non-trainable BN statistics are counted apart (vgg-small)', () => {
    const model = createZooModel('vgg-small');
    const { rows, totals } = summaryRows(model.layers);
    assert.equal(totals.params, model.countParameters());
    assert.equal(rows.reduce((n, r) => n + r.params, 0), totals.params);
    assert.equal(totals.trainable, model.trainableParameters().reduce((n, p) => n + p.value.size, 0));
    assert.ok(totals.nonTrainable > 0);
    assert.equal(totals.trainable + totals.nonTrainable, totals.params);
  });

  test('a capsule network list (ending in CapsuleLength) gets the margin loss; others cross-entropy', () => {
    assert.equal(sequentialFromLayerList(formatLayerList(createZooModel('capsnet-small') as Sequential), MNIST).loss, 'margin');
    assert.equal(sequentialFromLayerList('Flatten()\nDense(10)', MNIST).loss, 'crossentropy');
  });
});

describe('layer list: formatting and round trips', () => {
  test('formatLayerList writes only what differs from the defaults, pairs of equal sizes as one number', () => {
    assert.equal(
      formatLayerList(createZooModel('seed-cnn') as Sequential),
      [
        'Conv2D(filters=8, kernelSize=3, padding=same, activation=relu, kernelInitializer=heUniform)',
        'MaxPool2D(poolSize=2)',
        'Conv2D(filters=16, kernelSize=5, activation=relu, kernelInitializer=heUniform)',
        'MaxPool2D(poolSize=2)',
        'Flatten()',
        'Dense(units=120, activation=relu, kernelInitializer=heUniform)',
        'Dense(units=64, activation=relu, kernelInitializer=heUniform)',
        'Dense(units=10, activation=softmax)',
      ].join('\n'),
    );
  });

  test('formatLayerList keeps names that are not the automatic ones, and quotes strings that are not plain names', () => {
    const model = new Sequential([new Conv2D({ filters: 4, kernelSize: [3, 5], name: 'my conv' }), new MaxPool2D({ poolSize: 3, strides: 1 })]);
    assert.equal(formatLayerList(model), 'Conv2D(filters=4, kernelSize=[3, 5], name="my conv")\nMaxPool2D(poolSize=3, strides=1)');
  });

  const sequentialZoo = zooNames().filter((name) => createZooModel(name) instanceof Sequential);

  test('the zoo has Sequential models to round-trip, among them seed-cnn, mlp, lenet5 and keras-mnist-cnn', () => {
    for (const name of ['seed-cnn', 'mlp', 'lenet5', 'keras-mnist-cnn']) assert.ok(sequentialZoo.includes(name), name);
  });

  for (const name of sequentialZoo) {
    test(`round trip of zoo model ${name}: format → parse → same architecture config and same summary`, () => {
      const model = createZooModel(name) as Sequential;
      const text = formatLayerList(model);
      const rebuilt = sequentialFromLayerList(text, model.inputShape!, { name: model.name });
      assert.deepEqual(rebuilt.getConfig(), model.getConfig());
      assert.equal(rebuilt.summary(), model.summary());
      assert.equal(rebuilt.loss, model.loss);
      const check = checkLayerList(text, model.inputShape!);
      assert.ok(check.ok);
      assert.equal(check.totals.params, model.countParameters());
    });
  }
});
