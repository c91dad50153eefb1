export type * from './backend.js';
export * from './registry.js';
export { createJsBackend } from './js/index.js';
export { createWasmBackend, type WasmBackendOptions } from './wasm/index.js';
