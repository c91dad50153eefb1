import type { WasmKernels } from './kernels.js';
import { CONTROL, PARALLEL_KERNELS, type ParallelKernel, runPart, waitWhileEqual } from './parallel.js';

const kernelIndex = new Map<string, number>(PARALLEL_KERNELS.map((k, i) => [k.name, i]));

/**
 * Splits a kernel's output range over the calling thread and `threads − 1` workers sharing the
 * memory. Each output is computed by exactly one thread in a fixed order, so results do not depend
 * on the thread count. Work too small to be worth waking a worker runs on the caller alone.
 */
export class ThreadPool {
  private readonly slots: Int32Array;
  private readonly argSlots: Float64Array;
  private counter = 0;

  constructor(
    private readonly kernels: WasmKernels,
    private readonly memory: WebAssembly.Memory,
    private readonly control: number,
    readonly threads: number,
    private readonly workspaceBase: number,
    private readonly workspaceStride: number,
    /** Reads of DONE before sleeping on it (see DEFAULT_SPIN_CHECKS). */
    private readonly spinChecks: number,
  ) {
    this.slots = new Int32Array(memory.buffer, control, CONTROL.ARGS_BYTE_OFFSET / 4);
    this.argSlots = new Float64Array(memory.buffer, control + CONTROL.ARGS_BYTE_OFFSET, CONTROL.MAX_ARGS);
  }

  /**
   * Runs `name` over [0, total) of its range. `args` holds every argument (range and workspace
   * slots are filled in here); `align` keeps parts a multiple of it (gemm rows: 4, SIMD: 4);
   * `minPerPart` is the least work, in range units, worth a thread.
   */
  run(name: ParallelKernel, args: number[], total: number, align = 1, minPerPart = 1): void {
    const index = kernelIndex.get(name)!;
    if (total <= 0) return;
    const parts = Math.max(1, Math.min(this.threads, Math.floor(total / Math.max(1, minPerPart))));
    const chunk = Math.ceil(total / parts / align) * align;
    const used = Math.ceil(total / chunk);
    if (used <= 1) {
      runPart(this.kernels, index, args, 0, total, total, this.workspaceBase, this.workspaceStride);
      return;
    }
    const slots = this.slots;
    slots[CONTROL.KERNEL] = index;
    slots[CONTROL.ARG_COUNT] = args.length;
    slots[CONTROL.TOTAL] = total;
    slots[CONTROL.CHUNK] = chunk;
    slots[CONTROL.WORKSPACE_STRIDE] = this.workspaceStride;
    this.argSlots.set(args);
    Atomics.store(slots, CONTROL.DONE, 0);
    // Publishing the word last orders every field above before it for the workers it wakes.
    this.counter = (this.counter + 1) & 0xffffff;
    Atomics.store(slots, CONTROL.GENERATION, (this.counter << 8) | used);
    Atomics.notify(slots, CONTROL.GENERATION);
    runPart(this.kernels, index, args, 0, chunk, total, this.workspaceBase, this.workspaceStride);
    const helpers = used - 1;
    for (let done = Atomics.load(slots, CONTROL.DONE); done < helpers; done = Atomics.load(slots, CONTROL.DONE)) {
      waitWhileEqual(slots, CONTROL.DONE, done, this.spinChecks);
    }
  }
}
