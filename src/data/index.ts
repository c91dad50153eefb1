export * from './idx.js';
export * from './dataset.js';
export * from './batches.js';
export * from './idx-dataset.js';
export * from './registry.js';
export * from './image-input.js';
