import { Activation, BatchNormalization, Conv2D, Dense, GlobalMaxPooling2D, type Layer, MaxPool2D, Sequential } from '../nn/index.js';
import type { Shape } from '../tensor/index.js';

/** Conv 3×3 (no bias: batch norm follows) → [max pool 2] → BN → ReLU. */
function convBlock(filters: number, pool: boolean): Layer[] {
  const layers: Layer[] = [new Conv2D({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal' })];
  if (pool) layers.push(new MaxPool2D({ poolSize: 2 }));
  layers.push(new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 }), new Activation({ activation: 'relu' }));
  return layers;
}

/**
 * Fovea's network for accuracy per CPU-minute on 32×32 images, after airbench (Keller Jordan):
 * a VGG-like stack where each stage convolves, then pools, then normalises, so most convolutions
 * run on small maps — stem 32 at 32×32 pooled to 16×16, stages of 64, 128 and 256 filters — and a
 * global max pool into the classifier. About 70 MFLOP per image forward (keras-cifar-cnn: 40,
 * resnet20: 41), 0.6 M parameters. Meant to be trained with label smoothing, flip and
 * translation augmentation and a short one-cycle schedule.
 */
export function cifarFast(options: { inputShape: Shape; numClasses: number }, width = 1, name = 'cifar-fast'): Sequential {
  const f = (filters: number): number => Math.round(filters * width);
  return new Sequential(
    [
      ...convBlock(f(32), true),
      ...convBlock(f(64), false),
      ...convBlock(f(64), true),
      ...convBlock(f(128), false),
      ...convBlock(f(128), true),
      ...convBlock(f(256), true),
      new GlobalMaxPooling2D(),
      new Dense({ units: options.numClasses, activation: 'softmax' }),
    ],
    { inputShape: options.inputShape, name },
  );
}

/**
 * cifar-fast at half the width (16 … 128 filters, 145 k parameters, about a quarter of the
 * arithmetic): about 3× the training images/s here. Before the Winograd kernels a 30-minute
 * budget bought 16 epochs of it against 5 of cifar-fast, and it was the more accurate of the two;
 * with them cifar-fast gets 15 epochs and is (see README, "CIFAR-10").
 */
export function cifarFastSmall(options: { inputShape: Shape; numClasses: number }): Sequential {
  return cifarFast(options, 0.5, 'cifar-fast-small');
}
