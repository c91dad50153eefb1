import type { Backend } from '../backend.js';
import { copyPlanned, planTranspose } from '../js/transpose.js';
import { perPart, type WasmContext } from './context.js';

/** Output axes the kernel takes: three for its rows, one along each row. */
const KERNEL_AXES = 4;

/**
 * Axis permutation on the wasm backend: the permutation is reduced to strided runs of contiguous
 * blocks (planTranspose) and copied by a kernel split by output rows; the rare permutation that
 * keeps more than four axes after reduction is copied by the reference loop, on wasm memory.
 */
export function wasmTranspose(ctx: WasmContext): Pick<Backend, 'transpose'> {
  const { pool, input, output, temporaries } = ctx;
  return {
    transpose(x, shape, perm) {
      const out = output(x.length);
      const plan = planTranspose(shape, perm);
      if (plan.sizes.length === 0 || plan.sizes.length > KERNEL_AXES || x.length === 0) {
        copyPlanned(x, out, plan);
        return out;
      }
      const pad = KERNEL_AXES - plan.sizes.length;
      const sizes = [...Array<number>(pad).fill(1), ...plan.sizes];
      const steps = [...Array<number>(pad).fill(0), ...plan.steps];
      const rows = sizes[0] * sizes[1] * sizes[2];
      const rowLength = sizes[3] * plan.block;
      temporaries(() => {
        pool.run('transposeRows', [input(x), out.byteOffset, plan.block, sizes[3], steps[3], sizes[0], steps[0], sizes[1], steps[1], sizes[2], steps[2], 0, rows], rows, 1, perPart(rowLength));
      });
      return out;
    },
  };
}
