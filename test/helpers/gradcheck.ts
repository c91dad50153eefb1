/**
 * Gradient checking: autograd's gradients against float64 central finite differences on the
 * reference backend. Shared by the op tests.
 */
import { AssertionError } from 'node:assert';
import { grad, noGrad, recordOp } from '../../src/autograd/index.js';
import { createJsBackend, withBackend } from '../../src/backend/index.js';
import { formatShape, Rng, type Shape, Tensor, tensor } from '../../src/tensor/index.js';

export interface GradCheckOptions {
  /** Finite-difference step. */
  eps?: number;
  /** Allowed |analytic − numeric| / max(1, |analytic|, |numeric|). */
  tol?: number;
  /** Seed of the fixed weights that reduce a non-scalar output to a scalar. */
  seed?: number;
}

export interface GradCheckWorst {
  input: number;
  index: number[];
  analytic: number;
  numeric: number;
  error: number;
}

export interface GradCheckResult {
  /** Largest error over every element of every input. */
  maxError: number;
  worst: GradCheckWorst | null;
  /** Number of input elements checked. */
  checked: number;
}

const float64 = createJsBackend('float64');

function toFloat64(t: Tensor): Tensor {
  return tensor(t.data, t.shape, 'float64');
}

function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis];
    flat = Math.floor(flat / shape[axis]);
  }
  return index;
}

/** Fixed weights in ±[0.5, 1.5], so every output element contributes to the reduced scalar. */
function reductionWeights(size: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const w = new Float64Array(size);
  for (let i = 0; i < size; i++) w[i] = (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + rng.uniform());
  return w;
}

/**
 * Σ w ⊙ y, written directly with `recordOp` so that the reduction does not depend on the ops
 * under test.
 */
function weightedSum(y: Tensor, weights: Float64Array): Tensor {
  if (y.size === 1 && weights.length === 0) return y;
  let total = 0;
  for (let i = 0; i < y.size; i++) total += weights[i] * y.data[i];
  const out = tensor([total], [], 'float64');
  return recordOp(out, [y], (dy) => {
    const g = new Float64Array(y.size);
    for (let i = 0; i < y.size; i++) g[i] = weights[i] * dy.data[0];
    return [new Tensor(g, y.shape)];
  });
}

/**
 * Compares `grad(f)` with central differences for every element of every input, in float64 on
 * the JS backend. Throws an AssertionError naming the worst element when the error exceeds
 * `tol`. Non-scalar outputs are reduced by a weighted sum with fixed random weights.
 */
export function checkGradients(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  const { eps = 1e-6, tol = 1e-6, seed = 1234 } = options;
  return withBackend(float64, () => {
    const xs = inputs.map(toFloat64);
    const probe = noGrad(() => f(...xs));
    if (probe.dtype !== 'float64') throw new AssertionError({ message: `gradcheck: f returned ${probe.dtype}, expected float64 on the float64 backend` });
    const weights = probe.size === 1 ? new Float64Array(0) : reductionWeights(probe.size, seed);
    const loss = (...args: Tensor[]): Tensor => weightedSum(f(...args), weights);
    const lossValue = (): number => noGrad(() => loss(...xs)).data[0];

    const analytic = grad(loss)(...xs);
    let maxError = 0;
    let worst: GradCheckWorst | null = null;
    let checked = 0;
    xs.forEach((x, input) => {
      const g = analytic[input];
      if (formatShape(g.shape) !== formatShape(x.shape)) {
        throw new AssertionError({ message: `gradcheck: gradient of input ${input} has shape ${formatShape(g.shape)}, input has ${formatShape(x.shape)}` });
      }
      const data = x.data;
      for (let i = 0; i < data.length; i++) {
        const original = data[i];
        data[i] = original + eps;
        const plus = lossValue();
        data[i] = original - eps;
        const minus = lossValue();
        data[i] = original;
        const numeric = (plus - minus) / (2 * eps);
        const a = g.data[i];
        const error = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
        checked++;
        // NaN compares false, so a NaN on either side counts as the worst possible error.
        if (worst === null || !(error <= maxError)) {
          maxError = Number.isNaN(error) ? Infinity : Math.max(maxError, error);
          worst = { input, index: unravel(i, x.shape), analytic: a, numeric, error };
        }
      }
    });
    if (!(maxError <= tol) && worst !== null) {
      const w: GradCheckWorst = worst;
      throw new AssertionError({
        message:
          `gradient check failed: input ${w.input} ${formatShape(xs[w.input].shape)} at [${w.index.join(', ')}]: ` +
          `autograd ${w.analytic}, central difference ${w.numeric} (error ${w.error.toExponential(2)} > tol ${tol})`,
      });
    }
    return { maxError, worst, checked };
  });
}

/** Uniform values in [low, high), float64. */
export function randomTensor(rng: Rng, shape: Shape, low = -1, high = 1): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = low + (high - low) * rng.uniform();
  return new Tensor(data, shape);
}

/** Uniform values with |x| in [margin, 1): away from the kink at 0 of relu, abs and friends. */
export function randomAwayFromZero(rng: Rng, shape: Shape, margin = 0.1): Tensor {
  const t = randomTensor(rng, shape, margin, 1);
  for (let i = 0; i < t.size; i++) if (rng.uniform() < 0.5) t.data[i] = -t.data[i];
  return t;
}

/** A shuffled set of distinct values spaced `gap` apart (no ties for max-pooling). */
export function distinctTensor(rng: Rng, shape: Shape, gap = 0.05): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const order = rng.shuffle(Array.from({ length: size }, (_, i) => i));
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = (order[i] - size / 2) * gap;
  return new Tensor(data, shape);
}
