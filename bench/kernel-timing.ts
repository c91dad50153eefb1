/** Timing of single kernel calls, and the thread count flag, shared by the kernel benchmarks. */
import { performance } from 'node:perf_hooks';
import type { Backend } from '../src/backend/backend.js';

/** Median milliseconds per call of `fn` over 5 repeats of ≥0.2 s each, after 3 warm-up calls; each call in a scope. */
export function msPerCall(b: Backend, fn: () => unknown): number {
  for (let i = 0; i < 3; i++) b.scope(fn);
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 200) {
      b.scope(fn);
      calls++;
      elapsed = performance.now() - start;
    }
    times.push(elapsed / calls);
  }
  return times.sort((a, c) => a - c)[2];
}

/** The `--threads N` argument (default 1): a whole number ≥ 1, or an error naming what was given. */
export function threadsArgument(argv: readonly string[] = process.argv): number {
  const at = argv.indexOf('--threads');
  if (at < 0) return 1;
  const threads = Number(argv[at + 1]);
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads needs a whole number ≥ 1, got '${argv[at + 1]}'`);
  return threads;
}
