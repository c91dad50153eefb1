import { UnknownNameError } from '../errors.js';
import { Activation, AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D, type Network, Sequential } from '../nn/index.js';
import type { Shape } from '../tensor/index.js';
import { capsNet, PAPER_CAPSNET, SMALL_CAPSNET } from './capsnet.js';
import { cifarFast, cifarFastSmall } from './cifar-fast.js';
import { cifarWhiten } from './cifar-whiten.js';
import { cifarResNet } from './resnet.js';
import { vggSmall } from './vgg.js';

export interface ZooOptions {
  inputShape?: Shape;
  numClasses?: number;
}

interface ZooEntry {
  description: string;
  /** The input shape `createZooModel` builds for when none is given: the dataset the model was made for. */
  inputShape: Shape;
  create(options: Required<ZooOptions>): Network;
}

const MNIST_SHAPE: Shape = [28, 28, 1];
const CIFAR_SHAPE: Shape = [32, 32, 3];

const zoo: Record<string, ZooEntry> = {
  mlp: {
    description: 'The Keras MNIST MLP: 784-512-512-10, ReLU, dropout 0.2',
    inputShape: MNIST_SHAPE,
    create: ({ inputShape, numClasses }) =>
      new Sequential(
        [
          new Flatten(),
          new Dense({ units: 512, activation: 'relu' }),
          new Dropout({ rate: 0.2 }),
          new Dense({ units: 512, activation: 'relu' }),
          new Dropout({ rate: 0.2 }),
          new Dense({ units: numClasses, activation: 'softmax' }),
        ],
        { inputShape, name: 'mlp' },
      ),
  },
  'seed-cnn': {
    description: "The course's CNN table: Conv 8 3×3 same → MaxPool 2 → Conv 16 5×5 valid → MaxPool 2 → Dense 120 → 64 → 10 (He-uniform init on the ReLU layers)",
    inputShape: MNIST_SHAPE,
    create: ({ inputShape, numClasses }) =>
      new Sequential(
        [
          new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heUniform' }),
          new MaxPool2D({ poolSize: 2, strides: 2 }),
          new Conv2D({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', kernelInitializer: 'heUniform' }),
          new MaxPool2D({ poolSize: 2, strides: 2 }),
          new Flatten(),
          new Dense({ units: 120, activation: 'relu', kernelInitializer: 'heUniform' }),
          new Dense({ units: 64, activation: 'relu', kernelInitializer: 'heUniform' }),
          new Dense({ units: numClasses, activation: 'softmax' }),
        ],
        { inputShape, name: 'seed-cnn' },
      ),
  },
  lenet5: {
    description: 'LeNet-5 (LeCun et al. 1998): C1 6@5×5 same → avg pool → C3 16@5×5 → avg pool → 120 → 84 → 10, tanh',
    inputShape: MNIST_SHAPE,
    create: ({ inputShape, numClasses }) =>
      new Sequential(
        [
          new Conv2D({ filters: 6, kernelSize: 5, padding: 'same', activation: 'tanh' }),
          new AvgPool2D({ poolSize: 2 }),
          new Conv2D({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'tanh' }),
          new AvgPool2D({ poolSize: 2 }),
          new Flatten(),
          new Dense({ units: 120, activation: 'tanh' }),
          new Dense({ units: 84, activation: 'tanh' }),
          new Dense({ units: numClasses }),
          new Activation({ activation: 'softmax' }),
        ],
        { inputShape, name: 'lenet5' },
      ),
  },
  'keras-mnist-cnn': {
    description: 'The Keras MNIST CNN example: Conv 32 3×3 → Conv 64 3×3 → MaxPool 2 → Dropout .25 → Dense 128 → Dropout .5 → 10',
    inputShape: MNIST_SHAPE,
    create: ({ inputShape, numClasses }) =>
      new Sequential(
        [
          new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
          new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
          new MaxPool2D({ poolSize: 2 }),
          new Dropout({ rate: 0.25 }),
          new Flatten(),
          new Dense({ units: 128, activation: 'relu' }),
          new Dropout({ rate: 0.5 }),
          new Dense({ units: numClasses, activation: 'softmax' }),
        ],
        { inputShape, name: 'keras-mnist-cnn' },
      ),
  },
  'keras-cifar-cnn': {
    description:
      'The Keras CIFAR-10 CNN example: Conv 32 3×3 same → Conv 32 3×3 → MaxPool 2 → Dropout .25 → Conv 64 3×3 same → Conv 64 3×3 → MaxPool 2 → Dropout .25 → Dense 512 → Dropout .5 → 10, on 32×32×3',
    inputShape: CIFAR_SHAPE,
    create: ({ inputShape, numClasses }) =>
      new Sequential(
        [
          new Conv2D({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
          new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
          new MaxPool2D({ poolSize: 2 }),
          new Dropout({ rate: 0.25 }),
          new Conv2D({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
          new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
          new MaxPool2D({ poolSize: 2 }),
          new Dropout({ rate: 0.25 }),
          new Flatten(),
          new Dense({ units: 512, activation: 'relu' }),
          new Dropout({ rate: 0.5 }),
          new Dense({ units: numClasses, activation: 'softmax' }),
        ],
        { inputShape, name: 'keras-cifar-cnn' },
      ),
  },
  'vgg-small': {
    description: 'A small VGG: 2×(conv 3×3 → BN → ReLU) at 64, 128, 256 filters, each pair then max pool 2 → global average pool → dropout .3 → dense',
    inputShape: CIFAR_SHAPE,
    create: vggSmall,
  },
  'cifar-fast': {
    description: 'Fovea\'s first fast CIFAR net (after airbench): conv → pool → BN → ReLU stages of 32, 64, 128, 256 filters, global max pool → dense; 85.6% on CIFAR-10 in 27 minutes on 2 cores (cifar-whiten does better)',
    inputShape: CIFAR_SHAPE,
    create: (options) => cifarFast(options),
  },
  'cifar-fast-small': {
    description: 'cifar-fast at half the width (16, 32, 64, 128 filters): 3× the speed, for short budgets',
    inputShape: CIFAR_SHAPE,
    create: cifarFastSmall,
  },
  'cifar-whiten': {
    description: 'airbench93\'s net: a fixed 2×2 patch-whitening conv set from the training images → 3 groups of two 3×3 convs (64, 128, 128; identity init; BN without scale, shift learning 64× faster; GELU) → global max pool → dense ×1/9',
    inputShape: CIFAR_SHAPE,
    create: (options) => cifarWhiten(options),
  },
  'cifar-whiten-relu': {
    description: 'cifar-whiten with ReLU in place of GELU (a few per cent faster per step)',
    inputShape: CIFAR_SHAPE,
    create: (options) => cifarWhiten({ ...options, activation: 'relu', name: 'cifar-whiten-relu' }),
  },
  'cifar-whiten-mid': {
    description: 'cifar-whiten at 64, 192, 192 filters (1.6× the multiply-adds per image): the best of the widths a 30-minute budget allows in the PyTorch reference search on the JPEG copy',
    inputShape: CIFAR_SHAPE,
    create: (options) => cifarWhiten({ ...options, widths: [64, 192, 192], name: 'cifar-whiten-mid' }),
  },
  'cifar-whiten-wide': {
    description: 'airbench94\'s net: cifar-whiten at 64, 256, 256 filters (2.2× the multiply-adds per image), for longer budgets',
    inputShape: CIFAR_SHAPE,
    create: (options) => cifarWhiten({ ...options, widths: [64, 256, 256], name: 'cifar-whiten-wide' }),
  },
  capsnet: {
    description: 'CapsNet (Sabour et al. 2017): Conv 256 9×9 → 32×8D primary capsules (9×9, stride 2) → 10×16D digit capsules, 3 routings, decoder 512-1024; margin + reconstruction loss',
    inputShape: MNIST_SHAPE,
    create: (options) => capsNet(PAPER_CAPSNET, options),
  },
  'capsnet-baseline-cnn': {
    description: "The CNN the CapsNet paper compares against: Conv 256, 256, 128 5×5 same (stride 1, no pooling) → Dense 328 → 192 → dropout .5 → 10; 35.4 M parameters on MNIST",
    inputShape: MNIST_SHAPE,
    create: ({ inputShape, numClasses }) =>
      new Sequential(
        [
          new Conv2D({ filters: 256, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: 'heUniform' }),
          new Conv2D({ filters: 256, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: 'heUniform' }),
          new Conv2D({ filters: 128, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: 'heUniform' }),
          new Flatten(),
          new Dense({ units: 328, activation: 'relu', kernelInitializer: 'heUniform' }),
          new Dense({ units: 192, activation: 'relu', kernelInitializer: 'heUniform' }),
          new Dropout({ rate: 0.5 }),
          new Dense({ units: numClasses, activation: 'softmax' }),
        ],
        { inputShape, name: 'capsnet-baseline-cnn' },
      ),
  },
  'capsnet-small': {
    description: 'A small CapsNet for 2 cores: Conv 64 9×9 → 8×8D primary capsules (9×9, stride 2) → 10×16D digit capsules, 3 routings, decoder 256-512; margin + reconstruction loss',
    inputShape: MNIST_SHAPE,
    create: (options) => capsNet(SMALL_CAPSNET, options),
  },
  resnet20: {
    description: 'ResNet-20 for CIFAR (He et al. 2015): conv 16 → 3 stages × 3 basic blocks (16, 32, 64 filters, BN, 1×1 projection shortcuts) → global average pool → dense',
    inputShape: CIFAR_SHAPE,
    create: (options) => cifarResNet(20, options),
  },
};

export function zooNames(): string[] {
  return Object.keys(zoo);
}

export function zooDescription(name: string): string {
  return zooEntry(name).description;
}

function zooEntry(name: string): ZooEntry {
  const entry = zoo[name];
  if (!entry) throw new UnknownNameError('zoo model', name, zooNames());
  return entry;
}

/** The input shape a zoo model is built for by default ([28, 28, 1] for the MNIST models, [32, 32, 3] for CIFAR). */
export function zooInputShape(name: string): Shape {
  return [...zooEntry(name).inputShape];
}

/** A zoo model, built (weights initialised from `seed`) for `inputShape`, else the entry's default input shape. */
export function createZooModel(name: string, options: ZooOptions & { seed?: number } = {}): Network {
  const entry = zooEntry(name);
  const model = entry.create({ inputShape: options.inputShape ?? [...entry.inputShape], numClasses: options.numClasses ?? 10 });
  return model.build({ seed: options.seed ?? 0 });
}
