import type { TensorData } from '../../tensor/index.js';
import type { Conv2DInfo } from '../backend.js';
import { perPart, type WasmContext } from './context.js';

/**
 * Direct convolution on the wasm backend (assembly/conv-direct.ts): an implicit im2col, the
 * patch read from a zero-padded window of the input through a table of offsets. It was written
 * for small patches (the first layer of a network: 3×3 or 5×5 on 1–3 channels), where im2col
 * copies 1–3 floats at a time and gemm's inner dimension of 9 or 27 cannot pay for its tiles; the
 * forward kernel turned out faster than im2col + gemm on larger patches too (it skips writing and
 * rereading the patch matrix), the backward-filter kernel up to about 3×3×32. The forward kernel
 * also computes dX of stride-1 convolutions (dY convolved with the turned filter), which gemm +
 * col2im did at about two thirds of its speed. 3×3 stride-1 convolutions with enough channels go
 * to the Winograd kernels (winograd.ts) before these, for all three passes.
 */

/**
 * `enabled` (default true) sends convolutions to the direct kernels; tests and benchmarks turn
 * it off to compare with im2col + gemm (`backwardInput` alone: dX of stride-1 convolutions). `maxPatch` and `maxFilterPatch`: the largest kH·kW·inC
 * that conv2d and conv2dBackwardFilter convolve directly. Measured on 1 and 2 threads (GFLOP per
 * CPU-second, batch 64): forward direct ≥ im2col + gemm from 3×3×1 up to 3×3×128 = 1152, behind
 * on 3×3×256 (4×4 images); backward-filter ahead up to 3×3×32 = 288, behind from 3×3×64 = 576.
 */
export const directConvOptions = { enabled: true, maxPatch: 1152, maxFilterPatch: 300, backwardInput: true };

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

/**
 * The convolution whose output is dX of a stride-1 convolution `i`: dY convolved with the filter
 * turned by 180° in space and with input and output channels swapped (the course's
 * "backpropagation as a convolution"), padded by d·(k − 1) − p on each side so that the output
 * has the input's size. Null for strides above 1, groups, or padding wider than the dilated
 * kernel (which would need negative padding here).
 */
export function backwardInputAsConv(i: Conv2DInfo): Conv2DInfo | null {
  if (i.strideH !== 1 || i.strideW !== 1 || (i.groups ?? 1) !== 1) return null;
  const reachH = i.dilationH * (i.kH - 1);
  const reachW = i.dilationW * (i.kW - 1);
  const pads = [reachH - i.padTop, reachH - i.padBottom, reachW - i.padLeft, reachW - i.padRight];
  if (pads.some((p) => p < 0)) return null;
  return {
    ...i,
    inH: i.outH,
    inW: i.outW,
    inC: i.outC,
    outC: i.inC,
    padTop: pads[0],
    padBottom: pads[1],
    padLeft: pads[2],
    padRight: pads[3],
    outH: i.inH,
    outW: i.inW,
  };
}

/**
 * The turned convolution when conv2dBackwardInput should take it, else null. Measured per layer
 * shape (batch 64, 1 and 2 threads; bench in the commit that added it): 1.5× faster than gemm +
 * col2im for 16 → 16 channels at 32×32, 1.2× for 32 → 32, even for 64 → 64; slower with fewer than
 * 8 input channels (the turned kernel's 8-wide channel blocks would be mostly empty), from 128
 * output channels (gemm's inner dimension is then long enough), and when dX has over 1.2× the
 * pixels of dY (a valid convolution on a small map: the turned one computes the difference too).
 */
export function usesDirectBackwardInput(i: Conv2DInfo, workspaceBytes: number): Conv2DInfo | null {
  if (!directConvOptions.backwardInput || i.inC < 8 || i.outC > 64) return null;
  if (i.inH * i.inW > 1.2 * i.outH * i.outW) return null;
  const t = backwardInputAsConv(i);
  return t && usesDirectConv(t, workspaceBytes) ? t : null;
}

/** Filter [kH, kW, inC, outC] → [kH, kW, outC, inC], turned by 180° in space, into `out`. */
export function flipFilterForBackward(w: TensorData, i: Conv2DInfo, out: Float32Array): Float32Array {
  const { kH, kW, inC, outC } = i;
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const src = (kh * kW + kw) * inC * outC;
      const dst = ((kH - 1 - kh) * kW + (kW - 1 - kw)) * outC * inC;
      for (let ci = 0; ci < inC; ci++) for (let co = 0; co < outC; co++) out[dst + co * inC + ci] = w[src + ci * outC + co];
    }
  }
  return out;
}

export interface DirectConvKernels {
  /** usesDirectConv with this backend's workspace size. */
  applies(info: Conv2DInfo, filter?: boolean): boolean;
  /** y = x ⊛ w, into `y` when given. */
  conv2d(x: TensorData, w: TensorData, info: Conv2DInfo, y?: Float32Array): Float32Array;
  /** dX of a stride-1 convolution as the forward kernel on dY (see backwardInputAsConv); null when that does not apply. */
  conv2dBackwardInput(dy: TensorData, w: TensorData, info: Conv2DInfo): Float32Array | null;
  conv2dBackwardFilter(x: TensorData, dy: TensorData, info: Conv2DInfo): Float32Array;
}

export function wasmDirectConv(ctx: WasmContext): DirectConvKernels {
  const { k, pool, input, output, temporaries } = ctx;
  const workspaceBytes = k.gemmWorkspaceBytes();
  const geometry = (i: Conv2DInfo) =>
    [i.batch, i.inH, i.inW, i.inC, i.kH, i.kW, i.strideH, i.strideW, i.dilationH, i.dilationW, i.padTop, i.padLeft, i.outH, i.outW, i.outC] as const;

  function conv2d(x: TensorData, w: TensorData, i: Conv2DInfo, y?: Float32Array): Float32Array {
    const pixels = i.batch * i.outH * i.outW;
    const out = y ?? output(pixels * i.outC);
    const patch = i.kH * i.kW * i.inC;
    temporaries(() => pool.run('conv2dDirect', [input(x), input(w), ...geometry(i), out.byteOffset, 0, pixels, 0], pixels, PX, perPart(patch * i.outC)));
    return out;
  }

  return {
    applies: (i, filter = false) => usesDirectConv(i, workspaceBytes, filter),
    conv2d,
    conv2dBackwardInput(dy, w, i) {
      const t = usesDirectBackwardInput(i, workspaceBytes);
      if (!t) return null;
      const dx = output(i.batch * i.inH * i.inW * i.inC);
      temporaries(() => conv2d(dy, flipFilterForBackward(w, i, output(w.length)), t, dx));
      return dx;
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
