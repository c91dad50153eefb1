import type { WasmKernels } from './kernels.js';
import { CONTROL, runPart, waitWhileEqual } from './parallel.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** 1-based: part 0 is the calling thread's. */
  part: number;
  workspaceBase: number;
  /** Reads of the task word before sleeping on it (see DEFAULT_SPIN_CHECKS). */
  spinChecks: number;
}

/** Instantiates the kernels on the shared memory. */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WasmKernels> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as WasmKernels;
}

/**
 * A worker's life: sleep until the generation changes, run this worker's part of the task if it
 * takes part, count itself done, repeat. Never returns.
 */
export async function runWorkerLoop(init: WorkerInit, ready: () => void): Promise<never> {
  const kernels = await instantiateKernels(init.module, init.memory);
  const slots = new Int32Array(init.memory.buffer, init.control, CONTROL.ARGS_BYTE_OFFSET / 4);
  let handled = Atomics.load(slots, CONTROL.GENERATION);
  ready();
  for (;;) {
    waitWhileEqual(slots, CONTROL.GENERATION, handled, init.spinChecks);
    // One word says both which task this is and how many parts it has (see CONTROL.TASK_WORD),
    // so a worker never pairs one task's part count with another's arguments.
    const word = Atomics.load(slots, CONTROL.GENERATION);
    // A wake-up can be a late notify for the task this worker has already done.
    if (word === handled) continue;
    handled = word;
    if (init.part >= (word & CONTROL.PARTS_MASK)) continue;
    // Taking part: the caller waits for this worker before writing another task, so the fields
    // below are this task's.
    const args = Array.from(new Float64Array(init.memory.buffer, init.control + CONTROL.ARGS_BYTE_OFFSET, slots[CONTROL.ARG_COUNT]));
    runPart(kernels, slots[CONTROL.KERNEL], args, init.part, slots[CONTROL.CHUNK], slots[CONTROL.TOTAL], init.workspaceBase, slots[CONTROL.WORKSPACE_STRIDE]);
    Atomics.add(slots, CONTROL.DONE, 1);
    Atomics.notify(slots, CONTROL.DONE);
  }
}
