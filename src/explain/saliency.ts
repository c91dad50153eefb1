/**
 * Gradient saliency (Simonyan et al. 2014): how much a small change of each pixel moves a class
 * score. The score is the class's logit, before the softmax (capsule networks: the class
 * capsule's length), so that it measures evidence for the class alone rather than against the
 * others.
 */
import { valueAndGrads } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import type { ForwardOptions, Network } from '../nn/network.js';
import { mul, sum } from '../ops/index.js';
import { allocData, Tensor } from '../tensor/index.js';
import { normalizeBatch } from '../train/normalize.js';
import { asModelInput } from './image.js';
import { checkClassIndex, numClasses } from './layers.js';

/** The score of `classIndex` in the model's outputs [1, classes]: Σ outputs ⊙ one-hot, recorded. */
export function classScore(outputs: Tensor, classIndex: number): Tensor {
  const mask = allocData(outputs.dtype, outputs.size);
  mask[classIndex] = 1;
  return sum(mul(outputs, new Tensor(mask, outputs.shape)));
}

/** The forward pass explanations differentiate: logits (the softmax is left out), no dropout. */
export function classScoreOf(model: Network, x: Tensor, classIndex: number, onLayerOutput?: ForwardOptions['onLayerOutput']): Tensor {
  const outputs = model.forward(x, { training: false, logits: true, onLayerOutput });
  return classScore(outputs, classIndex);
}

export interface InputGradient {
  classIndex: number;
  /** The class score at the image. */
  score: number;
  /** d score / d pixel, [H, W, C], for pixels in [0, 1] (through the model's input normalisation). */
  gradient: Tensor;
}

/** The gradient of the class score with respect to the pixels of one image ([H, W, C] or [1, H, W, C], in [0, 1]). */
export function inputGradient(model: Network, image: Tensor, classIndex: number): InputGradient {
  numClasses(model);
  checkClassIndex(model, classIndex);
  const x = asModelInput(model, image, 'inputGradient');
  const [, h, w, c] = x.shape;
  const input = normalizeBatch(x, model.inputNormalization);
  const { std } = model.inputNormalization;
  return getBackend().scope(() => {
    const { value, grads } = valueAndGrads(() => classScoreOf(model, input, classIndex), [input]);
    // The normalisation x' = (x − mean) / std is outside the tape: d/dx = d/dx' / std.
    const identity = input === x;
    const gradient = new Float32Array(h * w * c);
    for (let i = 0; i < gradient.length; i++) gradient[i] = identity ? grads[0].data[i] : grads[0].data[i] / (std[i % c] ?? 1);
    return { classIndex, score: value.item(), gradient: new Tensor(gradient, [h, w, c]) };
  });
}

/** The saliency map [H, W]: |d score / d pixel|, the largest over the colour channels. */
export function saliencyMap(model: Network, image: Tensor, classIndex: number): Tensor {
  return saliencyFromGradient(inputGradient(model, image, classIndex).gradient);
}

/** max over channels of |gradient| for a gradient [H, W, C]. */
export function saliencyFromGradient(gradient: Tensor): Tensor {
  const [h, w, c] = gradient.shape;
  const out = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let m = 0;
    for (let k = 0; k < c; k++) m = Math.max(m, Math.abs(gradient.data[p * c + k]));
    out[p] = m;
  }
  return new Tensor(out, [h, w]);
}
