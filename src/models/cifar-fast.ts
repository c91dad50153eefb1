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
export function cifarFast(options: { inputShape: Shape; numClasses: number }): Sequential {
  return new Sequential(
    [
      ...convBlock(32, true),
      ...convBlock(64, false),
      ...convBlock(64, true),
      ...convBlock(128, false),
      ...convBlock(128, true),
      ...convBlock(256, true),
      new GlobalMaxPooling2D(),
      new Dense({ units: options.numClasses, activation: 'softmax' }),
    ],
    { inputShape: options.inputShape, name: 'cifar-fast' },
  );
}
