import { CapsuleDecoder, CapsuleLength, Conv2D, type Network, PrimaryCapsules, RoutingCapsules, Sequential } from '../nn/index.js';
import type { Shape } from '../tensor/index.js';

/** The sizes that tell the capsule networks of the zoo apart. */
export interface CapsNetShape {
  name: string;
  /** The first (ordinary ReLU) convolution. */
  convFilters: number;
  convKernel: number;
  /** Primary capsules: a convolution with primaryCapsules·primaryDim filters, stride 2. */
  primaryCapsules: number;
  primaryDim: number;
  primaryKernel: number;
  /** One output capsule of this many dimensions per class. */
  digitDim: number;
  routings: number;
  /** Hidden layers of the reconstruction decoder. */
  decoderUnits: number[];
}

/** Sabour, Frosst & Hinton 2017: Conv 256 9×9 → 32 × 8D primary capsules (9×9, stride 2) → 10 × 16D, 3 routings, decoder 512-1024. */
export const PAPER_CAPSNET: CapsNetShape = {
  name: 'capsnet',
  convFilters: 256,
  convKernel: 9,
  primaryCapsules: 32,
  primaryDim: 8,
  primaryKernel: 9,
  digitDim: 16,
  routings: 3,
  decoderUnits: [512, 1024],
};

/** The paper's layout, narrower: 64 filters, 8 × 8D primary capsule types, decoder 256-512. */
export const SMALL_CAPSNET: CapsNetShape = {
  name: 'capsnet-small',
  convFilters: 64,
  convKernel: 9,
  primaryCapsules: 8,
  primaryDim: 8,
  primaryKernel: 9,
  digitDim: 16,
  routings: 3,
  decoderUnits: [256, 512],
};

/**
 * A capsule network trained with the margin loss plus the decoder's reconstruction loss
 * (weight 0.0005, as in the paper): conv → primary capsules → routing capsules → decoder
 * (training only) → capsule lengths, the class scores.
 */
export function capsNet(shape: CapsNetShape, options: { inputShape: Shape; numClasses: number }): Network {
  const model = new Sequential(
    [
      new Conv2D({ filters: shape.convFilters, kernelSize: shape.convKernel, activation: 'relu' }),
      new PrimaryCapsules({ capsules: shape.primaryCapsules, capsuleDim: shape.primaryDim, kernelSize: shape.primaryKernel, strides: 2 }),
      new RoutingCapsules({ capsules: options.numClasses, capsuleDim: shape.digitDim, routings: shape.routings }),
      new CapsuleDecoder({ units: shape.decoderUnits, weight: 0.0005, imageShape: [...options.inputShape] }),
      new CapsuleLength(),
    ],
    { inputShape: options.inputShape, name: shape.name },
  );
  model.loss = 'margin';
  return model;
}
