import type { TensorData } from '../../tensor/index.js';
import type { Conv2DInfo } from '../backend.js';
import type { WasmHeap } from './heap.js';
import type { WasmKernels } from './kernels.js';
import type { ThreadPool } from './thread-pool.js';

/**
 * What the kernel wrappers in separate files (batchnorm.ts, grouped-conv.ts) share with the
 * wasm backend in index.ts: the kernels, the heap, the worker pool and its memory helpers.
 */
export interface WasmContext {
  k: WasmKernels;
  heap: WasmHeap;
  pool: ThreadPool;
  /** A zero-filled array in the current scope. */
  alloc(size: number): Float32Array;
  /** Room for a kernel output that the kernel writes entirely (not zeroed), in the current scope. */
  output(size: number): Float32Array;
  /** Byte offset of `data` in wasm memory, copying it in (as a temporary) when it lives elsewhere. */
  input(data: TensorData): number;
  /** Runs `fn` in a scope of its own: what it allocates is returned when it ends. */
  temporaries<T>(fn: () => T): T;
  gemm(a: TensorData, b: TensorData, m: number, n: number, k: number, transA: boolean, transB: boolean, out?: Float32Array): Float32Array;
  im2col(x: TensorData, info: Conv2DInfo): Float32Array;
}

/** The least work (multiply-adds or element visits) worth handing to another thread. */
export const MIN_WORK_PER_THREAD = 65536;

/** Range units per part so that each part does at least MIN_WORK_PER_THREAD of work. */
export function perPart(costPerUnit: number): number {
  return Math.max(1, Math.ceil(MIN_WORK_PER_THREAD / Math.max(1, costPerUnit)));
}

/** An f64 array of `length` in wasm memory, not zeroed, owned by the current scope: call it inside `temporaries`. */
export function f64Array(heap: WasmHeap, length: number): Float64Array {
  return new Float64Array(heap.memory.buffer, heap.allocBytes(length * 8), length);
}
