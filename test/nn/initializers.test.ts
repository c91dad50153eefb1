/** The dirac (identity) initializer of convolution kernels, airbench's. */
import '../../src/platform/node.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../../src/errors.js';
import { Conv2D, initialize } from '../../src/nn/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';

test('dirac: a 3×3 conv 4 → 6 passes its 4 input channels through unchanged as its first 4 outputs; the other 2 filters are uniform in ±1/√fan-in', () => {
  const conv = new Conv2D({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'dirac' });
  conv.build([5, 5, 4], new Rng(1));
  const rng = new Rng(2);
  const x = new Tensor(Float32Array.from({ length: 2 * 5 * 5 * 4 }, () => rng.normal()), [2, 5, 5, 4]);
  const y = conv.call(x, { training: false, rng });
  for (let p = 0; p < 2 * 25; p++) for (let c = 0; c < 4; c++) assert.equal(y.data[p * 6 + c], x.data[p * 4 + c]);
  const kernel = conv.kernel!.value.data;
  const limit = 1 / Math.sqrt(36);
  let spread = 0;
  for (let e = 0; e < 36; e++) {
    for (const o of [4, 5]) {
      const w = kernel[e * 6 + o];
      assert.ok(Math.abs(w) <= limit, `kernel ${e}, filter ${o}: ${w}`);
      spread = Math.max(spread, Math.abs(w));
    }
  }
  assert.ok(spread > limit / 2, 'the other filters are random, not zero');
});

test('dirac with fewer filters than input channels: each filter passes its own channel; only conv kernels can be dirac-initialised', () => {
  const kernel = initialize('dirac', [1, 1, 3, 2], new Rng(0)).data;
  assert.deepEqual([...kernel], [1, 0, 0, 1, 0, 0]);
  assert.throws(() => initialize('dirac', [4, 4], new Rng(0)), (e: unknown) => e instanceof ArgumentError && /convolution kernels \[kH, kW, inC, outC\], got shape \[4, 4\]/.test(e.message));
});
