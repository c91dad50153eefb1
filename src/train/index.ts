export * from './evaluate.js';
export * from './fit.js';
export * from './metrics.js';
export * from './normalize.js';
export * from './predict.js';
export * from './progress.js';
export * from './benchmark.js';
