/**
 * The AdamW and RMSprop update kernels: the JS reference against steps computed by hand from the
 * formulas (float64), and the wasm kernels against the JS reference in float32, bit for bit, on
 * random sizes (odd ones, and ones large enough to be split between threads), with state arrays
 * both foreign (plain Float32Arrays) and resident in wasm memory.
 */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AdamConfig, Backend, RmspropConfig } from '../../src/backend/backend.js';
import { createJsBackend, loadBackend } from '../../src/backend/index.js';
import { Rng, type TensorData } from '../../src/tensor/index.js';
import { assertSameBits, randomArray } from '../helpers/random-configs.js';

const js64 = createJsBackend('float64');
const js = createJsBackend('float32');
const wasm = await loadBackend('wasm');

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('AdamW kernel (adamUpdate with decoupledWeightDecay) against a hand-computed step', () => {
  test('one step from zero moments: p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + ε), and the moments ignore the decay', () => {
    const param = Float64Array.of(0.5, -2, 3);
    const grad = Float64Array.of(0.1, 0.2, -0.3);
    const m = new Float64Array(3);
    const v = new Float64Array(3);
    const c: AdamConfig = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 1, weightDecay: 0, decoupledWeightDecay: 0.1 };
    js64.adamUpdate(param, grad, m, v, c);
    [0.5, -2, 3].forEach((p0, i) => {
      const g = [0.1, 0.2, -0.3][i];
      const mi = 0.1 * g;
      const vi = 0.001 * g * g;
      const mHat = mi / (1 - 0.9);
      const vHat = vi / (1 - 0.999);
      close(m[i], mi, `m[${i}]`);
      close(v[i], vi, `v[${i}]`);
      close(param[i], p0 * (1 - 0.01 * 0.1) - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8), `param[${i}]`);
    });
  });

  test('with a zero gradient Adam leaves the weight alone, AdamW shrinks it by exactly 1 − lr·wd per step', () => {
    const param = Float64Array.of(4);
    const zero = Float64Array.of(0);
    for (let step = 1; step <= 3; step++) {
      js64.adamUpdate(param, zero, new Float64Array(1), new Float64Array(1), { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step, weightDecay: 0, decoupledWeightDecay: 0.5 });
    }
    close(param[0], 4 * 0.95 ** 3, 'after 3 steps');
    const adam = Float64Array.of(4);
    js64.adamUpdate(adam, zero, new Float64Array(1), new Float64Array(1), { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 1, weightDecay: 0 });
    assert.equal(adam[0], 4);
  });
});

describe('RMSprop kernel against hand-computed steps', () => {
  const base: RmspropConfig = { lr: 0.01, rho: 0.9, momentum: 0, epsilon: 1e-7, weightDecay: 0 };

  test('plain: s = ρs + (1−ρ)g², p −= lr·g/(√s + ε), two steps', () => {
    const param = Float64Array.of(1, -1);
    const grad = Float64Array.of(0.5, -0.25);
    const s = new Float64Array(2);
    js64.rmspropUpdate(param, grad, s, null, null, base);
    js64.rmspropUpdate(param, grad, s, null, null, base);
    [1, -1].forEach((p0, i) => {
      const g = [0.5, -0.25][i];
      const s1 = 0.1 * g * g;
      const p1 = p0 - (0.01 * g) / (Math.sqrt(s1) + 1e-7);
      const s2 = 0.9 * s1 + 0.1 * g * g;
      close(s[i], s2, `s[${i}]`);
      close(param[i], p1 - (0.01 * g) / (Math.sqrt(s2) + 1e-7), `param[${i}]`);
    });
  });

  test("epsilon inside the square root (TensorFlow's form): p −= lr·g/√(s + ε); a tiny gradient then moves its weight far less than with √s + ε", () => {
    const eps = 1e-7;
    const inside = Float64Array.of(1, 1);
    const outside = Float64Array.of(1, 1);
    const grad = Float64Array.of(0.5, 1e-4);
    js64.rmspropUpdate(inside, grad, new Float64Array(2), null, null, { ...base, epsilonInSqrt: true });
    js64.rmspropUpdate(outside, grad, new Float64Array(2), null, null, base);
    [0.5, 1e-4].forEach((g, i) => {
      const s1 = 0.1 * g * g;
      close(inside[i], 1 - (0.01 * g) / Math.sqrt(s1 + eps), `inside[${i}]`);
      close(outside[i], 1 - (0.01 * g) / (Math.sqrt(s1) + eps), `outside[${i}]`);
    });
    // First step, s = 0.1·g² = 1e-9: √(1e-9 + 1e-7) ≈ 3.2e-4 against √1e-9 + 1e-7 ≈ 3.2e-5, a tenth of the step.
    const ratio = (1 - inside[1]) / (1 - outside[1]);
    assert.ok(ratio > 0.09 && ratio < 0.11, `the small gradient's step shrinks to ${ratio.toFixed(3)} of PyTorch's`);
    assert.ok((1 - inside[0]) / (1 - outside[0]) > 0.999, 'a large gradient hardly notices');
  });

  test('centered, with momentum 0.9 and L2 weight decay 0.01: a = ρa + (1−ρ)g, denominator √(s − a²) + ε, b = μb + g/denominator', () => {
    const param = Float64Array.of(2);
    const grad = Float64Array.of(0.3);
    const s = Float64Array.of(0.2);
    const a = Float64Array.of(0.1);
    const b = Float64Array.of(-0.05);
    js64.rmspropUpdate(param, grad, s, a, b, { ...base, momentum: 0.9, weightDecay: 0.01 });
    const g = 0.3 + 0.01 * 2;
    const s1 = 0.9 * 0.2 + 0.1 * g * g;
    const a1 = 0.9 * 0.1 + 0.1 * g;
    const b1 = 0.9 * -0.05 + g / (Math.sqrt(s1 - a1 * a1) + 1e-7);
    close(s[0], s1, 's');
    close(a[0], a1, 'a');
    close(b[0], b1, 'buffer');
    close(param[0], 2 - 0.01 * b1, 'param');
  });
});

/** Runs `steps` updates on each backend from the same start; wasm must give js's bits. */
function compareBackends(what: string, arrays: Float32Array[], update: (b: Backend, xs: TensorData[]) => void, resident: boolean): void {
  const expected = arrays.map((x) => Float32Array.from(x));
  update(js, expected);
  const run = () => {
    const xs = arrays.map((x) => (resident ? (wasm.adopt(Float32Array.from(x)) as Float32Array) : Float32Array.from(x)));
    update(wasm, xs);
    return xs.map((x) => Float32Array.from(x));
  };
  const actual = resident ? wasm.scope(run) : run();
  actual.forEach((a, i) => assertSameBits(a, expected[i], `${what}, array ${i}${resident ? ' (resident)' : ''}`));
}

describe('wasm optimizer kernels against js, bit for bit', () => {
  const rng = new Rng(4242);
  const sizes = [1, 2, 3, 7, 64, 1001, 1 + rng.int(5000), 200_003];

  test(`AdamW (decoupled decay 0.01 and 0.1, with and without L2) on lengths ${sizes.join(', ')}`, () => {
    for (const n of sizes) {
      for (const [decoupled, l2] of [[0.01, 0], [0.1, 1e-3]] as const) {
        for (const resident of [false, true]) {
          const arrays = [randomArray(rng, n), randomArray(rng, n, -1e-2, 1e-2), randomArray(rng, n, -1e-3, 1e-3), randomArray(rng, n, 0, 1e-5)];
          compareBackends(`adamw n=${n} wd=${decoupled} l2=${l2}`, arrays, (b, [p, g, m, v]) => {
            for (let s = 1; s <= 3; s++) b.adamUpdate(p, g, m, v, { lr: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 10 + s, weightDecay: l2, decoupledWeightDecay: decoupled });
          }, resident);
        }
      }
    }
  });

  test(`RMSprop plain, centered, momentum, weight decay on lengths ${sizes.join(', ')}`, () => {
    const configs: Array<{ centered: boolean; momentum: number; weightDecay: number; rho: number; epsilonInSqrt?: boolean }> = [
      { centered: false, momentum: 0, weightDecay: 0, rho: 0.9 },
      { centered: true, momentum: 0, weightDecay: 0, rho: 0.99 },
      { centered: false, momentum: 0.9, weightDecay: 1e-4, rho: 0.9 },
      { centered: true, momentum: 0.5, weightDecay: 5e-4, rho: 0.95 },
      { centered: false, momentum: 0, weightDecay: 0, rho: 0.9, epsilonInSqrt: true },
      { centered: true, momentum: 0.5, weightDecay: 5e-4, rho: 0.95, epsilonInSqrt: true },
    ];
    for (const n of sizes) {
      for (const c of configs) {
        for (const resident of [false, true]) {
          const arrays = [randomArray(rng, n), randomArray(rng, n, -0.1, 0.1), randomArray(rng, n, 0, 1e-2)];
          if (c.centered) arrays.push(randomArray(rng, n, -1e-2, 1e-2));
          if (c.momentum > 0) arrays.push(randomArray(rng, n, -1e-2, 1e-2));
          compareBackends(`rmsprop n=${n} ${JSON.stringify(c)}`, arrays, (b, xs) => {
            const [p, g, s] = xs;
            const a = c.centered ? xs[3] : null;
            const buf = c.momentum > 0 ? xs[c.centered ? 4 : 3] : null;
            for (let k = 0; k < 3; k++) b.rmspropUpdate(p, g, s, a, buf, { lr: 1e-3, rho: c.rho, momentum: c.momentum, epsilon: 1e-7, epsilonInSqrt: c.epsilonInSqrt, weightDecay: c.weightDecay });
          }, resident);
        }
      }
    }
  });

  test('centered RMSprop whose running variance rounds below zero gives a finite step on both backends (s − a² clamped at 0)', () => {
    // s = a² exactly after rounding: the variance is 0 and the step g/ε must stay finite.
    const arrays = [Float32Array.of(1, 1), Float32Array.of(0, 0), Float32Array.of(0.01, 0.04), Float32Array.of(0.1, 0.2)];
    compareBackends('rmsprop degenerate variance', arrays, (b, [p, g, s, a]) => b.rmspropUpdate(p, g, s, a, null, { lr: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7, weightDecay: 0 }), false);
    const p = Float32Array.of(1, 1);
    js.rmspropUpdate(p, Float32Array.of(0, 0), Float32Array.of(0.01, 0.04), Float32Array.of(0.1, 0.2), null, { lr: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7, weightDecay: 0 });
    assert.ok(p.every(Number.isFinite), `${p}`);
  });

  test('plain Adam (no decoupled decay) is unchanged: the wasm adamUpdate still matches js bit for bit', () => {
    const n = 1003;
    const arrays = [randomArray(rng, n), randomArray(rng, n, -1e-2, 1e-2), new Float32Array(n), new Float32Array(n)];
    compareBackends('adam', arrays, (b, [p, g, m, v]) => {
      for (let s = 1; s <= 3; s++) b.adamUpdate(p, g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: s, weightDecay: 1e-4 });
    }, false);
  });
});
