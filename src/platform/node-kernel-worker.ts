// Entry point of a WebAssembly kernel worker thread in Node (started by nodePlatform.startKernelWorker).
import { parentPort, workerData } from 'node:worker_threads';
import { runWorkerLoop, type WorkerInit } from '../backend/wasm/worker-loop.js';

void runWorkerLoop(workerData as WorkerInit, () => parentPort!.postMessage('ready'));
