// A wasm kernel worker, bundled by Vite: the library's browser kernel-worker entry point.
import '../../../src/platform/browser-kernel-worker.js';
