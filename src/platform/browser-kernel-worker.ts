// Entry point of a WebAssembly kernel worker in the browser (a module Web Worker started by
// browserPlatform.startKernelWorker): waits for its init message, then runs the kernel loop.
import { runWorkerLoop, type WorkerInit } from '../backend/wasm/worker-loop.js';
import type { KernelWorkerFailure } from './browser.js';

/** The dedicated worker's global scope, typed minimally (the project compiles against the DOM lib, not the webworker lib). */
const workerScope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<WorkerInit>) => void) | null;
  postMessage(message: 'ready' | KernelWorkerFailure): void;
};

workerScope.onmessage = (event) => {
  workerScope.onmessage = null;
  runWorkerLoop(event.data, () => workerScope.postMessage('ready')).catch((e: unknown) => {
    workerScope.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  });
};
