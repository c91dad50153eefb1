export * from './tensor.js';
export * from './rng.js';
export * from './conv-geometry.js';
