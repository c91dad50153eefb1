import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError, DatasetError, ShapeError } from '../errors.js';
import { formatShape, Tensor } from '../tensor/index.js';
import { add } from './arithmetic.js';
import { batchMatmul } from './matmul.js';
import { reshape } from './reshape.js';

/** The vectors along `axis` of x: `outer` groups of `length` entries `inner` apart. */
function vectorsAlong(x: Tensor, axis: number, what: string): { outer: number; length: number; inner: number } {
  const a = axis < 0 ? x.rank + axis : axis;
  if (!(Number.isInteger(a) && a >= 0 && a < x.rank)) throw new ShapeError(`${what}: axis ${axis} is outside a rank-${x.rank} tensor ${formatShape(x.shape)}`);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const length = x.shape[a];
  return { outer: x.size / Math.max(1, length * inner), length, inner };
}

/**
 * The capsule non-linearity (Sabour et al. 2017, eq. 1): v = ‖s‖²/(1 + ‖s‖²) · s/‖s‖ =
 * s·‖s‖/(1 + ‖s‖²), over `axis` (default the last). Short vectors shrink to almost 0, long ones
 * to just under length 1. Gradient: ds = f·dv + g·(s·dv)·s with f = ‖s‖/(1 + ‖s‖²) and
 * g = f′(‖s‖)/‖s‖ = (1 − ‖s‖²)/(‖s‖(1 + ‖s‖²)²); the second term vanishes like ‖s‖ at s = 0, where
 * it is taken as 0, so the gradient is finite everywhere (f·dv, i.e. 0, at s = 0).
 */
export function squash(s: Tensor, axis = -1): Tensor {
  const { outer, length, inner } = vectorsAlong(s, axis, 'squash');
  const backend = getBackend();
  const x = s.data;
  const out = backend.alloc(s.size);
  const norms = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < inner; t++) {
      const base = o * length * inner + t;
      let n2 = 0;
      for (let l = 0, i = base; l < length; l++, i += inner) n2 += x[i] * x[i];
      norms[o * inner + t] = n2;
      const f = Math.sqrt(n2) / (1 + n2);
      for (let l = 0, i = base; l < length; l++, i += inner) out[i] = f * x[i];
    }
  }
  return recordOp(new Tensor(out, s.shape), [s], (dy) => {
    const g = dy.data;
    const ds = backend.alloc(s.size);
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < inner; t++) {
        const base = o * length * inner + t;
        const n2 = norms[o * inner + t];
        const n = Math.sqrt(n2);
        const f = n / (1 + n2);
        const h = n2 > 0 ? (1 - n2) / (n * (1 + n2) * (1 + n2)) : 0;
        let dot = 0;
        for (let l = 0, i = base; l < length; l++, i += inner) dot += x[i] * g[i];
        const coef = h * dot;
        for (let l = 0, i = base; l < length; l++, i += inner) ds[i] = f * g[i] + coef * x[i];
      }
    }
    return [new Tensor(ds, s.shape)];
  });
}

/**
 * The length ‖v‖ of each capsule vector (the last axis): [..., D] → [...]. Gradient v/‖v‖·dℓ,
 * taken as 0 for a zero vector.
 */
export function capsuleLength(v: Tensor): Tensor {
  if (v.rank < 1) throw new ShapeError('capsuleLength needs vectors along the last axis, got a scalar');
  const D = v.shape[v.rank - 1];
  const count = D === 0 ? 0 : v.size / D;
  const backend = getBackend();
  const x = v.data;
  const out = backend.alloc(count);
  for (let c = 0; c < count; c++) {
    let n2 = 0;
    for (let d = 0, i = c * D; d < D; d++, i++) n2 += x[i] * x[i];
    out[c] = Math.sqrt(n2);
  }
  return recordOp(new Tensor(out, v.shape.slice(0, -1)), [v], (dy) => {
    const dv = backend.alloc(v.size);
    for (let c = 0; c < count; c++) {
      const length = out[c];
      if (!(length > 0)) continue;
      const factor = dy.data[c] / length;
      for (let d = 0, i = c * D; d < D; d++, i++) dv[i] = factor * x[i];
    }
    return [new Tensor(dv, v.shape)];
  });
}

/** Checks that `classes` holds one index in [0, count) per batch entry (labels or chosen classes). */
export function checkClassIndices(classes: Int32Array, batch: number, count: number, what: string): void {
  if (classes.length !== batch) throw new ShapeError(`${what}: a batch of ${batch} but ${classes.length} class indices`);
  for (let i = 0; i < classes.length; i++) {
    if (!(classes[i] >= 0 && classes[i] < count)) throw new DatasetError(`${what}: label ${classes[i]} at index ${i} is outside the ${count} classes [0, ${count - 1}]`);
  }
}

/**
 * Keeps, for each example b, only capsule classes[b] of v [B, J, D] and zeroes the others (the
 * decoder's mask, Sabour et al. 2017 §4.1). The gradient passes to the kept capsule only.
 */
export function maskCapsules(v: Tensor, classes: Int32Array): Tensor {
  if (v.rank !== 3) throw new ShapeError(`maskCapsules needs capsules [batch, capsules, dimension], got ${formatShape(v.shape)}`);
  const [B, J, D] = v.shape;
  checkClassIndices(classes, B, J, 'maskCapsules');
  const backend = getBackend();
  const keep = (from: Tensor): Tensor => {
    const out = backend.alloc(from.size);
    for (let b = 0; b < B; b++) {
      const start = (b * J + classes[b]) * D;
      out.set(from.data.subarray(start, start + D), start);
    }
    return new Tensor(out, v.shape);
  };
  return recordOp(keep(v), [v], (dy) => [keep(dy)]);
}

/**
 * Routing's coupling coefficients: c = softmax over the output capsules j (axis 1) of logits
 * [B, J, I]. Gradient dc ↦ c ⊙ (dc − Σ_j dc ⊙ c), per (b, i).
 */
function couplingCoefficients(logits: Tensor): Tensor {
  const [B, J, I] = logits.shape;
  const backend = getBackend();
  const z = logits.data;
  const c = backend.alloc(logits.size);
  // Per example, column sums over j, walking the rows of [J, I] in memory order.
  const max = new Float64Array(I);
  const total = new Float64Array(I);
  const e = new Float64Array(J * I);
  for (let b = 0; b < B; b++) {
    const base = b * J * I;
    max.fill(-Infinity);
    total.fill(0);
    for (let j = 0; j < J; j++) for (let i = 0, at = base + j * I; i < I; i++, at++) max[i] = Math.max(max[i], z[at]);
    for (let j = 0; j < J; j++) {
      for (let i = 0, at = base + j * I, k = j * I; i < I; i++, at++, k++) total[i] += e[k] = Math.exp(z[at] - max[i]);
    }
    for (let j = 0; j < J; j++) for (let i = 0, at = base + j * I, k = j * I; i < I; i++, at++, k++) c[at] = e[k] / total[i];
  }
  return recordOp(new Tensor(c, logits.shape), [logits], (dy) => {
    const g = dy.data;
    const dz = backend.alloc(logits.size);
    const dot = new Float64Array(I);
    for (let b = 0; b < B; b++) {
      const base = b * J * I;
      dot.fill(0);
      for (let j = 0; j < J; j++) for (let i = 0, at = base + j * I; i < I; i++, at++) dot[i] += g[at] * c[at];
      for (let j = 0; j < J; j++) for (let i = 0, at = base + j * I; i < I; i++, at++) dz[at] = c[at] * (g[at] - dot[i]);
    }
    return [new Tensor(dz, logits.shape)];
  });
}

/** The uniform coupling coefficients 1/J of the first routing iteration (logits all 0): a constant. */
function uniformCoupling(B: number, J: number, I: number): Tensor {
  const c = getBackend().alloc(B * J * I);
  c.fill(1 / J);
  return new Tensor(c, [B, J, I]);
}

/**
 * Routing by agreement (Sabour et al. 2017, procedure 1). uHat [B, J, I, D] holds the prediction
 * û_{j|i} of input capsule i for output capsule j, per example. The logits b_ij start at 0; each
 * iteration takes c_i = softmax over j of b_i, s_j = Σ_i c_ij û_{j|i}, v_j = squash(s_j), and,
 * except after the last, adds the agreements û_{j|i}·v_j to b_ij. Returns v [B, J, D].
 *
 * The layout makes both sums batched matrix products over the B·J pairs (b, j): s = c [1, I] ·
 * û [I, D] and the agreements û [I, D] · v [D, 1]. Every iteration is recorded, so gradients flow
 * through the coupling coefficients as well as through the last sum.
 */
export function dynamicRouting(uHat: Tensor, iterations: number): Tensor {
  if (uHat.rank !== 4) throw new ShapeError(`dynamicRouting needs predictions û [batch, outCapsules, inCapsules, dimension], got ${formatShape(uHat.shape)}`);
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new ArgumentError(`dynamicRouting needs a whole number of iterations ≥ 1, got ${iterations}`);
  const [B, J, I, D] = uHat.shape;
  const predictions = reshape(uHat, [B * J, I, D]);
  let logits: Tensor | null = null;
  let v: Tensor | null = null;
  for (let r = 0; r < iterations; r++) {
    const c = logits ? couplingCoefficients(logits) : uniformCoupling(B, J, I);
    const s = batchMatmul(reshape(c, [B * J, 1, I]), predictions);
    v = squash(reshape(s, [B, J, D]));
    if (r < iterations - 1) {
      const agreement = reshape(batchMatmul(predictions, reshape(v, [B * J, D, 1])), [B, J, I]);
      logits = logits ? add(logits, agreement) : agreement;
    }
  }
  return v!;
}
