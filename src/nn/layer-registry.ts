import { ArgumentError, UnknownNameError } from '../errors.js';
import { BatchNormalization } from './batch-normalization.js';
import { CapsuleDecoder, CapsuleLength, PrimaryCapsules, RoutingCapsules, Squash } from './capsules.js';
import { Conv2D } from './conv2d.js';
import { Dense } from './dense.js';
import { DepthwiseConv2D } from './depthwise-conv2d.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from './global-pooling.js';
import type { Layer, LayerConfig } from './layer.js';
import { Add, Concatenate } from './merge.js';
import { AvgPool2D, MaxPool2D } from './pooling.js';
import { PatchWhitening } from './patch-whitening.js';
import { Activation, Dropout, Flatten, Rescaling } from './simple-layers.js';

type LayerFactory = (config: LayerConfig) => Layer;

// Configs use the constructors' Keras-style argument names, so a config is its own argument object.
const layerFactories = new Map<string, LayerFactory>([
  ['Conv2D', (c) => new Conv2D(c as never)],
  ['MaxPool2D', (c) => new MaxPool2D(c as never)],
  ['AvgPool2D', (c) => new AvgPool2D(c as never)],
  ['Dense', (c) => new Dense(c as never)],
  ['Flatten', (c) => new Flatten(c as never)],
  ['Dropout', (c) => new Dropout(c as never)],
  ['Activation', (c) => new Activation(c as never)],
  ['Rescaling', (c) => new Rescaling(c as never)],
  ['PatchWhitening', (c) => new PatchWhitening(c as never)],
  ['BatchNormalization', (c) => new BatchNormalization(c as never)],
  ['DepthwiseConv2D', (c) => new DepthwiseConv2D(c as never)],
  ['GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(c as never)],
  ['GlobalMaxPooling2D', (c) => new GlobalMaxPooling2D(c as never)],
  ['Add', (c) => new Add(c as never)],
  ['Concatenate', (c) => new Concatenate(c as never)],
  ['PrimaryCapsules', (c) => new PrimaryCapsules(c as never)],
  ['RoutingCapsules', (c) => new RoutingCapsules(c as never)],
  ['Squash', (c) => new Squash(c as never)],
  ['CapsuleLength', (c) => new CapsuleLength(c as never)],
  ['CapsuleDecoder', (c) => new CapsuleDecoder(c as never)],
]);

export function layerTypes(): string[] {
  return [...layerFactories.keys()];
}

export function registerLayerType(type: string, factory: LayerFactory): void {
  layerFactories.set(type, factory);
}

/** Rebuilds an (unbuilt) layer from its config. */
export function layerFromConfig(config: LayerConfig): Layer {
  if (typeof config !== 'object' || config === null || typeof config.type !== 'string') {
    throw new ArgumentError(`a layer config must be an object with a string 'type', got ${JSON.stringify(config)}`);
  }
  const factory = layerFactories.get(config.type);
  if (!factory) throw new UnknownNameError('layer type', config.type, layerTypes());
  return factory(config);
}
