/**
 * Milliseconds per call of the wasm backend's conv2d, conv2dBackwardInput and conv2dBackwardFilter on the 3×3 stride-1
 * layers of resnet20, keras-cifar-cnn, cifar-fast and vgg-small (batch 64): the Winograd F(2×2, 3×3)
 * kernels against what the backend runs without them (the direct kernels, or im2col + gemm), the two
 * interleaved in one process (9 rounds, the median of each). It prints which one the backend picks
 * (usesWinograd) next to the times, so the rule can be checked against them. Kernel timings, not a
 * comparison with another library. Then whole training steps of a few zoo models (batch 64, Adam,
 * as `fovea bench --mode train`) with the kernel on and off, interleaved (4 rounds of 3 repeats).
 *
 *   node dist/bench/winograd.js [--threads N] [--models resnet20,keras-cifar-cnn,cifar-fast-small] [--json]
 */
import '../src/platform/node.js';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Conv2DInfo } from '../src/backend/backend.js';
import type { TensorData } from '../src/tensor/index.js';
import { createWasmBackend, kernelWorkspaceBytes } from '../src/backend/wasm/index.js';
import { usesWinograd, usesWinogradFilter, winogradOptions } from '../src/backend/wasm/winograd.js';
import { setBackend } from '../src/backend/registry.js';
import { createZooModel } from '../src/models/zoo.js';
import { conv2dInfo } from '../src/ops/conv.js';
import { benchmarkModel } from '../src/train/benchmark.js';
import type { Padding } from '../src/tensor/index.js';

const { values: flags } = parseArgs({ strict: true, options: { threads: { type: 'string', default: '2' }, models: { type: 'string', default: 'resnet20,keras-cifar-cnn,cifar-fast-small' }, json: { type: 'boolean', default: false } } });
const threads = Number(flags.threads);
if (!(Number.isInteger(threads) && threads > 0)) throw new Error(`--threads needs a positive integer, got '${flags.threads}'`);
const backend = await createWasmBackend({ threads });
/** The per-thread workspace the backend's kernels have (what usesWinograd is given). */
const WORKSPACE_BYTES = await kernelWorkspaceBytes();

const layers: Array<[string, [number, number, number, number], [number, number, number, number], Padding]> = [
  ['cifar-fast-small 8→16 @32×32', [64, 32, 32, 8], [3, 3, 8, 16], 'same'],
  ['resnet20 16→16 @32×32', [64, 32, 32, 16], [3, 3, 16, 16], 'same'],
  ['resnet20 32→32 @16×16', [64, 16, 16, 32], [3, 3, 32, 32], 'same'],
  ['resnet20 64→64 @8×8', [64, 8, 8, 64], [3, 3, 64, 64], 'same'],
  ['keras-cifar 32→32 @32×32 valid', [64, 32, 32, 32], [3, 3, 32, 32], 'valid'],
  ['keras-cifar 32→64 @15×15', [64, 15, 15, 32], [3, 3, 32, 64], 'same'],
  ['keras-cifar 64→64 @15×15 valid', [64, 15, 15, 64], [3, 3, 64, 64], 'valid'],
  ['cifar-fast 64→128 @8×8', [64, 8, 8, 64], [3, 3, 64, 128], 'same'],
  ['cifar-fast 128→128 @8×8', [64, 8, 8, 128], [3, 3, 128, 128], 'same'],
  ['vgg-small 256→256 @4×4', [64, 4, 4, 256], [3, 3, 256, 256], 'same'],
];

type Pass = 'forward' | 'backwardInput' | 'backwardFilter';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function call(pass: Pass, x: TensorData, w: TensorData, dy: TensorData, info: Conv2DInfo): void {
  backend.scope(() => (pass === 'forward' ? backend.conv2d(x, w, info) : pass === 'backwardInput' ? backend.conv2dBackwardInput(dy, w, info) : backend.conv2dBackwardFilter(x, dy, info)));
}

const defaults = { ...winogradOptions };
const rows = [];
for (const [name, xShape, wShape, padding] of layers) {
  const info = conv2dInfo(xShape, wShape, { padding });
  const x = backend.allocPersistent(xShape.reduce((a, b) => a * b)).fill(0.5);
  const dy = backend.allocPersistent(info.batch * info.outH * info.outW * info.outC).fill(0.5);
  const w = backend.allocPersistent(wShape.reduce((a, b) => a * b)).fill(0.25);
  const gflop = (2 * info.batch * info.outH * info.outW * info.outC * info.kH * info.kW * info.inC) / 1e9;
  for (const pass of ['forward', 'backwardInput', 'backwardFilter'] as const) {
    const times: Record<'winograd' | 'other', number[]> = { winograd: [], other: [] };
    for (let round = 0; round < 9; round++) {
      for (const path of ['winograd', 'other'] as const) {
        winogradOptions.enabled = path === 'winograd';
        winogradOptions.minChannelProduct = 0;
        call(pass, x, w, dy, info);
        const start = performance.now();
        call(pass, x, w, dy, info);
        call(pass, x, w, dy, info);
        times[path].push((performance.now() - start) / 2);
      }
    }
    Object.assign(winogradOptions, defaults);
    const picked = (pass === 'backwardFilter' ? usesWinogradFilter(info, WORKSPACE_BYTES) : usesWinograd(info, WORKSPACE_BYTES)) ? 'winograd' : 'other';
    const winograd = median(times.winograd);
    const other = median(times.other);
    rows.push({ layer: name, pass, winogradMs: winograd, otherMs: other, speedUp: other / winograd, picked, winogradEffectiveGflops: gflop / (winograd / 1000), otherGflops: gflop / (other / 1000) });
  }
}

setBackend(backend);
const steps = [];
for (const name of flags.models.split(',').filter(Boolean)) {
  const model = createZooModel(name, { seed: 0 });
  const rates: Record<'winograd' | 'other', number[]> = { winograd: [], other: [] };
  for (let round = 0; round < 4; round++) {
    for (const path of ['winograd', 'other'] as const) {
      winogradOptions.enabled = path === 'winograd';
      rates[path].push(benchmarkModel(model, { mode: 'train', batchSize: 64, repeats: 3, warmupSteps: 1 }).imagesPerSecond.median);
    }
  }
  winogradOptions.enabled = true;
  steps.push({ model: name, winogradImagesPerSecond: median(rates.winograd), otherImagesPerSecond: median(rates.other), speedUp: median(rates.winograd) / median(rates.other) });
}

if (flags.json) {
  console.log(JSON.stringify({ threads, rows, trainingSteps: steps }, null, 2));
} else {
  console.log(`3×3 stride-1 convolutions, batch 64, ${threads} thread(s): median ms per call of 9 interleaved rounds`);
  console.log(`${'layer'.padEnd(32)} ${'pass'.padEnd(14)} ${'winograd'.padStart(9)} ${'other'.padStart(9)} ${'other÷win.'.padStart(11)}  picked`);
  for (const r of rows) {
    console.log(`${r.layer.padEnd(32)} ${r.pass.padEnd(14)} ${r.winogradMs.toFixed(2).padStart(9)} ${r.otherMs.toFixed(2).padStart(9)} ${`${r.speedUp.toFixed(2)}×`.padStart(11)}  ${r.picked}`);
  }
  if (steps.length > 0) console.log('\ntraining steps, batch 64 (images/s, median of 4 interleaved rounds)');
  for (const r of steps) console.log(`${r.model.padEnd(20)} winograd ${r.winogradImagesPerSecond.toFixed(0).padStart(5)}  without ${r.otherImagesPerSecond.toFixed(0).padStart(5)}  ${r.speedUp.toFixed(2)}×`);
}
