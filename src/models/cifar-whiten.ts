import { Activation, type ActivationName, BatchNormalization, Conv2D, Dense, GlobalMaxPooling2D, type Layer, MaxPool2D, PatchWhitening, Rescaling, Sequential } from '../nn/index.js';
import type { Shape } from '../tensor/index.js';

/** Batch norm as airbench uses it: no scale, the shift trained 64× faster, fast moving averages. */
function batchNorm(): BatchNormalization {
  return new BatchNormalization({ momentum: 0.6, epsilon: 1e-12, scale: false, betaLearningRateScale: 64 });
}

/** Conv 3×3 (identity-initialised) → max pool 2 → BN → act → conv 3×3 → BN → act. */
function convGroup(filters: number, activation: ActivationName): Layer[] {
  const conv = () => new Conv2D({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'dirac' });
  return [conv(), new MaxPool2D({ poolSize: 2 }), batchNorm(), new Activation({ activation }), conv(), batchNorm(), new Activation({ activation })];
}

export interface CifarWhitenOptions {
  inputShape: Shape;
  numClasses: number;
  /** Filters of the three groups (airbench93: 64, 128, 128; airbench94: 64, 256, 256). */
  widths?: readonly [number, number, number];
  /** airbench's GELU (default), or ReLU, a little cheaper per step. */
  activation?: ActivationName;
  name?: string;
}

/**
 * airbench93's network (Keller Jordan, cifar10-airbench) in Fovea's layers: a fixed 2×2
 * patch-whitening convolution (24 filters, set from the training images before the first step;
 * its bias trains for 3 epochs, then freezes, which spares the first convolution's dX),
 * then three groups of two 3×3 convolutions at 64, 128 and 128 filters (each group pools once),
 * batch norm without scale whose shift learns 64× faster, identity-initialised filters, a global
 * max pool and a bias-free dense layer whose logits are scaled by 1/9, GELU after every
 * normalisation. About 108 MFLOP per image forward (cifar-fast: 70), 0.57 M parameters. Meant
 * for airbench's recipe: Nesterov SGD at batch 1024, a triangular schedule, label smoothing 0.2,
 * flips and 2-pixel translations.
 */
export function cifarWhiten(options: CifarWhitenOptions): Sequential {
  const { widths = [64, 128, 128], activation = 'gelu', name = 'cifar-whiten' } = options;
  return new Sequential(
    [
      new PatchWhitening({ kernelSize: 2, biasEpochs: 3 }),
      new Activation({ activation }),
      ...widths.flatMap((w) => convGroup(w, activation)),
      new GlobalMaxPooling2D(),
      new Dense({ units: options.numClasses, useBias: false }),
      new Rescaling({ scale: 1 / 9 }),
      new Activation({ activation: 'softmax' }),
    ],
    { inputShape: options.inputShape, name },
  );
}
