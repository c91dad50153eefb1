/**
 * Milliseconds per call of the wasm backend's conv2dBackwardInput on the stride-1 layers of
 * resnet20, keras-cifar-cnn and cifar-fast (batch 64): dY convolved with the turned filter by the
 * direct forward kernel, against gemm + col2im, the two interleaved in one process (9 rounds, the
 * median of each). It prints which one the backend picks (usesDirectBackwardInput) next to the
 * times, so the rule can be checked against them. Kernel timings, not a comparison with another
 * library.
 *
 *   node dist/bench/conv-backward-input.js [--threads N] [--json]
 */
import '../src/platform/node.js';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { directConvOptions, usesDirectBackwardInput } from '../src/backend/wasm/conv-direct.js';
import { createWasmBackend, kernelWorkspaceBytes } from '../src/backend/wasm/index.js';
import { winogradOptions } from '../src/backend/wasm/winograd.js';
import { conv2dInfo } from '../src/ops/conv.js';
import type { Padding } from '../src/tensor/index.js';

const { values: flags } = parseArgs({ strict: true, options: { threads: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } } });
const threads = Number(flags.threads);
if (!(Number.isInteger(threads) && threads > 0)) throw new Error(`--threads needs a positive integer, got '${flags.threads}'`);
const backend = await createWasmBackend({ threads });
// The Winograd kernel would take most of these layers first; bench/winograd.ts measures it.
winogradOptions.enabled = false;
/** The per-thread workspace the backend's kernels have (what usesDirectBackwardInput is given). */
const WORKSPACE_BYTES = await kernelWorkspaceBytes();

const layers: Array<[string, [number, number, number, number], [number, number, number, number], Padding]> = [
  ['resnet20 16→16 @32×32', [64, 32, 32, 16], [3, 3, 16, 16], 'same'],
  ['resnet20 32→32 @16×16', [64, 16, 16, 32], [3, 3, 32, 32], 'same'],
  ['resnet20 64→64 @8×8', [64, 8, 8, 64], [3, 3, 64, 64], 'same'],
  ['keras-cifar 32→32 @32×32 valid', [64, 32, 32, 32], [3, 3, 32, 32], 'valid'],
  ['keras-cifar 32→64 @15×15', [64, 15, 15, 32], [3, 3, 32, 64], 'same'],
  ['keras-cifar 64→64 @15×15 valid', [64, 15, 15, 64], [3, 3, 64, 64], 'valid'],
  ['cifar-fast 32→64 @16×16', [64, 16, 16, 32], [3, 3, 32, 64], 'same'],
  ['cifar-fast 64→64 @16×16', [64, 16, 16, 64], [3, 3, 64, 64], 'same'],
  ['cifar-fast 64→128 @8×8', [64, 8, 8, 64], [3, 3, 64, 128], 'same'],
  ['cifar-fast 128→128 @8×8', [64, 8, 8, 128], [3, 3, 128, 128], 'same'],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [name, xShape, wShape, padding] of layers) {
  const info = conv2dInfo(xShape, wShape, { padding });
  const dy = backend.allocPersistent(info.batch * info.outH * info.outW * info.outC).fill(0.5);
  const w = backend.allocPersistent(wShape.reduce((a, b) => a * b)).fill(0.25);
  const times: Record<'turned' | 'gemm', number[]> = { turned: [], gemm: [] };
  for (let round = 0; round < 9; round++) {
    for (const path of ['turned', 'gemm'] as const) {
      directConvOptions.backwardInput = path === 'turned';
      backend.scope(() => backend.conv2dBackwardInput(dy, w, info));
      const start = performance.now();
      backend.scope(() => {
        backend.conv2dBackwardInput(dy, w, info);
        backend.conv2dBackwardInput(dy, w, info);
      });
      times[path].push((performance.now() - start) / 2);
    }
  }
  directConvOptions.backwardInput = true;
  const picked = usesDirectBackwardInput(info, WORKSPACE_BYTES) ? 'turned' : 'gemm';
  const turned = median(times.turned);
  const gemm = median(times.gemm);
  const gflop = (2 * info.batch * info.outH * info.outW * info.outC * info.kH * info.kW * info.inC) / 1e9;
  rows.push({ layer: name, turnedMs: turned, gemmMs: gemm, speedUp: gemm / turned, picked, turnedGflops: gflop / (turned / 1000), gemmGflops: gflop / (gemm / 1000) });
}

if (flags.json) {
  console.log(JSON.stringify({ threads, rows }, null, 2));
} else {
  console.log(`conv2dBackwardInput, batch 64, ${threads} thread(s): median ms per call of 9 interleaved rounds`);
  console.log(`${'layer'.padEnd(32)} ${'turned conv'.padStart(12)} ${'gemm+col2im'.padStart(12)} ${'gemm÷turned'.padStart(12)}  picked`);
  for (const r of rows) {
    console.log(`${r.layer.padEnd(32)} ${r.turnedMs.toFixed(2).padStart(12)} ${r.gemmMs.toFixed(2).padStart(12)} ${`${r.speedUp.toFixed(2)}×`.padStart(12)}  ${r.picked}`);
  }
}
process.exit(0);
