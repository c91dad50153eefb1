import type { TensorData } from '../../tensor/index.js';
import type { Conv2DInfo } from '../backend.js';
import { backwardInputAsConv, flipFilterForBackward } from './conv-direct.js';
import { perPart, type WasmContext } from './context.js';

/**
 * Winograd convolution on the wasm backend for 3×3, stride-1, undilated convolutions: y and dX
 * (dY convolved with the turned filter, as conv-direct.ts does) by F(4×4, 3×3)
 * (assembly/winograd4.ts: 36 products per 4×4 output tile and channel pair instead of 144) or
 * F(2×2, 3×3) (assembly/winograd.ts: 16 per 2×2 tile instead of 36), dW by F(3×3, 4×4) (in two
 * stages through planes in the heap from 128 × 128 channels, else in one) or F(3×3, 2×2).
 * `enabled` (default true) sends such convolutions there, `filter` their dW alone, `tile4` all three passes to the F(4×4) forms where they apply; tests and benchmarks turn them
 * off to compare. `blockBytes` (F(2×2, 3×3)) and `block4Bytes` (F(4×4, 3×3)): how much of a thread's
 * cache the transformed input and product blocks of one batch of tiles may take.
 * `minChannelProduct`: the fewest input × output channel pairs worth it. `filterPlanes` sends
 * F(3×3, 4×4) dW to its two-stage form (planes of up to `filterPlanesBytes` in the heap, see
 * usesWinograd4FilterPlanes).
 */
export const winogradOptions = { enabled: true, filter: true, blockBytes: 256 * 1024, minChannelProduct: 128, tile4: true, block4Bytes: 512 * 1024, filterPlanes: true, filterPlanesBytes: 8 * 1024 * 1024 };

/** The gemm micro-kernel's sliver width (NR in assembly/gemm.ts). */
const NR = 8;
/** The deepest product the micro-kernel takes in one pass (KC in assembly/gemm.ts): forward products run over the input channels. */
const MAX_IN_CHANNELS = 256;

/** Bytes of padding after each of a block's 16 planes, and of spill area after them (PLANE_PAD and the spill in assembly/winograd.ts). */
const PLANE_PAD = 64;
const SPILL_BYTES = 128;

/** Bytes of the F(4×4, 3×3) kernel's scratch after its planes: the micro-kernel's spill, then 36 + 4 vectors for the transforms (assembly/winograd4.ts). */
const F4_SCRATCH_BYTES = SPILL_BYTES + 40 * 16;

/** F(4×4, 3×3)'s tiles per block: its 36 V and M planes within block4Bytes, a multiple of 4, at least 4. */
export function winograd4BlockTiles(inC: number, outC: number): number {
  return Math.max(4, Math.floor(winogradOptions.block4Bytes / (144 * (inC + outC)) / 4) * 4);
}

/** Bytes of per-thread workspace the F(4×4, 3×3) kernel needs: the 36 V and 36 M planes of a block, each padded, then its scratch. */
export function winograd4WorkspaceBytes(i: Conv2DInfo): number {
  return 36 * (winograd4BlockTiles(i.inC, i.outC) * (i.inC + i.outC) * 4 + 2 * PLANE_PAD) + F4_SCRATCH_BYTES;
}

/**
 * Whether a convolution that usesWinograd takes F(4×4, 3×3) rather than F(2×2, 3×3): whenever
 * `tile4` is on and its block fits the workspace. Measured against F(2×2, 3×3) (bench/winograd.ts):
 * 1.2–1.7× faster forward and dX from 8 → 16 channels (the fewest usesWinograd takes) up to
 * 256 → 256, so there is no channel threshold of its own.
 */
export function usesWinograd4(i: Conv2DInfo, workspaceBytes: number): boolean {
  return winogradOptions.tile4 && usesWinograd(i, workspaceBytes) && winograd4WorkspaceBytes(i) <= workspaceBytes;
}

/** Tiles per block for these channel counts: V and M blocks within blockBytes, a multiple of 4, at least 4. */
export function winogradBlockTiles(inC: number, outC: number): number {
  return Math.max(4, Math.floor(winogradOptions.blockBytes / (64 * (inC + outC)) / 4) * 4);
}

/** Bytes of per-thread workspace the forward kernel needs: the 16 V and 16 M planes of a block, each padded, then the spill area. */
export function winogradWorkspaceBytes(i: Conv2DInfo): number {
  return 16 * (winogradBlockTiles(i.inC, i.outC) * (i.inC + i.outC) * 4 + 2 * PLANE_PAD) + SPILL_BYTES;
}

/**
 * Whether the Winograd kernel computes convolution `i`: one group, a 3×3 kernel, stride 1, no
 * dilation, input and output channels multiples of 4 (one SIMD vector) with at most 256 inputs,
 * at least `minChannelProduct` input × output channels, and a block that fits the per-thread
 * workspace. Measured per layer shape against the kernels used without it (bench/winograd.ts,
 * 1 thread, forward): 1.2× at 16 → 16, 1.4–1.7× from 32 → 32 up to 256 → 256, 1.0× at 8 → 16
 * (the smallest it takes); at 8 → 8 (0.98×) the products over so few input channels no longer
 * pay for the transforms.
 */
export function usesWinograd(i: Conv2DInfo, workspaceBytes: number): boolean {
  return (
    winogradOptions.enabled &&
    (i.groups ?? 1) === 1 &&
    i.kH === 3 &&
    i.kW === 3 &&
    i.strideH === 1 &&
    i.strideW === 1 &&
    i.dilationH === 1 &&
    i.dilationW === 1 &&
    i.inC % 4 === 0 &&
    i.outC % 4 === 0 &&
    i.inC * i.outC >= winogradOptions.minChannelProduct &&
    i.inC <= MAX_IN_CHANNELS &&
    winogradWorkspaceBytes(i) <= workspaceBytes
  );
}

/**
 * The most slots of partial dW sums: chunks are grouped into at most this many runs of
 * consecutive chunks, each summed into one slot (a grouping fixed by the geometry, never by the
 * thread count), which bounds the memory the partial sums take.
 */
export const MAX_FILTER_SLOTS = 32;

/** Tiles per chunk of dW: the packed planes within the per-thread workspace, a multiple of 4, 4 to 512. Fixed by the channel counts alone, so the chunks, and the order their sums are added in, do not depend on the thread count. */
export function winogradFilterChunkTiles(inC: number, outC: number, workspaceBytes: number): number {
  const outPad = Math.ceil(outC / NR) * NR;
  const fit = Math.floor((workspaceBytes - SPILL_BYTES - 16 * 2 * PLANE_PAD) / (64 * (inC + outPad)) / 4) * 4;
  return Math.max(4, Math.min(512, fit));
}

/** The most slots of F(3×3, 4×4)'s partial dW sums: each takes 36 planes of inC × outC, against F(3×3, 2×2)'s 16. */
export const MAX_FILTER4_SLOTS = 16;

/** F(3×3, 4×4)'s tiles per dW chunk: its 36 packed planes of each operand within the per-thread workspace, a multiple of 4, 4 to 512, fixed by the channel counts alone. */
export function winograd4FilterChunkTiles(inC: number, outC: number, workspaceBytes: number): number {
  const outPad = Math.ceil(outC / NR) * NR;
  const fit = Math.floor((workspaceBytes - F4_SCRATCH_BYTES - 36 * 2 * PLANE_PAD) / (144 * (inC + outPad)) / 4) * 4;
  return Math.max(4, Math.min(512, fit));
}

/**
 * Whether dW of convolution `i` goes to F(3×3, 4×4) rather than F(3×3, 2×2): `tile4` on, as
 * usesWinogradFilter, with chunks of at least 48 tiles. The chunk is the products' inner
 * dimension: at 256 → 256 channels it is 28 tiles, and F(3×3, 4×4) measured 0.70× F(3×3, 2×2)
 * (vgg-small at 4×4, `bench/winograd.ts`); at 128 → 128 (60 tiles) 1.12–1.14×.
 */
export function usesWinograd4Filter(i: Conv2DInfo, workspaceBytes: number): boolean {
  return winogradOptions.tile4 && usesWinogradFilter(i, workspaceBytes) && winograd4FilterChunkTiles(i.inC, i.outC, workspaceBytes) >= 48;
}

/** Bytes of a planes block of `tiles` tiles for the two-stage F(3×3, 4×4) dW: 36 V planes and 36 dY planes, each padded (as assembly/winograd4.ts lays them out). */
export function winograd4PlanesBytes(tiles: number, inC: number, outC: number): number {
  return 36 * (tiles * (inC + Math.ceil(outC / NR) * NR) * 4 + 2 * PLANE_PAD);
}

/** Tiles per block of the two-stage F(3×3, 4×4) dW: its planes within filterPlanesBytes, a multiple of 4, 64 to 2048, fixed by the channel counts. */
export function winograd4PlaneTiles(inC: number, outC: number): number {
  const fit = Math.floor(winogradOptions.filterPlanesBytes / (144 * (inC + Math.ceil(outC / NR) * NR)) / 4) * 4;
  return Math.max(64, Math.min(2048, fit));
}

/**
 * Whether dW of convolution `i` goes to the two-stage F(3×3, 4×4) (winograd4FilterGradPlanes,
 * then winograd4FilterGradPlaneProducts): `filterPlanes` and `tile4` on, as usesWinogradFilter,
 * with at least 128 × 128 channel pairs. Measured against the one-stage kernels (2 threads): 1.5–1.8×
 * from 128 → 128 to 256 → 256 (cifar-whiten-mid's 192 → 192 at 7×7 and 3×3, batch 1024, and
 * vgg-small's 256 → 256 at 4×4: the one-stage F(3×3, 4×4) chunks hold too few tiles there, so
 * they had gone to F(3×3, 2×2)); at 64 → 64 and 64 → 192 on large batches 0.8–1.0× the one-stage
 * F(3×3, 4×4), whose chunks stay in a core's cache; below 32 → 32 slower still.
 */
export function usesWinograd4FilterPlanes(i: Conv2DInfo, workspaceBytes: number): boolean {
  return winogradOptions.filterPlanes && winogradOptions.tile4 && i.inC * i.outC >= 128 * 128 && usesWinogradFilter(i, workspaceBytes);
}

/** Whether dW of convolution `i` goes to the Winograd kernel: as usesWinograd, with a chunk of at least 64 tiles. */
export function usesWinogradFilter(i: Conv2DInfo, workspaceBytes: number): boolean {
  return winogradOptions.filter && usesWinograd(i, workspaceBytes) && winogradFilterChunkTiles(i.inC, i.outC, workspaceBytes) >= 64;
}

export interface WinogradKernels {
  /** usesWinograd with this backend's workspace size. */
  applies(info: Conv2DInfo): boolean;
  /** y = x ⊛ w. */
  conv2d(x: TensorData, w: TensorData, info: Conv2DInfo): Float32Array;
  /** dX of convolution `info` as the Winograd kernel on dY with the turned filter; null when that does not apply. */
  conv2dBackwardInput(dy: TensorData, w: TensorData, info: Conv2DInfo): Float32Array | null;
  /** usesWinogradFilter with this backend's workspace size. */
  appliesToFilter(info: Conv2DInfo): boolean;
  /** dW of convolution `info` by F(3×3, 2×2). */
  conv2dBackwardFilter(x: TensorData, dy: TensorData, info: Conv2DInfo): Float32Array;
}

export function wasmWinograd(ctx: WasmContext): WinogradKernels {
  const { k, pool, input, output, temporaries } = ctx;
  const workspaceBytes = k.gemmWorkspaceBytes();

  /** The two Winograd forms: output tile side, transform positions, and their kernels (assembly/winograd.ts, assembly/winograd4.ts). */
  const forms = {
    2: { positions: 16, conv: 'winogradConv', filterTransform: 'winogradFilterTransform', filterGrad: 'winogradFilterGrad', filterGradReduce: 'winogradFilterGradReduce', maxSlots: MAX_FILTER_SLOTS, chunkTiles: winogradFilterChunkTiles, blockTiles: winogradBlockTiles },
    4: { positions: 36, conv: 'winograd4Conv', filterTransform: 'winograd4FilterTransform', filterGrad: 'winograd4FilterGrad', filterGradReduce: 'winograd4FilterGradReduce', maxSlots: MAX_FILTER4_SLOTS, chunkTiles: winograd4FilterChunkTiles, blockTiles: winograd4BlockTiles },
  } as const;

  /** The F(4×4) filter transform and dW reduction take a workspace for their scratch vectors (filled in per thread); the F(2×2) ones need none. */
  const scratchArgument = (side: 2 | 4): number[] => (side === 4 ? [0] : []);

  /** Output tiles of convolution `i` for tile side `side`. */
  const tileCount = (i: Conv2DInfo, side: number): number => i.batch * Math.ceil(i.outH / side) * Math.ceil(i.outW / side);

  /** y = x ⊛ w by F(4×4, 3×3) when usesWinograd4, else F(2×2, 3×3); w [3, 3, inC, outC] as conv2d takes it. */
  function run(x: TensorData, w: TensorData, i: Conv2DInfo, y: Float32Array): void {
    const side = usesWinograd4(i, workspaceBytes) ? 4 : 2;
    const f = forms[side];
    // U = G·g·Gᵀ in the kernel's packed layout.
    const u = output(f.positions * i.inC * Math.ceil(i.outC / NR) * NR);
    pool.run(f.filterTransform, [input(w), i.inC, i.outC, u.byteOffset, 0, i.inC, ...scratchArgument(side)], i.inC, 1, perPart(f.positions * i.outC));
    const tiles = tileCount(i, side);
    const args = [input(x), u.byteOffset, i.batch, i.inH, i.inW, i.inC, i.padTop, i.padLeft, i.outH, i.outW, i.outC, f.blockTiles(i.inC, i.outC), y.byteOffset, 0, tiles, 0];
    pool.run(f.conv, args, tiles, 1, perPart(f.positions * i.inC * i.outC));
  }

  /** dW of convolution `i` by the two-stage F(3×3, 4×4) when usesWinograd4FilterPlanes, else by F(3×3, 4×4) when usesWinograd4Filter, else F(3×3, 2×2). */
  function filterGrad(x: TensorData, dy: TensorData, i: Conv2DInfo): Float32Array {
    if (usesWinograd4FilterPlanes(i, workspaceBytes)) return filterGradPlanes(x, dy, i);
    const side = usesWinograd4Filter(i, workspaceBytes) ? 4 : 2;
    const f = forms[side];
    const dw = output(9 * i.inC * i.outC);
    const chunkTiles = f.chunkTiles(i.inC, i.outC, workspaceBytes);
    const chunks = Math.ceil(tileCount(i, side) / chunkTiles);
    if (chunks === 0) return dw.fill(0);
    const chunksPerSlot = Math.ceil(chunks / f.maxSlots);
    const slots = Math.ceil(chunks / chunksPerSlot);
    temporaries(() => {
      const partials = output(slots * f.positions * i.inC * i.outC);
      const args = [input(x), input(dy), i.batch, i.inH, i.inW, i.inC, i.padTop, i.padLeft, i.outH, i.outW, i.outC, chunkTiles, chunksPerSlot, partials.byteOffset, 0, slots, 0];
      pool.run(f.filterGrad, args, slots, 1, perPart(chunksPerSlot * chunkTiles * f.positions * i.inC * i.outC));
      pool.run(f.filterGradReduce, [partials.byteOffset, slots, i.inC, i.outC, dw.byteOffset, 0, i.inC, ...scratchArgument(side)], i.inC, 1, perPart(slots * f.positions * i.outC));
    });
    return dw;
  }

  /** dW by F(3×3, 4×4) in blocks of winograd4PlaneTiles tiles: each block's tiles transformed into planes, then its 36 products added onto the sums; then Gᵀ·P·G. */
  function filterGradPlanes(x: TensorData, dy: TensorData, i: Conv2DInfo): Float32Array {
    const dw = output(9 * i.inC * i.outC);
    const tiles = tileCount(i, 4);
    if (tiles === 0) return dw.fill(0);
    const blockTiles = Math.min(tiles, winograd4PlaneTiles(i.inC, i.outC));
    temporaries(() => {
      const sums = output(36 * i.inC * i.outC);
      const planes = output(winograd4PlanesBytes(blockTiles, i.inC, i.outC) / 4);
      const xAt = input(x);
      const dyAt = input(dy);
      for (let t0 = 0; t0 < tiles; t0 += blockTiles) {
        const nt = Math.min(blockTiles, tiles - t0);
        pool.run('winograd4FilterGradPlanes', [xAt, dyAt, i.inH, i.inW, i.inC, i.padTop, i.padLeft, i.outH, i.outW, i.outC, t0, nt, planes.byteOffset, 0, nt, 0], nt, 1, perPart(36 * 8 * (i.inC + i.outC)));
        pool.run('winograd4FilterGradPlaneProducts', [planes.byteOffset, nt, i.inC, i.outC, sums.byteOffset, t0 > 0 ? 1 : 0, 0, 36, 0], 36, 1, perPart(nt * i.inC * i.outC));
      }
      pool.run('winograd4FilterGradReduce', [sums.byteOffset, 1, i.inC, i.outC, dw.byteOffset, 0, i.inC, 0], i.inC, 1, perPart(36 * i.outC));
    });
    return dw;
  }

  return {
    applies: (i) => usesWinograd(i, workspaceBytes),
    conv2d(x, w, i) {
      const y = output(i.batch * i.outH * i.outW * i.outC);
      temporaries(() => run(x, w, i, y));
      return y;
    },
    conv2dBackwardInput(dy, w, i) {
      const t = backwardInputAsConv(i);
      if (!t || !usesWinograd(t, workspaceBytes)) return null;
      const dx = output(i.batch * i.inH * i.inW * i.inC);
      temporaries(() => run(dy, flipFilterForBackward(w, i, output(w.length)), t, dx));
      return dx;
    },
    appliesToFilter: (i) => usesWinogradFilter(i, workspaceBytes),
    conv2dBackwardFilter: filterGrad,
  };
}
