import type { WasmKernels } from './kernels.js';
import { CONTROL, runPart } from './parallel.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** 1-based: part 0 is the calling thread's. */
  part: number;
  workspaceBase: number;
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
  let seen = Atomics.load(slots, CONTROL.GENERATION);
  ready();
  for (;;) {
    Atomics.wait(slots, CONTROL.GENERATION, seen);
    seen = Atomics.load(slots, CONTROL.GENERATION);
    if (init.part >= Atomics.load(slots, CONTROL.PARTICIPANTS)) continue;
    const argCount = slots[CONTROL.ARG_COUNT];
    const args = Array.from(new Float64Array(init.memory.buffer, init.control + CONTROL.ARGS_BYTE_OFFSET, argCount));
    runPart(kernels, slots[CONTROL.KERNEL], args, init.part, slots[CONTROL.CHUNK], slots[CONTROL.TOTAL], init.workspaceBase, slots[CONTROL.WORKSPACE_STRIDE]);
    Atomics.add(slots, CONTROL.DONE, 1);
    Atomics.notify(slots, CONTROL.DONE);
  }
}
