/**
 * Milliseconds per call of the wasm depthwise-convolution kernels (forward, backward-input,
 * backward-filter), direct SIMD loops against the per-group im2col + gemm path, and of the batch
 * normalisation kernels, on MobileNet-like layer shapes. Median of 5 repeats of ≥0.2 s each, after
 * a warm-up. Kernel timings, not a comparison with another library.
 *
 *   node dist/bench/depthwise-kernels.js [--threads N]
 */
import '../src/platform/node.js';
import type { Conv2DInfo } from '../src/backend/backend.js';
import { groupedConvOptions } from '../src/backend/wasm/grouped-conv.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { conv2dInfo } from '../src/ops/conv.js';
import { Rng } from '../src/tensor/index.js';
import { msPerCall, threadsArgument } from './kernel-timing.js';

const backend = await createWasmBackend({ threads: threadsArgument() });

function random(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return backend.adopt(a) as Float32Array;
}

const shapes: { x: [number, number, number, number]; stride: number; multiplier: number }[] = [
  { x: [32, 32, 32, 32], stride: 1, multiplier: 1 },
  { x: [32, 16, 16, 128], stride: 1, multiplier: 1 },
  { x: [32, 16, 16, 64], stride: 2, multiplier: 1 },
  { x: [1, 112, 112, 32], stride: 1, multiplier: 1 },
  { x: [32, 16, 16, 32], stride: 1, multiplier: 2 },
];
const rng = new Rng(0);
console.log(`wasm backend, ${backend.threads} thread(s); ms per call (median of 5), direct vs per-group im2col + gemm`);
console.log('x shape            stride  ×m  kernel            direct  per-group  speed-up');
for (const s of shapes) {
  const C = s.x[3];
  const info: Conv2DInfo = conv2dInfo(s.x, [3, 3, 1, C * s.multiplier], { strides: s.stride, padding: 'same', groups: C });
  const x = random(s.x.reduce((a, b) => a * b, 1), rng);
  const w = random(9 * C * s.multiplier, rng);
  const dy = random(info.batch * info.outH * info.outW * info.outC, rng);
  const kernels: [string, () => unknown][] = [
    ['forward', () => backend.conv2d(x, w, info)],
    ['backward-input', () => backend.conv2dBackwardInput(dy, w, info)],
    ['backward-filter', () => backend.conv2dBackwardFilter(x, dy, info)],
  ];
  for (const [name, fn] of kernels) {
    groupedConvOptions.directDepthwise = true;
    const direct = msPerCall(backend, fn);
    groupedConvOptions.directDepthwise = false;
    const perGroup = msPerCall(backend, fn);
    groupedConvOptions.directDepthwise = true;
    console.log(`${`[${s.x}]`.padEnd(19)}${String(s.stride).padStart(6)}${String(s.multiplier).padStart(4)}  ${name.padEnd(16)}${direct.toFixed(2).padStart(8)}${perGroup.toFixed(2).padStart(11)}${(perGroup / direct).toFixed(1).padStart(9)}×`);
  }
}

console.log('\nbatch normalisation, ms per call (median of 5)');
console.log('x shape            train-forward  inference  backward   (relu on the same data)');
for (const shape of [[32, 32, 32, 32], [32, 16, 16, 128], [64, 28, 28, 8]]) {
  const size = shape.reduce((a, b) => a * b, 1);
  const C = shape[3];
  const info = { rows: size / C, channels: C, epsilon: 1e-3 };
  const x = random(size, rng);
  const dy = random(size, rng);
  const gamma = random(C, rng);
  const beta = random(C, rng);
  const stats = backend.batchNormTrain(x, gamma, beta, info);
  const mean = backend.adopt(stats.mean);
  const invStd = backend.adopt(stats.invStd);
  const variance = backend.adopt(stats.variance);
  const train = msPerCall(backend, () => backend.batchNormTrain(x, gamma, beta, info));
  const inference = msPerCall(backend, () => backend.batchNormInference(x, gamma, beta, mean, variance, info));
  const backward = msPerCall(backend, () => backend.batchNormBackward(dy, x, gamma, mean, invStd, info));
  const relu = msPerCall(backend, () => backend.unary('relu', x, 0));
  console.log(`${`[${shape}]`.padEnd(19)}${train.toFixed(2).padStart(13)}${inference.toFixed(2).padStart(11)}${backward.toFixed(2).padStart(10)}${relu.toFixed(2).padStart(10)}`);
}
