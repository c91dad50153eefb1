import { type ImageDataset, gatherImages } from '../data/index.js';
import { ArgumentError } from '../errors.js';
import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';
import type { Tensor } from '../tensor/index.js';
import { normalizeBatch } from './normalize.js';

/** How many training images (the first ones) a layer adapts to: airbench's 5,000. */
export const ADAPT_IMAGES = 5000;

/** A layer whose weights are set from data before training (Keras' `adapt`), e.g. PatchWhitening. */
export interface AdaptableLayer extends Layer {
  adapted: boolean;
  adapt(images: Tensor): void;
}

export function isAdaptable(layer: Layer): layer is AdaptableLayer {
  return typeof (layer as Partial<AdaptableLayer>).adapt === 'function' && typeof (layer as Partial<AdaptableLayer>).adapted === 'boolean';
}

/**
 * Adapts every layer of the model that has not been adapted yet to the first ADAPT_IMAGES
 * training images, normalised as the model normalises its input, and says so through `log`. Such
 * a layer sees the model's input, so it must be the model's first layer. Returns the layers adapted.
 */
export function adaptToTrainingData(model: Network, train: ImageDataset, report: { now?: () => number; log?: (message: string) => void } = {}): AdaptableLayer[] {
  const now = report.now ?? (() => performance.now() / 1000);
  const started = now();
  const pending = model.layers.filter(isAdaptable).filter((l) => !l.adapted);
  if (pending.length === 0) return [];
  for (const layer of pending) {
    const index = model.layers.indexOf(layer);
    if (index !== 0) {
      throw new ArgumentError(`layer '${layer.name}' (${layer.type}) adapts to the model's input images, so it must be the model's first layer; it is layer ${index + 1} of ${model.layers.length}`);
    }
  }
  const count = Math.min(ADAPT_IMAGES, train.count);
  const images = normalizeBatch(gatherImages(train, Array.from({ length: count }, (_, i) => i)), model.inputNormalization);
  for (const layer of pending) layer.adapt(images);
  report.log?.(`Adapted ${pending.map((l) => `'${l.name}' (${l.type})`).join(', ')} to the first ${count.toLocaleString('en-US')} training images in ${(now() - started).toFixed(1)} s`);
  return pending;
}

/** Marks the model's adaptable layers adapted: their weights came from a checkpoint of a run that adapted them. */
export function markAdapted(model: Network): void {
  for (const layer of model.layers) if (isAdaptable(layer)) layer.adapted = true;
}
