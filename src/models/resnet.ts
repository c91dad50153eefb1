import { ArgumentError } from '../errors.js';
import { Activation, add, BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D, GraphModel, input, type SymbolicTensor } from '../nn/index.js';
import type { Shape } from '../tensor/index.js';

/** Conv (no bias: the batch norm after it has one) → BatchNorm, He-normal weights. */
function convBn(x: SymbolicTensor, filters: number, kernelSize: number, strides: number): SymbolicTensor {
  const conv = new Conv2D({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }).apply(x);
  return new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(conv);
}

const reluOf = (x: SymbolicTensor): SymbolicTensor => new Activation({ activation: 'relu' }).apply(x);

/**
 * The basic block of He et al. (2015): conv 3×3 → BN → ReLU → conv 3×3 → BN, plus the shortcut,
 * then ReLU. Where the block halves the map or changes the width, the shortcut is a 1×1 conv with
 * stride 2 and BN (the paper's option B).
 */
function basicBlock(x: SymbolicTensor, filters: number, strides: number): SymbolicTensor {
  const h = convBn(reluOf(convBn(x, filters, 3, strides)), filters, 3, 1);
  const changes = strides !== 1 || x.shape[x.shape.length - 1] !== filters;
  const shortcut = changes ? convBn(x, filters, 1, strides) : x;
  return reluOf(add([h, shortcut]));
}

/**
 * The CIFAR ResNet of He et al. 2015 ("Deep Residual Learning for Image Recognition", §4.2):
 * conv 3×3 16 → 3 stages of n basic blocks with 16, 32, 64 filters (the 2nd and 3rd stages start
 * with stride 2) → global average pooling → dense softmax. depth = 6n + 2: 20, 32, 44, 56, 110.
 */
export function cifarResNet(depth: number, options: { inputShape: Shape; numClasses: number }): GraphModel {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new ArgumentError(`a CIFAR ResNet's depth is 6n + 2 (20, 32, 44, 56, 110), got ${depth}`);
  }
  const blocks = (depth - 2) / 6;
  const x = input(options.inputShape);
  let h = reluOf(convBn(x, 16, 3, 1));
  [16, 32, 64].forEach((filters, stage) => {
    for (let b = 0; b < blocks; b++) h = basicBlock(h, filters, stage > 0 && b === 0 ? 2 : 1);
  });
  const pooled = new GlobalAveragePooling2D().apply(h);
  const out = new Dense({ units: options.numClasses, activation: 'softmax' }).apply(pooled);
  return new GraphModel({ inputs: x, outputs: out, name: `resnet${depth}` });
}
