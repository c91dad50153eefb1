import { getPlatform } from '../../platform/platform.js';
import type { Shape, TensorData } from '../../tensor/index.js';
import type { Backend, BinaryOp, Conv2DInfo, Pool2DInfo, UnaryOp } from '../backend.js';
import { binary as jsBinary, sumToShape as jsSumToShape } from '../js/elementwise.js';
import { ArgumentError } from '../../errors.js';
import { wasmBatchMatmul } from './batch-matmul.js';
import { wasmBatchNorm } from './batchnorm.js';
import { MIN_WORK_PER_THREAD, perPart, type WasmContext } from './context.js';
import { wasmDirectConv } from './conv-direct.js';
import { wasmWinograd } from './winograd.js';
import { wasmGroupedConv } from './grouped-conv.js';
import { MAX_PAGES, WasmHeap } from './heap.js';
import type { WasmKernels } from './kernels.js';
import { CONTROL, DEFAULT_SPIN_CHECKS } from './parallel.js';
import { ThreadPool } from './thread-pool.js';
import { wasmTranspose } from './transpose.js';
import { instantiateKernels, type WorkerInit } from './worker-loop.js';

const UNARY_CODES: Record<UnaryOp, number> = { relu: 0, leakyRelu: 1, sigmoid: 2, tanh: 3, exp: 4, log: 5, neg: 6, square: 7, sqrt: 8, abs: 9, gelu: 10 };
const BINARY_CODES: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

export const WASM_KERNELS_URL = new URL(/* @vite-ignore */ '../../../wasm/fovea-kernels.wasm', import.meta.url);

export interface WasmBackendOptions {
  /** Threads to compute with, the calling one included. Default: $FOVEA_THREADS, else every core. */
  threads?: number;
  /** The compiled kernels' bytes (default: read dist/wasm/fovea-kernels.wasm). */
  wasmBytes?: Uint8Array;
}

/**
 * Bytes of workspace each thread's kernels get (gemm's packing buffers, which the convolution
 * kernels reuse): what the dispatch rules (usesDirectConv, usesWinograd…) are given. For tests
 * and benchmarks that check those rules.
 */
export async function kernelWorkspaceBytes(wasmBytes?: Uint8Array): Promise<number> {
  const bytes = wasmBytes ?? (await getPlatform().readUrl(WASM_KERNELS_URL));
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
  return (await instantiateKernels(module, memory)).gemmWorkspaceBytes();
}

/** The thread count asked for by option or $FOVEA_THREADS, else the host's cores. */
export function resolveThreadCount(requested?: number): number {
  const platform = getPlatform();
  const fromEnv = platform.env('FOVEA_THREADS');
  const value = requested ?? (fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : platform.hardwareConcurrency());
  if (!Number.isInteger(value) || value < 1 || value > CONTROL.MAX_THREADS) {
    throw new ArgumentError(`thread count must be an integer from 1 to ${CONTROL.MAX_THREADS} (--threads or FOVEA_THREADS), got ${requested ?? fromEnv}`);
  }
  return value;
}

/** How long waiting threads read before they sleep ($FOVEA_SPIN_CHECKS, else DEFAULT_SPIN_CHECKS). */
export function resolveSpinChecks(): number {
  const fromEnv = getPlatform().env('FOVEA_SPIN_CHECKS');
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_SPIN_CHECKS;
  const value = Number(fromEnv);
  if (!Number.isInteger(value) || value < 0) throw new ArgumentError(`FOVEA_SPIN_CHECKS must be a whole number ≥ 0, got '${fromEnv}'`);
  return value;
}

/**
 * Compiles the kernels and creates a backend over a fresh shared memory, with a pool of
 * `threads − 1` workers running the same kernels on the same memory.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<Backend> {
  const threads = resolveThreadCount(options.threads);
  const platform = getPlatform();
  const bytes = options.wasmBytes ?? (await platform.readUrl(WASM_KERNELS_URL));
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const memory = createSharedMemory();
  const kernels = await instantiateKernels(module, memory);
  // Memory layout: static data | control block | one gemm workspace per thread | heap.
  const control = Math.ceil(kernels.staticDataEnd() / 64) * 64;
  const workspaceBase = control + Math.ceil(CONTROL.BYTES / 64) * 64;
  const workspaceStride = Math.ceil(kernels.gemmWorkspaceBytes() / 64) * 64;
  const heap = new WasmHeap(memory, workspaceBase + threads * workspaceStride);
  const spinChecks = resolveSpinChecks();
  const pool = new ThreadPool(kernels, memory, control, threads, workspaceBase, workspaceStride, spinChecks);
  await Promise.all(Array.from({ length: threads - 1 }, (_, i) => platform.startKernelWorker({ module, memory, control, part: i + 1, workspaceBase, spinChecks } satisfies WorkerInit)));
  return wasmBackend(kernels, heap, pool);
}

function createSharedMemory(): WebAssembly.Memory {
  try {
    return new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
  } catch (error) {
    throw new ArgumentError(
      `the wasm backend needs shared WebAssembly memory (WebAssembly threads), which this host refused (${(error as Error).message}); ` +
        'in a browser, serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, or use --backend js',
    );
  }
}

function wasmBackend(k: WasmKernels, heap: WasmHeap, pool: ThreadPool): Backend {
  const alloc = (size: number): Float32Array => heap.f32(size);
  /** Room for a kernel output that the kernel writes entirely: no need to zero it first. */
  const output = (size: number): Float32Array => heap.f32(size, false, false);

  /** Runs `fn` with a scope for temporaries (copies of foreign inputs, im2col buffers). */
  function temporaries<T>(fn: () => T): T {
    heap.beginScope();
    try {
      return fn();
    } finally {
      heap.endScope();
    }
  }

  /** Byte offset of `data` in wasm memory, copying it in (as a temporary) when it lives elsewhere. */
  function input(data: TensorData): number {
    if (data instanceof Float32Array && heap.owns(data)) return data.byteOffset;
    const copy = output(data.length);
    copy.set(data);
    return copy.byteOffset;
  }

  function gemm(a: TensorData, b: TensorData, m: number, n: number, kk: number, transA: boolean, transB: boolean, out?: Float32Array): Float32Array {
    const c = out ?? output(m * n);
    temporaries(() => {
      const [rsA, csA] = transA ? [1, m] : [kk, 1];
      const [rsB, csB] = transB ? [1, kk] : [n, 1];
      const operands = [input(a), rsA, csA, input(b), rsB, csB, c.byteOffset, m, n, kk];
      // Split the longer side between threads: each thread packs the whole of the other operand,
      // so splitting a short, wide product by rows would pack all of B once per thread.
      if (m < n) pool.run('gemm', [...operands, 0, n, 0, 0, 1], n, 8, perPart(4 * m * kk));
      else pool.run('gemm', [...operands, 0, m, 0, 0, 0], m, 4, perPart(4 * n * kk));
    });
    return c;
  }

  function im2col(x: TensorData, i: Conv2DInfo): Float32Array {
    const rows = i.batch * i.outH * i.outW;
    const cols = output(rows * i.kH * i.kW * i.inC);
    const patch = i.kH * i.kW * i.inC;
    pool.run('im2col', [input(x), i.batch, i.inH, i.inW, i.inC, i.kH, i.kW, i.strideH, i.strideW, i.dilationH, i.dilationW, i.padTop, i.padLeft, i.outH, i.outW, cols.byteOffset, 0, rows], rows, 1, perPart(patch));
    return cols;
  }

  const poolArgs = (i: Pool2DInfo) => [i.batch, i.inH, i.inW, i.channels, i.outH, i.outW, i.kH, i.kW, i.strideH, i.strideW, i.padTop, i.padLeft] as const;
  const context: WasmContext = { k, heap, pool, alloc, output, input, temporaries, gemm, im2col };
  const grouped = wasmGroupedConv(context);
  const direct = wasmDirectConv(context);
  const winograd = wasmWinograd(context);

  return {
    name: 'wasm',
    threads: pool.threads,
    memoryStats: () => ({ inUse: heap.bytesInUse, reserved: heap.bytesReserved }),
    dtype: 'float32',
    alloc,
    allocPersistent: (size) => heap.f32(size, true),
    adopt: (data) => {
      if (data instanceof Float32Array && heap.outlivesScopes(data)) return data;
      const copy = heap.f32(data.length, true);
      copy.set(data);
      return copy;
    },
    scope: (fn) => {
      heap.beginScope();
      try {
        return fn();
      } finally {
        heap.endScope();
      }
    },
    gemm: (a, b, m, n, kk, transA, transB) => gemm(a, b, m, n, kk, transA, transB),
    conv2d(x, w, i) {
      if ((i.groups ?? 1) > 1) return grouped.conv2d(x, w, i);
      if (winograd.applies(i)) return winograd.conv2d(x, w, i);
      if (direct.applies(i)) return direct.conv2d(x, w, i);
      const y = output(i.batch * i.outH * i.outW * i.outC);
      temporaries(() => gemm(im2col(x, i), w, i.batch * i.outH * i.outW, i.outC, i.kH * i.kW * i.inC, false, false, y));
      return y;
    },
    conv2dBackwardInput(dy, w, i) {
      if ((i.groups ?? 1) > 1) return grouped.conv2dBackwardInput(dy, w, i);
      const asConv = winograd.conv2dBackwardInput(dy, w, i) ?? direct.conv2dBackwardInput(dy, w, i);
      if (asConv) return asConv;
      const dx = output(i.batch * i.inH * i.inW * i.inC);
      temporaries(() => {
        const rows = i.batch * i.outH * i.outW;
        const patch = i.kH * i.kW * i.inC;
        const dcols = gemm(dy, w, rows, patch, i.outC, false, true, output(rows * patch));
        pool.run('col2im', [dcols.byteOffset, i.batch, i.inH, i.inW, i.inC, i.kH, i.kW, i.strideH, i.strideW, i.dilationH, i.dilationW, i.padTop, i.padLeft, i.outH, i.outW, dx.byteOffset, 0, i.batch], i.batch, 1, perPart(i.outH * i.outW * patch));
      });
      return dx;
    },
    conv2dBackwardFilter(x, dy, i) {
      if ((i.groups ?? 1) > 1) return grouped.conv2dBackwardFilter(x, dy, i);
      if (winograd.appliesToFilter(i)) return winograd.conv2dBackwardFilter(x, dy, i);
      if (direct.applies(i, true)) return direct.conv2dBackwardFilter(x, dy, i);
      const dw = output(i.kH * i.kW * i.inC * i.outC);
      temporaries(() => gemm(im2col(x, i), dy, i.kH * i.kW * i.inC, i.outC, i.batch * i.outH * i.outW, true, false, dw));
      return dw;
    },
    maxPool(x, i) {
      const y = output(i.batch * i.outH * i.outW * i.channels);
      const pixels = i.batch * i.outH * i.outW;
      temporaries(() => pool.run('maxPool', [input(x), ...poolArgs(i), y.byteOffset, 0, pixels], pixels, 1, perPart(i.channels * i.kH * i.kW)));
      return y;
    },
    maxPoolBackward(dy, x, i) {
      const dx = output(i.batch * i.inH * i.inW * i.channels);
      temporaries(() => pool.run('maxPoolBackward', [input(dy), input(x), ...poolArgs(i), dx.byteOffset, 0, i.batch], i.batch, 1, perPart(i.outH * i.outW * i.channels * i.kH * i.kW)));
      return dx;
    },
    avgPool(x, i) {
      const y = output(i.batch * i.outH * i.outW * i.channels);
      const pixels = i.batch * i.outH * i.outW;
      temporaries(() => pool.run('avgPool', [input(x), ...poolArgs(i), y.byteOffset, 0, pixels], pixels, 1, perPart(i.channels * i.kH * i.kW)));
      return y;
    },
    avgPoolBackward(dy, i) {
      const dx = output(i.batch * i.inH * i.inW * i.channels);
      temporaries(() => pool.run('avgPoolBackward', [input(dy), ...poolArgs(i), dx.byteOffset, 0, i.batch], i.batch, 1, perPart(i.outH * i.outW * i.channels * i.kH * i.kW)));
      return dx;
    },
    unary(op, x, alpha) {
      const y = output(x.length);
      temporaries(() => pool.run('unary', [UNARY_CODES[op], input(x), y.byteOffset, alpha, 0, x.length], x.length, 4, MIN_WORK_PER_THREAD));
      return y;
    },
    unaryBackward(op, dy, x, y, alpha) {
      const dx = output(dy.length);
      temporaries(() => pool.run('unaryBackward', [UNARY_CODES[op], input(dy), input(x), input(y), dx.byteOffset, alpha, 0, dy.length], dy.length, 4, MIN_WORK_PER_THREAD));
      return dx;
    },
    binary(op, a, aShape, b, bShape, outShape) {
      const size = outShape.reduce((p, d) => p * d, 1);
      if (a.length === size && (b.length === size || b.length === 1)) {
        const out = output(size);
        temporaries(() => {
          if (b.length === size) pool.run('binary', [BINARY_CODES[op], input(a), input(b), out.byteOffset, 0, size], size, 4, MIN_WORK_PER_THREAD);
          else pool.run('binaryScalarB', [BINARY_CODES[op], input(a), b[0], out.byteOffset, 0, size], size, 4, MIN_WORK_PER_THREAD);
        });
        return out;
      }
      // General broadcasting is rare (bias adds have their own kernel): the reference loop, on wasm memory.
      return jsBinary(op, a, aShape as Shape, b, bShape, outShape, alloc);
    },
    sumToShape: (x, xShape, targetShape) => jsSumToShape(x, xShape, targetShape, alloc),
    scale(x, factor) {
      const y = output(x.length);
      temporaries(() => pool.run('scale', [input(x), factor, y.byteOffset, 0, x.length], x.length, 4, MIN_WORK_PER_THREAD));
      return y;
    },
    biasAdd(x, bias, activation) {
      const y = output(x.length);
      const relu = activation === 'relu' ? 1 : 0;
      temporaries(() => pool.run('biasAdd', [input(x), input(bias), y.byteOffset, bias.length, 0, x.length, relu], x.length, bias.length, MIN_WORK_PER_THREAD));
      return y;
    },
    biasGrad(dy, channels) {
      const g = output(channels);
      temporaries(() => k.biasGrad(input(dy), g.byteOffset, channels, dy.length / channels));
      return g;
    },
    sum: (x) => temporaries(() => k.sum(input(x), x.length)),
    softmax(x, rows, cols) {
      const y = output(rows * cols);
      temporaries(() => pool.run('softmax', [input(x), y.byteOffset, cols, 0, rows], rows, 1, perPart(cols)));
      return y;
    },
    logSoftmax(x, rows, cols) {
      const y = output(rows * cols);
      temporaries(() => pool.run('logSoftmax', [input(x), y.byteOffset, cols, 0, rows], rows, 1, perPart(cols)));
      return y;
    },
    softmaxCrossEntropy(logits, labels, rows, cols) {
      const losses = output(rows);
      const probs = output(rows * cols);
      temporaries(() => {
        const labelCopy = heap.i32(rows);
        labelCopy.set(labels);
        pool.run('softmaxCrossEntropy', [input(logits), labelCopy.byteOffset, losses.byteOffset, probs.byteOffset, cols, 0, rows], rows, 1, perPart(cols));
      });
      return { losses, probs };
    },
    sgdUpdate(param, grad, velocity, c) {
      inPlace([param, velocity], ([p, v]) => {
        pool.run('sgdUpdate', [p, input(grad), velocity ? v : 0, c.lr, c.momentum, c.nesterov ? 1 : 0, c.weightDecay, 0, param.length], param.length, 4, MIN_WORK_PER_THREAD);
      });
    },
    adamUpdate(param, grad, m, v, c) {
      inPlace([param, m, v], ([p, mp, vp]) => {
        if (c.decoupledWeightDecay) {
          pool.run('adamwUpdate', [p, input(grad), mp, vp, c.lr, c.beta1, c.beta2, c.epsilon, c.step, c.weightDecay, c.decoupledWeightDecay, 0, param.length], param.length, 4, MIN_WORK_PER_THREAD);
        } else {
          pool.run('adamUpdate', [p, input(grad), mp, vp, c.lr, c.beta1, c.beta2, c.epsilon, c.step, c.weightDecay, 0, param.length], param.length, 4, MIN_WORK_PER_THREAD);
        }
      });
    },
    rmspropUpdate(param, grad, squareAvg, gradAvg, buffer, c) {
      inPlace([param, squareAvg, gradAvg, buffer], ([p, s, a, b]) => {
        const [outside, inside] = c.epsilonInSqrt ? [0, c.epsilon] : [c.epsilon, 0];
        pool.run('rmspropUpdate', [p, input(grad), s, a, b, c.lr, c.rho, c.momentum, outside, inside, c.weightDecay, 0, param.length], param.length, 4, MIN_WORK_PER_THREAD);
      });
    },
    ...wasmBatchNorm(context),
    ...wasmBatchMatmul(context),
    ...wasmTranspose(context),
  };

  /** Runs an in-place kernel on arrays that may live outside wasm memory (copied in, then back). */
  function inPlace(arrays: (TensorData | null)[], run: (pointers: number[]) => void): void {
    temporaries(() => {
      const pointers = arrays.map((a) => (a ? input(a) : 0));
      run(pointers);
      arrays.forEach((a, i) => {
        if (a && !(a instanceof Float32Array && heap.owns(a))) a.set(new Float32Array(heap.memory.buffer, pointers[i], a.length));
      });
    });
  }
}
