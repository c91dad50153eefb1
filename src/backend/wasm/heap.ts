/**
 * Memory for the wasm backend: one shared WebAssembly.Memory carved up from JavaScript (the
 * kernels never allocate). Blocks come from per-size-class free lists, else from a bump
 * pointer that grows the memory. A block is returned either when the scope it was allocated
 * in ends (training steps) or, outside any scope, when its Float32Array and every `subarray`
 * view of it are garbage-collected.
 */
import { ResourceError } from '../../errors.js';

const ALIGN = 64;
const PAGE = 65536;
/** WebAssembly's 32-bit limit: 65,536 pages of 64 KiB = 4 GiB. */
export const MAX_PAGES = 65536;

/** Size classes: multiples of 64 B, four steps per power of two above 256 B (at most 25% slack). */
function sizeClass(bytes: number): number {
  const power = 2 ** Math.floor(Math.log2(Math.max(1, bytes)));
  const step = Math.max(ALIGN, power / 4);
  return Math.ceil(bytes / step) * step;
}

const MIB = 2 ** 20;

/**
 * Each view made by `subarray` of a heap array, mapped to the array it was made from: a view
 * keeps its parent reachable, so the block is not returned to the heap (when the parent is
 * garbage-collected) while any view of it is still in use.
 */
const parentOfView = new WeakMap<ArrayBufferView, ArrayBufferView>();

/**
 * The Float32Array the heap hands out outside any scope. It behaves exactly as a Float32Array;
 * only `subarray` also records the new view's parent (above), and its views are of this class
 * too, so views of views hold on as well. A view made by hand from `.buffer` is not tracked.
 */
export class HeapFloat32Array extends Float32Array {
  static get [Symbol.species](): typeof HeapFloat32Array {
    return HeapFloat32Array;
  }

  override subarray(begin?: number, end?: number): HeapFloat32Array {
    const view = super.subarray(begin, end) as HeapFloat32Array;
    parentOfView.set(view, this);
    return view;
  }
}

/** The Int32Array counterpart of HeapFloat32Array. */
export class HeapInt32Array extends Int32Array {
  static get [Symbol.species](): typeof HeapInt32Array {
    return HeapInt32Array;
  }

  override subarray(begin?: number, end?: number): HeapInt32Array {
    const view = super.subarray(begin, end) as HeapInt32Array;
    parentOfView.set(view, this);
    return view;
  }
}

export class WasmHeap {
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly scopes: number[][] = [];
  private readonly sizes = new Map<number, number>();
  private readonly knownBuffers = new WeakSet<ArrayBufferLike>();
  /** Views that no scope will reclaim (persistent, or made outside any scope). */
  private readonly unscoped = new WeakSet<ArrayBufferView>();
  private readonly collected = new FinalizationRegistry<number>((ptr) => this.release(ptr));
  private liveBytes = 0;

  constructor(readonly memory: WebAssembly.Memory, reservedBytes: number) {
    this.top = Math.ceil(reservedBytes / ALIGN) * ALIGN;
    this.knownBuffers.add(memory.buffer);
  }

  /** Bytes handed out and not yet returned. */
  get bytesInUse(): number {
    return this.liveBytes;
  }

  /** Bytes of WebAssembly memory (it only grows). */
  get bytesReserved(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * A block of at least `bytes`, 64-byte aligned, not zeroed; owned by the current scope if any.
   * It is a free block of the request's size class, else the smallest free block of up to twice
   * that size (so a smaller last batch, or an evaluation pass, reuses the blocks of the full
   * batches instead of adding blocks of new sizes), else new memory — and when the memory cannot
   * grow any more, any larger free block.
   */
  allocBytes(bytes: number, persistent = false): number {
    const size = sizeClass(Math.max(bytes, 1));
    let block = this.takeFree(size, 2 * size);
    if (block === null) {
      if (this.top + size > MAX_PAGES * PAGE) block = this.takeFree(size, Infinity);
      if (block === null) {
        this.ensureCapacity(this.top + size, bytes);
        block = { ptr: this.top, size };
        this.top += size;
      }
    }
    const { ptr } = block;
    this.sizes.set(ptr, block.size);
    this.liveBytes += block.size;
    if (!persistent && this.scopes.length > 0) this.scopes[this.scopes.length - 1].push(ptr);
    return ptr;
  }

  /** The free block of the smallest size class in [min, max], taken off its list; null when there is none. */
  private takeFree(min: number, max: number): { ptr: number; size: number } | null {
    const exact = this.freeLists.get(min);
    if (exact && exact.length > 0) return { ptr: exact.pop()!, size: min };
    let best = -1;
    for (const [size, list] of this.freeLists) if (list.length > 0 && size > min && size <= max && (best < 0 || size < best)) best = size;
    return best < 0 ? null : { ptr: this.freeLists.get(best)!.pop()!, size: best };
  }

  /**
   * A Float32Array of `length` in wasm memory, zero-filled unless `zero` is false (for outputs
   * that a kernel overwrites entirely).
   */
  f32(length: number, persistent = false, zero = true): Float32Array {
    const inScope = !persistent && this.scopes.length > 0;
    const ptr = this.allocBytes(length * 4, persistent);
    // Scoped blocks return when their scope ends, whatever views exist: plain arrays suffice.
    const view = inScope ? new Float32Array(this.memory.buffer, ptr, length) : new HeapFloat32Array(this.memory.buffer, ptr, length);
    if (zero) view.fill(0);
    if (!inScope) {
      this.collected.register(view, ptr);
      this.unscoped.add(view);
    }
    return view;
  }

  /** An Int32Array of `length` in wasm memory, owned by the current scope (or GC-tracked). */
  i32(length: number): Int32Array {
    const inScope = this.scopes.length > 0;
    const ptr = this.allocBytes(length * 4);
    const view = inScope ? new Int32Array(this.memory.buffer, ptr, length) : new HeapInt32Array(this.memory.buffer, ptr, length);
    if (!inScope) this.collected.register(view, ptr);
    return view;
  }

  /** Whether `array` was handed out by this heap outside any scope, so no scope will reclaim it. */
  outlivesScopes(array: ArrayBufferView): boolean {
    return this.unscoped.has(array);
  }

  /** Whether `array` is a view of this heap's memory (so kernels can use it in place). */
  owns(array: ArrayBufferView): boolean {
    return this.knownBuffers.has(array.buffer);
  }

  beginScope(): void {
    this.scopes.push([]);
  }

  endScope(): void {
    const owned = this.scopes.pop();
    if (owned) for (const ptr of owned) this.release(ptr);
  }

  private release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    this.liveBytes -= size;
    let list = this.freeLists.get(size);
    if (!list) {
      list = [];
      this.freeLists.set(size, list);
    }
    list.push(ptr);
  }

  private ensureCapacity(bytes: number, requested: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const needed = Math.ceil((bytes - have) / PAGE);
    // Grow by at least a quarter of the current size so growth is rare, but never past the maximum.
    const pages = Math.min(Math.max(needed, Math.ceil(have / PAGE / 4)), MAX_PAGES - have / PAGE);
    try {
      if (pages < needed) throw new RangeError('over the maximum');
      this.memory.grow(pages);
    } catch {
      throw new ResourceError(
        `the wasm backend cannot allocate ${requested} bytes (${(requested / MIB).toFixed(1)} MiB): its memory would exceed 4 GiB ` +
          `(${(this.liveBytes / MIB).toFixed(1)} MiB in use, ${(have / MIB).toFixed(1)} MiB reserved); try a smaller batch size`,
      );
    }
    this.knownBuffers.add(this.memory.buffer);
  }
}
