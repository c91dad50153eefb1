// Small inline helpers shared by the kernels. Everything works on byte addresses into the one
// imported shared memory; nothing here allocates.

/** Byte address of element `i` of an f32 (or i32) array at `base`. */
// @ts-ignore: decorator
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Loads two f32 at `p` into the two f64 lanes of a vector (exact). */
// @ts-ignore: decorator
@inline export function load2AsF64(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Rounds the two f64 lanes of `v` to f32 and stores them at `p`. */
// @ts-ignore: decorator
@inline export function store2FromF64(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** Copies n f32 from src to dst (ranges do not overlap). */
export function copyF32(dst: usize, src: usize, n: i32): void {
  if (n >= 64) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), v128.load(at(src, i)));
  for (; i < n; i++) store<f32>(at(dst, i), load<f32>(at(src, i)));
}

/** Sets n f32 at dst to +0. */
export function zeroF32(dst: usize, n: i32): void {
  if (n >= 64) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  let i = 0;
  const z = i32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), z);
  for (; i < n; i++) store<f32>(at(dst, i), 0);
}

/** dst[i] += src[i] for n f32 (each sum rounded to f32, in order; ranges do not overlap). */
export function addIntoF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = at(dst, i);
    v128.store(p, f32x4.add(v128.load(p), v128.load(at(src, i))));
  }
  for (; i < n; i++) {
    const p = at(dst, i);
    store<f32>(p, load<f32>(p) + load<f32>(at(src, i)));
  }
}
