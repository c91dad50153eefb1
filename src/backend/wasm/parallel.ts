import type { WasmKernels } from './kernels.js';

/**
 * The kernels a worker can run, by index, with where their [start, end) range sits in the
 * argument list and, for gemm, which argument is the per-thread workspace.
 */
export const PARALLEL_KERNELS = [
  { name: 'gemm', range: 10, workspace: 13 },
  { name: 'batchMatmul', range: 12, workspace: 14 },
  { name: 'transposeRows', range: 11 },
  { name: 'im2col', range: 16 },
  { name: 'col2im', range: 16 },
  { name: 'conv2dDirect', range: 18, workspace: 20 },
  { name: 'conv2dDirectFilter', range: 19, workspace: 21 },
  { name: 'maxPool', range: 14 },
  { name: 'avgPool', range: 14 },
  { name: 'maxPoolBackward', range: 15 },
  { name: 'avgPoolBackward', range: 14 },
  { name: 'unary', range: 4 },
  { name: 'unaryBackward', range: 6 },
  { name: 'binary', range: 4 },
  { name: 'binaryScalarB', range: 4 },
  { name: 'scale', range: 3 },
  { name: 'biasAdd', range: 4 },
  { name: 'softmax', range: 3 },
  { name: 'logSoftmax', range: 3 },
  { name: 'softmaxCrossEntropy', range: 5 },
  { name: 'sgdUpdate', range: 7 },
  { name: 'adamUpdate', range: 10 },
  { name: 'adamwUpdate', range: 11 },
  { name: 'rmspropUpdate', range: 11 },
  { name: 'batchNormMoments', range: 5 },
  { name: 'batchNormBackwardSums', range: 7 },
  { name: 'channelAffine', range: 4 },
  { name: 'channelAffine2', range: 5 },
  { name: 'depthwiseConv2d', range: 18 },
  { name: 'depthwiseConv2dBackwardInput', range: 18 },
  { name: 'depthwiseConv2dBackwardFilter', range: 18 },
  { name: 'copyColumns', range: 7 },
  { name: 'winogradConv', range: 13, workspace: 15 },
  { name: 'winogradFilterGrad', range: 14, workspace: 16 },
  { name: 'winogradFilterGradReduce', range: 5 },
  { name: 'winogradFilterTransform', range: 4 },
  { name: 'winograd4Conv', range: 13, workspace: 15 },
  { name: 'winograd4FilterTransform', range: 4, workspace: 6 },
  { name: 'winograd4FilterGrad', range: 14, workspace: 16 },
  { name: 'winograd4FilterGradReduce', range: 5, workspace: 7 },
  { name: 'winograd4FilterGradPlanes', range: 13, workspace: 15 },
  { name: 'winograd4FilterGradPlaneProducts', range: 6, workspace: 8 },
] as const satisfies readonly { name: keyof WasmKernels; range: number; workspace?: number }[];

export type ParallelKernel = (typeof PARALLEL_KERNELS)[number]['name'];

/**
 * Layout of the control block in shared memory (Int32 slots, then Float64 arguments). Workers
 * sleep on GENERATION, a word holding (task counter << 8) | number of parts; the caller writes a
 * task's fields, then publishes that word to hand it out, and waits on DONE.
 */
export const CONTROL = {
  GENERATION: 0,
  PARTS_MASK: 0xff,
  MAX_THREADS: 255,
  UNUSED: 1,
  DONE: 2,
  KERNEL: 3,
  ARG_COUNT: 4,
  TOTAL: 5,
  CHUNK: 6,
  WORKSPACE_STRIDE: 7,
  ARGS_BYTE_OFFSET: 64,
  MAX_ARGS: 24,
  BYTES: 64 + 24 * 8,
} as const;

/** The part [start, end) of [0, total) that part `index` of a split into `chunk`-sized parts computes. */
export function chunkRange(index: number, chunk: number, total: number): [number, number] {
  const start = Math.min(total, index * chunk);
  return [start, Math.min(total, start + chunk)];
}

/** Calls kernel `kernelIndex` on part `part` of its range, with its own workspace for gemm. */
export function runPart(kernels: WasmKernels, kernelIndex: number, args: number[], part: number, chunk: number, total: number, workspaceBase: number, workspaceStride: number): void {
  const spec = PARALLEL_KERNELS[kernelIndex];
  const [start, end] = chunkRange(part, chunk, total);
  if (start >= end) return;
  args[spec.range] = start;
  args[spec.range + 1] = end;
  if ('workspace' in spec) args[spec.workspace] = workspaceBase + part * workspaceStride;
  (kernels[spec.name] as (...a: number[]) => void)(...args);
}

/**
 * How many times a thread that waits for a task or for its helpers reads the word before it
 * sleeps. Waking a sleeping thread took about 60 µs on the 2-core machine, and a training step
 * hands out a hundred or more tasks, most of them back to back; reading first lets the next task
 * start at once. 5,000 reads take about 0.04 ms there. Reading longer caught little more when one
 * training ran alone (seed-cnn: 8,200 images/s with 5,000 or 20,000 reads, 7,000 sleeping at
 * once) and cost much more when two ran at once, each on both cores: 20,000 reads took the pair
 * from 12,400 images/s to 7,100, 5,000 to 10,600. $FOVEA_SPIN_CHECKS overrides it (0: sleep at
 * once, the best choice when the cores are shared with other busy processes).
 */
export const DEFAULT_SPIN_CHECKS = 5_000;

/** Reads `slots[index]` up to `checks` times; true as soon as it differs from `value`. */
export function spinWhileEqual(slots: Int32Array, index: number, value: number, checks: number): boolean {
  for (let i = 0; i < checks; i++) if (Atomics.load(slots, index) !== value) return true;
  return false;
}

/** Returns once slots[index] ≠ value, read `checks` times first, or after a wake-up from sleeping on it (which may be spurious: callers re-check). */
export function waitWhileEqual(slots: Int32Array, index: number, value: number, checks: number): void {
  if (!spinWhileEqual(slots, index, value, checks)) Atomics.wait(slots, index, value);
}
