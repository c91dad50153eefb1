/**
 * An affNIST-like test set, generated: each image is centred on a size×size black canvas, then
 * moved by a random affine transformation about the canvas centre, sampled bilinearly. This is the
 * test set of the invariance experiment of Sabour, Frosst & Hinton (2017, "Dynamic routing between
 * capsules", §5.2), who train on MNIST shifted by up to 2 px on a 40×40 canvas and test on affNIST.
 *
 * The ranges follow affNIST (Tieleman, https://www.cs.toronto.edu/~tijmen/affNIST/): rotation
 * within ±20°, horizontal shear factor within ±0.2, horizontal and vertical scale drawn
 * independently from 0.8–1.2, and a translation that puts the digit's ink bounding box anywhere
 * inside the canvas. The forward transform is A = rotate(θ) · shear(k) · scale(sx, sy), with
 * shear(k) moving x by k·y (y pointing down) and positive θ turning counter-clockwise on screen.
 *
 * Generation is deterministic: the parameters come from the seeded generator (six draws per image,
 * in image order, so the first n images do not depend on how many follow), and everything after
 * uses only IEEE arithmetic, with sine and cosine computed by a series instead of Math.sin/cos
 * (whose last bits may differ between JavaScript engines). The same seed gives the same bytes on
 * every machine.
 */
import { ArgumentError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { canvasOffset, checkCanvasSize } from './canvas.js';
import { type ImageDataset, imageSize } from './dataset.js';
import { type AffineMap, warpImage } from './augment/warp.js';

export interface AffineTestOptions {
  /** Seed of the random transformations (default 0). */
  seed?: number;
  /** Side of the square canvas in pixels (default 40, as affNIST). */
  size?: number;
  /** Largest rotation either way, in degrees, 0..180 (default 20). */
  rotation?: number;
  /** Largest horizontal shear factor either way, ≥ 0 (default 0.2). */
  shear?: number;
  /** Range [min, max] of the horizontal and vertical scale factors, drawn independently (default [0.8, 1.2]). */
  scale?: readonly [number, number];
  /**
   * Move the transformed ink's bounding box to a uniformly random place inside the canvas (default
   * true); false leaves it centred.
   */
  translate?: boolean;
}

export type ResolvedAffineTestOptions = Required<AffineTestOptions>;

export const AFFINE_TEST_DEFAULTS: ResolvedAffineTestOptions = {
  seed: 0,
  size: 40,
  rotation: 20,
  shear: 0.2,
  scale: [0.8, 1.2],
  translate: true,
};

/** The transformation applied to one image (affNIST also ships these with its images). */
export interface AffineParams {
  /** Degrees, counter-clockwise on screen. */
  rotation: number;
  /** x moves by shear · y. */
  shear: number;
  scaleX: number;
  scaleY: number;
  /** Translation after the transform, in pixels from the centred position (right, down). */
  dx: number;
  dy: number;
}

export interface AffineTestSetResult {
  dataset: ImageDataset;
  /** The transformation of each image, in order. */
  transforms: AffineParams[];
  /**
   * How many images' transformed ink reaches outside the canvas and loses its edges: with
   * `translate`, those whose ink is larger than the canvas (they are left centred); without, those
   * whose centred ink overflows. None for MNIST digits (at most 20×20 px of ink) with the defaults.
   */
  clipped: number;
}

/** Checks affine test options and fills in the defaults. */
export function resolveAffineTestOptions(options: AffineTestOptions = {}): ResolvedAffineTestOptions {
  const o = { ...AFFINE_TEST_DEFAULTS, ...options };
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new ArgumentError(`affine test seed must be an integer in 0..4294967295, got ${o.seed}`);
  if (!Number.isInteger(o.size) || o.size < 1) throw new ArgumentError(`affine test canvas size must be a positive integer, got ${o.size}`);
  if (!(Number.isFinite(o.rotation) && o.rotation >= 0 && o.rotation <= 180)) throw new ArgumentError(`affine test rotation must be a number of degrees in 0..180, got ${o.rotation}`);
  if (!(Number.isFinite(o.shear) && o.shear >= 0)) throw new ArgumentError(`affine test shear must be a finite number ≥ 0, got ${o.shear}`);
  const scale = o.scale as unknown;
  if (!Array.isArray(scale) || scale.length !== 2) throw new ArgumentError(`affine test scale must be a range [min, max], got ${JSON.stringify(scale)}`);
  const [lo, hi] = scale as number[];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo > 0 && lo <= hi)) {
    throw new ArgumentError(`affine test scale must be a range [min, max] with 0 < min ≤ max, got [${lo}, ${hi}]`);
  }
  if (typeof o.translate !== 'boolean') throw new ArgumentError(`affine test translate must be true or false, got ${String(o.translate)}`);
  return { ...o, scale: [lo, hi] };
}

/** The affNIST-like version of `ds` (see the file comment): same labels, size×size images. */
export function affineTestSet(ds: ImageDataset, options: AffineTestOptions = {}): ImageDataset {
  return affineTestSetWithTransforms(ds, options).dataset;
}

/** `affineTestSet`, with the transformation drawn for each image. */
export function affineTestSetWithTransforms(ds: ImageDataset, options: AffineTestOptions = {}): AffineTestSetResult {
  const o = resolveAffineTestOptions(options);
  checkCanvasSize(ds, o.size, 'affine test canvas size');
  const rng = new Rng(o.seed);
  const out = new Uint8Array(ds.count * o.size * o.size * ds.channels);
  const transforms: AffineParams[] = [];
  const work = new CanvasWork(ds, o.size);
  let clipped = 0;
  for (let i = 0; i < ds.count; i++) {
    const rotation = uniform(rng, -o.rotation, o.rotation);
    const shear = uniform(rng, -o.shear, o.shear);
    const scaleX = uniform(rng, o.scale[0], o.scale[1]);
    const scaleY = uniform(rng, o.scale[0], o.scale[1]);
    const ux = rng.uniform();
    const uy = rng.uniform();
    const params: AffineParams = { rotation, shear, scaleX, scaleY, dx: 0, dy: 0 };
    const room = work.translationRoom(i, affineForwardMatrix(params));
    if (room && o.translate) {
      params.dx = placeIn(room.x, ux);
      params.dy = placeIn(room.y, uy);
    }
    if (room && !(inRange(room.x, params.dx) && inRange(room.y, params.dy))) clipped++;
    transforms.push(params);
    work.render(i, params, out.subarray(i * work.canvasBytes, (i + 1) * work.canvasBytes));
  }
  const dataset: ImageDataset = { ...ds, name: `${ds.name}-affine`, images: out, height: o.size, width: o.size, labels: ds.labels.slice() };
  return { dataset, transforms, clipped };
}

/** Image `index` of `ds` on a size×size canvas under the given transformation, as bytes. */
export function affineImage(ds: ImageDataset, index: number, params: AffineParams, size: number): Uint8Array {
  checkCanvasSize(ds, size);
  if (!Number.isInteger(index) || index < 0 || index >= ds.count) throw new ArgumentError(`${ds.name}: image index ${index} outside 0..${ds.count - 1}`);
  const work = new CanvasWork(ds, size);
  const out = new Uint8Array(work.canvasBytes);
  work.render(index, params, out);
  return out;
}

/** The forward matrix [[a, b], [c, d]] (on centred coordinates, y down) of a transformation. */
export function affineForwardMatrix(p: Pick<AffineParams, 'rotation' | 'shear' | 'scaleX' | 'scaleY'>): [number, number, number, number] {
  const [sin, cos] = sinCosDegrees(p.rotation);
  // rotate(θ) = [[cos, sin], [−sin, cos]] turns counter-clockwise on screen; shear·scale = [[sx, k·sy], [0, sy]].
  const b = p.shear * p.scaleY;
  return [cos * p.scaleX, cos * b + sin * p.scaleY, -sin * p.scaleX, -sin * b + cos * p.scaleY];
}

/** Reusable buffers for drawing images of one dataset on a canvas. */
class CanvasWork {
  readonly canvasBytes: number;
  private readonly source: Float64Array;
  private readonly warped: Float64Array;
  private readonly centre: number;
  private readonly top: number;
  private readonly left: number;

  constructor(
    private readonly ds: ImageDataset,
    private readonly size: number,
  ) {
    this.canvasBytes = size * size * ds.channels;
    this.source = new Float64Array(this.canvasBytes);
    this.warped = new Float64Array(this.canvasBytes);
    this.centre = (size - 1) / 2;
    ({ top: this.top, left: this.left } = canvasOffset(ds, size));
  }

  /**
   * The translations (x and y ranges, pixels) that keep every output pixel the ink reaches inside
   * the canvas, or null for an image without ink. A range with min > max means the ink does not fit.
   *
   * Bilinear sampling lets an ink pixel P reach the output pixels q with A⁻¹(q − centre − t) within
   * the open square P ± 1, i.e. q within A·P ± (|a| + |b|, |c| + |d|) (P, q centred): since q is
   * whole, q > −1 and q < size suffice.
   */
  translationRoom(index: number, [a, b, c, d]: readonly number[]): { x: [number, number]; y: [number, number] } | null {
    const { height: h, width: w, channels: ch } = this.ds;
    const base = index * imageSize(this.ds);
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = base + (y * w + x) * ch;
        let ink = false;
        for (let k = 0; k < ch; k++) if (this.ds.images[p + k] > 0) ink = true;
        if (!ink) continue;
        const u = this.left + x - this.centre;
        const v = this.top + y - this.centre;
        const qx = a * u + b * v;
        const qy = c * u + d * v;
        if (qx < minX) minX = qx;
        if (qx > maxX) maxX = qx;
        if (qy < minY) minY = qy;
        if (qy > maxY) maxY = qy;
      }
    }
    if (minX === Infinity) return null;
    const reachX = Math.abs(a) + Math.abs(b);
    const reachY = Math.abs(c) + Math.abs(d);
    const edge = this.centre + 1;
    return {
      x: [reachX - edge - minX, edge - reachX - maxX],
      y: [reachY - edge - minY, edge - reachY - maxY],
    };
  }

  /** Draws image `index` under `params` into `out` (canvasBytes bytes). */
  render(index: number, params: AffineParams, out: Uint8Array): void {
    const { height: h, width: w, channels: ch } = this.ds;
    const { size, source, warped, centre } = this;
    source.fill(0);
    warped.fill(0);
    const from = index * imageSize(this.ds);
    for (let y = 0; y < h; y++) {
      const src = from + y * w * ch;
      const dst = ((this.top + y) * size + this.left) * ch;
      for (let k = 0; k < w * ch; k++) source[dst + k] = this.ds.images[src + k];
    }
    warpImage(source, warped, 0, size, size, ch, inverseMap(affineForwardMatrix(params), params.dx, params.dy, centre));
    for (let k = 0; k < out.length; k++) {
      const v = Math.round(warped[k]);
      out[k] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

/**
 * The sampling map of warpImage for q = A·(p − centre) + centre + t: each output pixel q reads the
 * source at A⁻¹·(q − centre − t) + centre.
 */
function inverseMap([a, b, c, d]: readonly number[], dx: number, dy: number, centre: number): AffineMap {
  const det = a * d - b * c;
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  const ox = centre + dx;
  const oy = centre + dy;
  return { a: ia, b: ib, c: ic, d: id, e: centre - ia * ox - ib * oy, f: centre - ic * ox - id * oy };
}

/** A point of [lo, hi] at fraction u, or the middle of an empty range (the ink does not fit). */
function placeIn([lo, hi]: readonly number[], u: number): number {
  return lo <= hi ? lo + (hi - lo) * u : (lo + hi) / 2;
}

function inRange([lo, hi]: readonly number[], v: number): boolean {
  return lo <= v && v <= hi;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/**
 * [sin, cos] of an angle in degrees within ±180, by Taylor series in plain IEEE arithmetic (the same
 * bits in every engine, unlike Math.sin/cos), accurate to a few units in the last place.
 */
export function sinCosDegrees(degrees: number): [number, number] {
  if (degrees === 0) return [0, 1];
  const x = (degrees * Math.PI) / 180;
  const x2 = x * x;
  let sin = 0;
  let cos = 0;
  let sinTerm = x;
  let cosTerm = 1;
  for (let n = 0; n < 30; n++) {
    sin += sinTerm;
    cos += cosTerm;
    sinTerm *= -x2 / ((2 * n + 2) * (2 * n + 3));
    cosTerm *= -x2 / ((2 * n + 1) * (2 * n + 2));
  }
  return [sin, cos];
}
