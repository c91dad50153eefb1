/**
 * Memory across epochs: trains a model for several epochs and prints, after each, the process's
 * resident memory, the JS heap, and the backend's own memory (WebAssembly memory reserved and in
 * use). Users never free tensors by hand, so these must stay flat once training is under way.
 *
 *   node --expose-gc dist/bench/memory.js [--model keras-mnist-cnn] [--backend wasm] [--epochs 5] [--images 6000]
 */
import '../src/platform/node.js';
import { parseArgs } from 'node:util';
import { getBackend, useBackend } from '../src/backend/registry.js';
import { loadDataset, take } from '../src/data/index.js';
import { createZooModel } from '../src/models/index.js';
import { Adam } from '../src/optim/index.js';
import { fit } from '../src/train/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'keras-mnist-cnn' },
    backend: { type: 'string', default: 'wasm' },
    epochs: { type: 'string', default: '5' },
    images: { type: 'string', default: '6000' },
    json: { type: 'string' },
  },
});

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
await useBackend(values.backend!);
const backend = getBackend();
const mnist = await loadDataset('mnist');
const train = take(mnist.train, Math.min(Number(values.images), mnist.train.count));
const model = createZooModel(values.model!, { seed: 0 });
const rows: Record<string, number>[] = [];
console.log(`${values.model} on ${backend.name} (${backend.threads ?? 1} thread(s)), ${train.count} images per epoch, batch 64`);
console.log('epoch  rss MiB  js heap MiB  array buffers MiB  backend in use MiB  backend reserved MiB  img/s');
await fit(model, train, {
  epochs: Number(values.epochs),
  batchSize: 64,
  optimizer: new Adam(),
  seed: 0,
  onEpochEnd: (logs) => {
    // With --expose-gc, collect first so the figures show what is live, not what is not yet swept.
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const stats = backend.memoryStats?.() ?? { inUse: 0, reserved: 0 };
    rows.push({ epoch: logs.epoch, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, backendInUse: stats.inUse, backendReserved: stats.reserved, imagesPerSecond: logs.imagesPerSecond });
    console.log(
      `${String(logs.epoch).padStart(5)}  ${mib(m.rss).padStart(7)}  ${mib(m.heapUsed).padStart(11)}  ${mib(m.arrayBuffers).padStart(17)}  ${mib(stats.inUse).padStart(18)}  ${mib(stats.reserved).padStart(20)}  ${logs.imagesPerSecond.toFixed(0).padStart(5)}`,
    );
  },
});
if (values.json) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(values.json, `${JSON.stringify({ model: values.model, backend: backend.name, threads: backend.threads ?? 1, images: train.count, epochs: rows }, null, 2)}\n`);
}
