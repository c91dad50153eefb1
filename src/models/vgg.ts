import { BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D, type Layer, MaxPool2D, Sequential, Activation, Dropout } from '../nn/index.js';
import type { Shape } from '../tensor/index.js';

/**
 * A small VGG-style network for 32×32 images: pairs of conv 3×3 → BN → ReLU at 64, 128 and 256
 * filters, each pair followed by 2×2 max pooling, then global average pooling, dropout and a dense
 * softmax. ~1.1 M parameters.
 */
export function vggSmall(options: { inputShape: Shape; numClasses: number }): Sequential {
  const layers: Layer[] = [];
  for (const filters of [64, 128, 256]) {
    for (let i = 0; i < 2; i++) {
      layers.push(new Conv2D({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }));
      layers.push(new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
      layers.push(new Activation({ activation: 'relu' }));
    }
    layers.push(new MaxPool2D({ poolSize: 2 }));
  }
  layers.push(new GlobalAveragePooling2D(), new Dropout({ rate: 0.3 }), new Dense({ units: options.numClasses, activation: 'softmax' }));
  return new Sequential(layers, { inputShape: options.inputShape, name: 'vgg-small' });
}
