export type * from './backend.js';
export * from './registry.js';
export { createJsBackend } from './js/index.js';
