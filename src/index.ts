/** Fovea's public API for Node.js (registers the Node platform: files, gunzip, image decoding). */
import './platform/node.js';

export * from './errors.js';
export * from './tensor/index.js';
export * from './backend/index.js';
export * from './autograd/index.js';
export * from './ops/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './models/index.js';
export * from './io/index.js';
