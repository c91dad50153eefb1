import type { TensorData } from '../../tensor/index.js';
import type { Conv2DInfo } from '../backend.js';
import { perPart, type WasmContext } from './context.js';

/**
 * Direct convolution on the wasm backend (assembly/conv-direct.ts): an implicit im2col, the
 * patch read from a zero-padded window of the input through a table of offsets. It was written
 * for small patches (the first layer of a network: 3×3 or 5×5 on 1–3 channels), where im2col
 * copies 1–3 floats at a time and gemm's inner dimension of 9 or 27 cannot pay for its tiles; the
 * forward kernel turned out faster than im2col + gemm on larger patches too (it skips writing and
 * rereading the patch matrix), the backward-filter kernel up to about 3×3×32.
 */

/**
 * `enabled` (default true) sends convolutions to the direct kernels; tests and benchmarks turn
 * it off to compare with im2col + gemm. `maxPatch` and `maxFilterPatch`: the largest kH·kW·inC
 * that conv2d and conv2dBackwardFilter convolve directly. Measured on 1 and 2 threads (GFLOP per
 * CPU-second, batch 64): forward direct ≥ im2col + gemm from 3×3×1 up to 3×3×128 = 1152, behind
 * on 3×3×256 (4×4 images); backward-filter ahead up to 3×3×32 = 288, behind from 3×3×64 = 576.
 */
export const directConvOptions = { enabled: true, maxPatch: 1152, maxFilterPatch: 300 };

/**
 * Output pixels per chunk of the direct backward-filter kernel: each chunk's partial gradient is
 * computed by one thread into its own slot, and the slots are added in chunk order, so this is
 * fixed (never derived from the thread count) to keep results independent of it.
 */
export const DIRECT_FILTER_CHUNK = 2048;

/** Mirrors assembly/conv-direct.ts: pixels per forward tile, channels per block, patch entries per filter tile. */
const PX = 4;
const CB = 8;
const TT = 4;
const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * Per-thread workspace the direct kernels need with a window of one output row; mirrors the
 * layout in assembly/conv-direct.ts (spill | offsets | packed filter | window).
 */
export function directConvWorkspaceBytes(i: Conv2DInfo): number {
  const patch = i.kH * i.kW * i.inC;
  const blocks = Math.ceil(i.outC / CB);
  const windowStride = (i.outW + PX - 2) * i.strideW + (i.kW - 1) * i.dilationW + 1;
  const windowRows = (i.kH - 1) * i.dilationH + 1;
  return 128 + align64(patch * 4) + align64(blocks * patch * CB * 4) + windowRows * windowStride * i.inC * 4;
}

/**
 * Whether conv2d (or, with `filter`, conv2dBackwardFilter) takes the direct kernel: one group, a
 * patch of at most `directConvOptions.maxPatch` (maxFilterPatch) and a window row that fits the
 * per-thread workspace.
 */
export function usesDirectConv(i: Conv2DInfo, workspaceBytes: number, filter = false): boolean {
  const patch = i.kH * i.kW * i.inC;
  const max = filter ? directConvOptions.maxFilterPatch : directConvOptions.maxPatch;
  return directConvOptions.enabled && (i.groups ?? 1) === 1 && patch >= 1 && patch <= max && i.outC >= 1 && directConvWorkspaceBytes(i) <= workspaceBytes;
}

/** Floats of one chunk's slot of partial filter gradients (blocks × patch rounded to 4 × 8). */
function slotLength(i: Conv2DInfo): number {
  return Math.ceil(i.outC / CB) * Math.ceil((i.kH * i.kW * i.inC) / TT) * TT * CB;
}

export interface DirectConvKernels {
  /** usesDirectConv with this backend's workspace size. */
  applies(info: Conv2DInfo, filter?: boolean): boolean;
  conv2d(x: TensorData, w: TensorData, info: Conv2DInfo): Float32Array;
  conv2dBackwardFilter(x: TensorData, dy: TensorData, info: Conv2DInfo): Float32Array;
}

export function wasmDirectConv(ctx: WasmContext): DirectConvKernels {
  const { k, pool, input, output, temporaries } = ctx;
  const workspaceBytes = k.gemmWorkspaceBytes();
  const geometry = (i: Conv2DInfo) =>
    [i.batch, i.inH, i.inW, i.inC, i.kH, i.kW, i.strideH, i.strideW, i.dilationH, i.dilationW, i.padTop, i.padLeft, i.outH, i.outW, i.outC] as const;

  return {
    applies: (i, filter = false) => usesDirectConv(i, workspaceBytes, filter),
    conv2d(x, w, i) {
      const pixels = i.batch * i.outH * i.outW;
      const y = output(pixels * i.outC);
      const patch = i.kH * i.kW * i.inC;
      temporaries(() => pool.run('conv2dDirect', [input(x), input(w), ...geometry(i), y.byteOffset, 0, pixels, 0], pixels, PX, perPart(patch * i.outC)));
      return y;
    },
    conv2dBackwardFilter(x, dy, i) {
      const patch = i.kH * i.kW * i.inC;
      const dw = output(patch * i.outC);
      const pixels = i.batch * i.outH * i.outW;
      const chunks = Math.ceil(pixels / DIRECT_FILTER_CHUNK);
      temporaries(() => {
        const partials = output(chunks * slotLength(i));
        pool.run('conv2dDirectFilter', [input(x), input(dy), ...geometry(i), DIRECT_FILTER_CHUNK, partials.byteOffset, 0, chunks, 0], chunks, 1, perPart(DIRECT_FILTER_CHUNK * patch * i.outC));
        k.conv2dDirectFilterReduce(partials.byteOffset, chunks, patch, i.outC, dw.byteOffset);
      });
      return dw;
    },
  };
}
