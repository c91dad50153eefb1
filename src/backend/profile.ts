import type { Backend, BatchMatmulInfo, Conv2DInfo, Pool2DInfo } from './backend.js';

/**
 * A per-kernel profile: wraps a backend so that every kernel call is timed and counted, grouped
 * by kernel and shape (so each conv layer gets its own row). Kernels run synchronously (the wasm
 * backend's caller waits for its workers), so wall time around a call is the kernel's time.
 */

export interface ProfileRow {
  /** Kernel name and the shape it ran on, e.g. `conv2dBackwardFilter 3×3 32→64 @15×15 s1`. */
  kernel: string;
  calls: number;
  /** Total seconds spent in these calls. */
  seconds: number;
  /** Floating-point operations per call, where known (gemm, convolutions). */
  flopsPerCall?: number;
}

export interface BackendProfile {
  /** Forwards every call to the wrapped backend, timing the kernels. */
  readonly backend: Backend;
  /** Rows sorted by total time, slowest first. */
  rows(): ProfileRow[];
  /** Forgets everything measured so far (e.g. after a warm-up). */
  reset(): void;
}

/** Bookkeeping calls that are not kernels: not timed. */
const UNTIMED = new Set(['memoryStats', 'name', 'dtype', 'threads']);

function convTag(info: Conv2DInfo): string {
  const stride = info.strideH === info.strideW ? `${info.strideH}` : `${info.strideH}×${info.strideW}`;
  const dilation = info.dilationH > 1 || info.dilationW > 1 ? ` d${info.dilationH}` : '';
  const groups = (info.groups ?? 1) > 1 ? ` g${info.groups}` : '';
  return `${info.kH}×${info.kW} ${info.inC}→${info.outC} @${info.inH}×${info.inW} s${stride}${dilation}${groups}`;
}

function convFlops(info: Conv2DInfo): number {
  // Each output channel sees only its group's inputs.
  return (2 * info.batch * info.outH * info.outW * info.outC * info.kH * info.kW * info.inC) / (info.groups ?? 1);
}

function poolTag(info: Pool2DInfo): string {
  return `${info.kH}×${info.kW} ×${info.channels} @${info.inH}×${info.inW} s${info.strideH}`;
}

/** The row key and work of one call. */
function describeCall(method: string, args: unknown[]): { key: string; flops?: number } {
  switch (method) {
    case 'gemm': {
      const [, , m, n, k, transA, transB] = args as [unknown, unknown, number, number, number, boolean, boolean];
      const t = `${transA ? 'ᵀ' : ''}·${transB ? 'ᵀ' : ''}`;
      return { key: `gemm ${m}×${k}${t}${k}×${n}`, flops: 2 * m * n * k };
    }
    case 'batchMatmul': {
      const { batch, m, n, k, transA, transB, aBatched, bBatched } = args[2] as BatchMatmulInfo;
      const t = `${transA ? 'ᵀ' : ''}·${transB ? 'ᵀ' : ''}`;
      const shared = !aBatched ? ' (A shared)' : !bBatched ? ' (B shared)' : '';
      return { key: `batchMatmul ${batch}× ${m}×${k}${t}${k}×${n}${shared}`, flops: 2 * batch * m * n * k };
    }
    case 'transpose':
      return { key: `transpose [${(args[1] as number[]).join(', ')}] → (${(args[2] as number[]).join(', ')})` };
    case 'conv2d':
    case 'conv2dBackwardInput':
    case 'conv2dBackwardFilter': {
      const info = args[2] as Conv2DInfo;
      return { key: `${method} ${convTag(info)}`, flops: convFlops(info) };
    }
    case 'maxPool':
    case 'avgPool':
      return { key: `${method} ${poolTag(args[1] as Pool2DInfo)}` };
    case 'maxPoolBackward':
      return { key: `${method} ${poolTag(args[2] as Pool2DInfo)}` };
    case 'avgPoolBackward':
      return { key: `${method} ${poolTag(args[1] as Pool2DInfo)}` };
    case 'unary':
    case 'unaryBackward':
    case 'binary':
      return { key: `${method} ${String(args[0])}` };
    default:
      return { key: method };
  }
}

/** Wraps `backend`; `now` is a clock in seconds. */
export function profileBackend(backend: Backend, now: () => number = () => performance.now() / 1000): BackendProfile {
  const table = new Map<string, ProfileRow>();
  let depth = 0;
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(backend) as (keyof Backend)[]) {
    const value = backend[name];
    if (name === 'scope') continue;
    if (typeof value !== 'function' || UNTIMED.has(name)) {
      Object.defineProperty(wrapped, name, { get: () => backend[name], enumerable: true });
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]): unknown => {
      // A kernel that calls another through the backend is timed once, as the outer kernel.
      if (depth > 0) return method.apply(backend, args);
      depth++;
      const start = now();
      try {
        return method.apply(backend, args);
      } finally {
        const seconds = now() - start;
        depth--;
        const { key, flops } = describeCall(name, args);
        const row = table.get(key);
        if (row) {
          row.calls++;
          row.seconds += seconds;
        } else {
          table.set(key, { kernel: key, calls: 1, seconds, ...(flops !== undefined ? { flopsPerCall: flops } : {}) });
        }
      }
    };
  }
  // `scope` runs user code that calls kernels: forward it untimed, keeping `this` the real backend.
  wrapped.scope = <T>(fn: () => T): T => backend.scope(fn);
  return {
    backend: wrapped as unknown as Backend,
    rows: () => [...table.values()].map((r) => ({ ...r })).sort((a, b) => b.seconds - a.seconds),
    reset: () => table.clear(),
  };
}

/** The profile as a text table: kernel, calls, total ms, share of the total, ms per call, GFLOP/s. */
export function formatProfile(rows: readonly ProfileRow[], options: { limit?: number } = {}): string {
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  const shown = rows.slice(0, options.limit ?? rows.length);
  const header = ['kernel', 'calls', 'total ms', '%', 'ms/call', 'GFLOP/s'];
  const body = shown.map((r) => [
    r.kernel,
    String(r.calls),
    (r.seconds * 1000).toFixed(1),
    total > 0 ? ((100 * r.seconds) / total).toFixed(1) : '0.0',
    ((r.seconds * 1000) / r.calls).toFixed(3),
    r.flopsPerCall !== undefined && r.seconds > 0 ? ((r.flopsPerCall * r.calls) / r.seconds / 1e9).toFixed(1) : '',
  ]);
  const rest = rows.slice(shown.length);
  if (rest.length) {
    const s = rest.reduce((a, r) => a + r.seconds, 0);
    body.push([`(${rest.length} more)`, String(rest.reduce((a, r) => a + r.calls, 0)), (s * 1000).toFixed(1), total > 0 ? ((100 * s) / total).toFixed(1) : '0.0', '', '']);
  }
  body.push(['total in kernels', String(rows.reduce((a, r) => a + r.calls, 0)), (total * 1000).toFixed(1), '100.0', '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
