/**
 * Fovea's public API for the browser (registers the browser platform: files are URLs, gzip through
 * DecompressionStream, images through createImageBitmap). No backend is loaded on import: call
 * `setBackend(await createWasmBackend({ wasmBytes, threads }))`, from a Web Worker for threads (see
 * platform/browser.ts), or use the `js` backend.
 */
import './platform/browser.js';

export * from './api.js';
export { browserPlatform, setKernelWorkerFactory, type KernelWorkerFactory } from './platform/browser.js';
