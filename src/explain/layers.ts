/** Finding the layers and classes an explanation is about, with errors that list what there is. */
import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import { Conv2D } from '../nn/conv2d.js';
import { DepthwiseConv2D } from '../nn/depthwise-conv2d.js';
import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';
import { softmax } from '../ops/index.js';
import { formatShape, type Tensor } from '../tensor/index.js';
import { normalizeBatch } from '../train/normalize.js';
import { asModelInput } from './image.js';

/** `name (Type) [shape]` for every layer, for error messages. */
export function describeLayers(layers: readonly Layer[]): string {
  return layers.map((l) => `${l.name} (${l.type}${l.outputShape ? ` → ${formatShape(l.outputShape)}` : ''})`).join(', ');
}

/** The layer called `name`; the error lists every layer of the model. */
export function findLayer(model: Network, name: string): Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) throw new ArgumentError(`model '${model.name}' has no layer named '${name}'; its layers are: ${describeLayers(model.layers)}`);
  return layer;
}

export function isConvLayer(layer: Layer): layer is Conv2D | DepthwiseConv2D {
  return layer instanceof Conv2D || layer instanceof DepthwiseConv2D;
}

/** Whether the layer's output is a map [height, width, channels] (optionally wider than 1×1). */
export function hasSpatialOutput(layer: Layer, moreThanOnePixel = false): boolean {
  const s = layer.outputShape;
  return !!s && s.length === 3 && (!moreThanOnePixel || s[0] * s[1] > 1);
}

/** The number of classes: the length of the model's output vector. */
export function numClasses(model: Network): number {
  const shape = model.outputShape;
  if (shape.length !== 1) throw new ArgumentError(`model '${model.name}' outputs ${formatShape(shape)}, not one score per class`);
  return shape[0];
}

export function className(model: Network, classIndex: number): string {
  return model.classNames?.[classIndex] ?? String(classIndex);
}

/** Checks that `classIndex` is one of the model's classes. */
export function checkClassIndex(model: Network, classIndex: number): number {
  const n = numClasses(model);
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= n) {
    const names = model.classNames ? ` (${model.classNames.map((c, i) => `${i} ${c}`).join(', ')})` : '';
    throw new ArgumentError(`class ${classIndex} is not one of model '${model.name}''s ${n} classes: expected 0..${n - 1}${names}`);
  }
  return classIndex;
}

export interface Classification {
  /** Class probabilities (capsule networks: the capsule lengths, which need not sum to 1). */
  probabilities: Float32Array;
  /** The class scores the explanations differentiate: the logits (capsule networks: the lengths). */
  scores: Float32Array;
  predictedClass: number;
  /** probabilities[predictedClass]. */
  confidence: number;
}

/** The model's verdict on one image ([H, W, C] or [1, H, W, C], pixels in [0, 1]). */
export function classify(model: Network, image: Tensor): Classification {
  numClasses(model);
  const x = asModelInput(model, image, 'classify');
  return noGrad(() =>
    getBackend().scope(() => {
      const logits = model.forward(normalizeBatch(x, model.inputNormalization), { training: false, logits: true });
      const probs = model.loss === 'margin' ? logits : softmax(logits);
      const probabilities = Float32Array.from(probs.data);
      let predictedClass = 0;
      for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[predictedClass]) predictedClass = c;
      return { probabilities, scores: Float32Array.from(logits.data), predictedClass, confidence: probabilities[predictedClass] };
    }),
  );
}
