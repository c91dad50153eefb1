/** Timing of single kernel calls, shared by the kernel benchmarks. */
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
