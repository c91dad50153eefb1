/**
 * Milliseconds per call of the wasm backend's conv2d, conv2dBackwardInput and conv2dBackwardFilter on the 3×3 stride-1
 * layers of resnet20, keras-cifar-cnn, cifar-fast, cifar-whiten and vgg-small (batch 64): the Winograd kernels —
 * F(4×4, 3×3) and F(2×2, 3×3) for y and dX, F(3×3, 4×4) (two-stage from 128 × 128 channels, and for comparison the one-stage
 * kernel alone) and F(3×3, 2×2) for dW — against what the backend runs without them (the direct
 * kernels, or im2col + gemm), interleaved in one process (9 rounds, the median of each). It prints which one the
 * backend picks (usesWinograd4, usesWinograd, usesWinogradFilter) next to the times, so the rules can be checked
 * against them. Kernel timings, not a comparison with another library. Then whole training steps of a few zoo models
 * (Adam, as `fovea bench --mode train`, batch --batch-size) with F(4×4, 3×3), with F(2×2, 3×3) and without Winograd,
 * interleaved (4 rounds of 3 repeats).
 *
 *   node dist/bench/winograd.js [--threads N] [--models resnet20,keras-cifar-cnn,cifar-fast-small] [--batch-size 64] [--json]
 */
import '../src/platform/node.js';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Conv2DInfo } from '../src/backend/backend.js';
import type { TensorData } from '../src/tensor/index.js';
import { createWasmBackend, kernelWorkspaceBytes } from '../src/backend/wasm/index.js';
import { usesWinograd, usesWinograd4, usesWinograd4Filter, usesWinograd4FilterPlanes, usesWinogradFilter, winogradOptions } from '../src/backend/wasm/winograd.js';
import { setBackend } from '../src/backend/registry.js';
import { createZooModel } from '../src/models/zoo.js';
import { conv2dInfo } from '../src/ops/conv.js';
import { benchmarkModel } from '../src/train/benchmark.js';
import type { Padding } from '../src/tensor/index.js';

const { values: flags } = parseArgs({ strict: true, options: { threads: { type: 'string', default: '2' }, models: { type: 'string', default: 'resnet20,keras-cifar-cnn,cifar-fast-small' }, 'batch-size': { type: 'string', default: '64' }, json: { type: 'boolean', default: false } } });
const threads = Number(flags.threads);
if (!(Number.isInteger(threads) && threads > 0)) throw new Error(`--threads needs a positive integer, got '${flags.threads}'`);
const batchSize = Number(flags['batch-size']);
if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`--batch-size needs a positive integer, got '${flags['batch-size']}'`);
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
  ['cifar-whiten 24→64 @31×31', [64, 31, 31, 24], [3, 3, 24, 64], 'same'],
  ['cifar-whiten 64→128 @15×15', [64, 15, 15, 64], [3, 3, 64, 128], 'same'],
  ['cifar-whiten 128→128 @7×7', [64, 7, 7, 128], [3, 3, 128, 128], 'same'],
  ['cifar-whiten-mid 192→192 @7×7', [64, 7, 7, 192], [3, 3, 192, 192], 'same'],
  ['vgg-small 256→256 @4×4', [64, 4, 4, 256], [3, 3, 256, 256], 'same'],
];

/**
 * The ways a pass can run: F(4×4, 3×3) (dW: F(3×3, 4×4), two-stage from 128 × 128 channels, as the
 * backend picks), F(2×2, 3×3) (dW: F(3×3, 2×2)), or without Winograd; and for dW alone, F(3×3, 4×4)
 * with the two-stage form off ('f4OneStage': the one-stage kernel where its chunks are long enough, else F(3×3, 2×2)).
 */
type Path = 'f4' | 'f4OneStage' | 'f2' | 'other';
function usePath(path: Path): void {
  winogradOptions.enabled = path !== 'other';
  winogradOptions.tile4 = path === 'f4' || path === 'f4OneStage';
  winogradOptions.filterPlanes = path !== 'f4OneStage';
}

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
    const paths: Path[] = pass === 'backwardFilter' ? ['f4', 'f4OneStage', 'f2', 'other'] : ['f4', 'f2', 'other'];
    const times: Record<Path, number[]> = { f4: [], f4OneStage: [], f2: [], other: [] };
    for (let round = 0; round < 9; round++) {
      for (const path of paths) {
        usePath(path);
        winogradOptions.minChannelProduct = 0;
        call(pass, x, w, dy, info);
        const start = performance.now();
        call(pass, x, w, dy, info);
        call(pass, x, w, dy, info);
        times[path].push((performance.now() - start) / 2);
      }
    }
    Object.assign(winogradOptions, defaults);
    const picked =
      pass === 'backwardFilter'
        ? usesWinograd4FilterPlanes(info, WORKSPACE_BYTES) ? 'F(3×3, 4×4) two-stage' : usesWinograd4Filter(info, WORKSPACE_BYTES) ? 'F(3×3, 4×4)' : usesWinogradFilter(info, WORKSPACE_BYTES) ? 'F(3×3, 2×2)' : 'other'
        : usesWinograd4(info, WORKSPACE_BYTES) ? 'F(4×4, 3×3)' : usesWinograd(info, WORKSPACE_BYTES) ? 'F(2×2, 3×3)' : 'other';
    const f4 = median(times.f4);
    const f2 = median(times.f2);
    const other = median(times.other);
    const oneStage = times.f4OneStage.length > 0 ? median(times.f4OneStage) : null;
    rows.push({ layer: name, pass, f4Ms: f4, f4OneStageMs: oneStage, f2Ms: f2, otherMs: other, f4OverF2: f2 / f4, f4OverOneStage: oneStage === null ? null : oneStage / f4, f4OverOther: other / f4, picked, f4EffectiveGflops: gflop / (f4 / 1000), otherGflops: gflop / (other / 1000) });
  }
}

setBackend(backend);
const steps = [];
for (const name of flags.models.split(',').filter(Boolean)) {
  const model = createZooModel(name, { seed: 0 });
  const rates: Record<Path, number[]> = { f4: [], f4OneStage: [], f2: [], other: [] };
  for (let round = 0; round < 4; round++) {
    for (const path of ['f4', 'f2', 'other'] as const) {
      usePath(path);
      rates[path].push(benchmarkModel(model, { mode: 'train', batchSize, repeats: 3, warmupSteps: 1 }).imagesPerSecond.median);
    }
  }
  Object.assign(winogradOptions, defaults);
  const [f4, f2, other] = [median(rates.f4), median(rates.f2), median(rates.other)];
  steps.push({ model: name, batchSize, f4ImagesPerSecond: f4, f2ImagesPerSecond: f2, otherImagesPerSecond: other, f4OverF2: f4 / f2, f4OverOther: f4 / other });
}

if (flags.json) {
  console.log(JSON.stringify({ threads, rows, trainingSteps: steps }, null, 2));
} else {
  console.log(`3×3 stride-1 convolutions, batch 64, ${threads} thread(s): median ms per call of 9 interleaved rounds (dW: F(3×3, 4×4) and F(3×3, 2×2))`);
  console.log(`${'layer'.padEnd(32)} ${'pass'.padEnd(14)} ${'F(4×4)'.padStart(8)} ${'F(2×2)'.padStart(8)} ${'other'.padStart(8)} ${'F2÷F4'.padStart(7)} ${'other÷F4'.padStart(9)} ${'1-stage÷F4'.padStart(10)}  picked`);
  for (const r of rows) {
    const oneStage = r.f4OverOneStage === null ? '' : `${r.f4OverOneStage.toFixed(2)}×`;
    console.log(
      `${r.layer.padEnd(32)} ${r.pass.padEnd(14)} ${r.f4Ms.toFixed(2).padStart(8)} ${r.f2Ms.toFixed(2).padStart(8)} ${r.otherMs.toFixed(2).padStart(8)} ${`${r.f4OverF2.toFixed(2)}×`.padStart(7)} ${`${r.f4OverOther.toFixed(2)}×`.padStart(9)} ${oneStage.padStart(10)}  ${r.picked}`,
    );
  }
  if (steps.length > 0) console.log(`\ntraining steps, batch ${batchSize} (images/s, median of 4 interleaved rounds)`);
  for (const r of steps) {
    console.log(`${r.model.padEnd(20)} F(4×4) ${r.f4ImagesPerSecond.toFixed(0).padStart(5)}  F(2×2) ${r.f2ImagesPerSecond.toFixed(0).padStart(5)}  without ${r.otherImagesPerSecond.toFixed(0).padStart(5)}  F4÷F2 ${r.f4OverF2.toFixed(2)}×  F4÷without ${r.f4OverOther.toFixed(2)}×`);
  }
}
