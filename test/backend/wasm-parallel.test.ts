/**
 * How waiting threads of the wasm backend wait: they read the task word (workers) or the done
 * count (the caller) up to $FOVEA_SPIN_CHECKS times before sleeping. Spinning or not, results are
 * bit for bit those of one thread.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWasmBackend, resolveSpinChecks } from '../../src/backend/wasm/index.js';
import { DEFAULT_SPIN_CHECKS, spinWhileEqual } from '../../src/backend/wasm/parallel.js';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/index.js';
import { randomArray } from '../helpers/random-configs.js';

/** Runs `fn` with $FOVEA_SPIN_CHECKS set to `value` (unset for undefined), then restores it. */
async function withSpinChecks<T>(value: string | undefined, fn: () => T | Promise<T>): Promise<T> {
  const before = process.env.FOVEA_SPIN_CHECKS;
  if (value === undefined) delete process.env.FOVEA_SPIN_CHECKS;
  else process.env.FOVEA_SPIN_CHECKS = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.FOVEA_SPIN_CHECKS;
    else process.env.FOVEA_SPIN_CHECKS = before;
  }
}

test('spinWhileEqual: true at once when the word already differs, false after its checks when it never changes', () => {
  const slots = new Int32Array(new SharedArrayBuffer(16));
  slots[1] = 5;
  assert.equal(spinWhileEqual(slots, 1, 4, 0), false, 'no checks: nothing read');
  assert.equal(spinWhileEqual(slots, 1, 4, 1), true);
  assert.equal(spinWhileEqual(slots, 1, 5, 1000), false);
});

test('resolveSpinChecks: the default when $FOVEA_SPIN_CHECKS is unset or empty, its value when a whole number ≥ 0', async () => {
  assert.equal(await withSpinChecks(undefined, resolveSpinChecks), DEFAULT_SPIN_CHECKS);
  assert.equal(await withSpinChecks('', resolveSpinChecks), DEFAULT_SPIN_CHECKS);
  assert.equal(await withSpinChecks('0', resolveSpinChecks), 0);
  assert.equal(await withSpinChecks('500', resolveSpinChecks), 500);
});

test('resolveSpinChecks: a negative, fractional or non-numeric $FOVEA_SPIN_CHECKS is an ArgumentError that quotes it', async () => {
  for (const bad of ['-1', '1.5', 'fast']) {
    await withSpinChecks(bad, () =>
      assert.throws(resolveSpinChecks, (e: unknown) => e instanceof ArgumentError && e.message.includes(`'${bad}'`) && e.message.includes('≥ 0')),
    );
  }
});

test('sleeping at once (0) and spinning long (10⁶ checks) both give results bit-identical to one thread, on 2 and 3 threads', async () => {
  const rng = new Rng(5);
  const [m, n, k] = [64, 96, 200];
  const a = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const x = randomArray(rng, 300_000, -2, 2);
  const single = await createWasmBackend({ threads: 1 });
  const expectedProduct = Float32Array.from(single.gemm(a, b, m, n, k, false, true));
  const expectedRelu = Float32Array.from(single.unary('relu', x, 0));
  for (const checks of ['0', '1000000']) {
    for (const threads of [2, 3]) {
      const backend = await withSpinChecks(checks, () => createWasmBackend({ threads }));
      // Many tasks in a row: each one's helpers are still spinning, or already asleep, from the last.
      for (let i = 0; i < 50; i++) {
        backend.scope(() => {
          assert.deepEqual(Float32Array.from(backend.gemm(a, b, m, n, k, false, true)), expectedProduct, `gemm, ${threads} threads, ${checks} checks, round ${i}`);
          assert.deepEqual(Float32Array.from(backend.unary('relu', x, 0)), expectedRelu, `relu, ${threads} threads, ${checks} checks, round ${i}`);
        });
      }
    }
  }
});
