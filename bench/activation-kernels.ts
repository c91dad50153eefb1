/**
 * Nanoseconds per element of the wasm activation kernels, forward and backward, on a batch of
 * cifar-whiten's first-group activations ([256, 15, 15, 64], 3.7 M elements), and what GELU
 * in place of ReLU adds to one cifar-whiten training step at batch 1024. Median of 5 repeats of
 * ≥0.2 s each, after a warm-up. Kernel timings, not a comparison with another library.
 *
 *   node dist/bench/activation-kernels.js [--threads N]
 */
import '../src/platform/node.js';
import type { UnaryOp } from '../src/backend/backend.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { createZooModel } from '../src/models/zoo.js';
import { Rng } from '../src/tensor/index.js';
import { msPerCall, threadsArgument } from './kernel-timing.js';

const backend = await createWasmBackend({ threads: threadsArgument() });

const size = 256 * 15 * 15 * 64;
const rng = new Rng(0);
const host = new Float32Array(size);
for (let i = 0; i < size; i++) host[i] = rng.normal();
const x = backend.adopt(host);
const dy = backend.adopt(Float32Array.from(host, (v) => v * 0.5));

console.log(`wasm backend, ${backend.threads} thread(s); ns per element (median of 5), ${size.toLocaleString('en-US')} elements, x ~ N(0, 1)`);
console.log('op          forward  backward');
const results = new Map<UnaryOp, [number, number]>();
for (const op of ['relu', 'leakyRelu', 'gelu', 'sigmoid', 'tanh'] as const) {
  const y = backend.adopt(Float32Array.from(backend.unary(op, x, 0.3)));
  const forward = (msPerCall(backend, () => backend.unary(op, x, 0.3)) * 1e6) / size;
  const backward = (msPerCall(backend, () => backend.unaryBackward(op, dy, x, y, 0.3)) * 1e6) / size;
  results.set(op, [forward, backward]);
  console.log(`${op.padEnd(10)}${forward.toFixed(2).padStart(9)}${backward.toFixed(2).padStart(10)}`);
}

// Elements through the activations of one cifar-whiten step: every Activation layer except the softmax.
const model = createZooModel('cifar-whiten');
const perImage = model.layers
  .filter((l) => l.type === 'Activation' && l.getConfig().activation !== 'softmax')
  .reduce((n, l) => n + l.outputShape!.reduce((a, b) => a * b, 1), 0);
const [reluF, reluB] = results.get('relu')!;
const [geluF, geluB] = results.get('gelu')!;
const extraSeconds = (1024 * perImage * (geluF + geluB - reluF - reluB)) / 1e9;
console.log(`\ncifar-whiten: ${perImage.toLocaleString('en-US')} activation elements per image; GELU instead of ReLU adds ${extraSeconds.toFixed(3)} s to a batch-1024 step`);
