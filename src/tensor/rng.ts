/**
 * Seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). All randomness in
 * Fovea — initialisation, shuffling, dropout, augmentation — flows from one of these, so the
 * same seed gives the same numbers on every platform. The state is four 32-bit words and can
 * be saved and restored (checkpoints).
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Sets `out[i]` to `atOrAbove` where the i-th uniform draw is ≥ `threshold`, else to `below`:
   * the same draws, in the same order, as `out[i] = this.uniform() >= threshold ? atOrAbove : below`,
   * with the state kept in locals (dropout masks: hundreds of thousands of draws a step).
   */
  fillByThreshold(out: Float32Array | Float64Array, threshold: number, atOrAbove: number, below: number): void {
    // uniform() ≥ threshold ⇔ nextUint32() ≥ threshold·2³²: both sides are exact in doubles.
    const limit = threshold * 4294967296;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = result >= limit ? atOrAbove : below;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A new independent generator derived from this one (advances this one). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }

  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(state: readonly number[]): void {
    [this.s0, this.s1, this.s2, this.s3] = state;
    this.spareNormal = null;
  }

  /** Everything that decides the numbers to come, including a cached normal deviate (for checkpoints). */
  snapshot(): RngSnapshot {
    return { state: this.getState(), spareNormal: this.spareNormal };
  }

  /** Continues exactly where the generator that gave `snapshot` was. */
  restore(snapshot: RngSnapshot): void {
    this.setState(snapshot.state);
    this.spareNormal = snapshot.spareNormal;
  }
}

/** A generator's full state: its four words and the spare normal deviate Box–Muller made, if any. */
export interface RngSnapshot {
  state: number[];
  spareNormal: number | null;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
