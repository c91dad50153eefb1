import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Shape, Tensor } from '../tensor/index.js';

/** The shape of tensors of `shapes` joined along `axis` (every other axis must agree). */
export function concatShape(shapes: readonly Shape[], axis: number, what = 'concat'): Shape {
  if (shapes.length === 0) throw new ShapeError(`${what}: needs at least one input`);
  const rank = shapes[0].length;
  const a = axis < 0 ? rank + axis : axis;
  if (!(a >= 0 && a < rank)) throw new ShapeError(`${what}: axis ${axis} is outside a rank-${rank} shape ${formatShape(shapes[0])}`);
  let joined = 0;
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0][i])) {
      throw new ShapeError(`${what}: shapes ${shapes.map(formatShape).join(', ')} differ outside axis ${axis}; every axis but that one must match`);
    }
    joined += s[a];
  }
  return shapes[0].map((d, i) => (i === a ? joined : d));
}

/**
 * Joins tensors along `axis` (default: the last, channels). Backward hands each input the slice
 * of the gradient that came from it. A copy in whatever memory the backend uses.
 */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  const outShape = concatShape(xs.map((x) => x.shape), axis);
  const rank = outShape.length;
  const a = axis < 0 ? rank + axis : axis;
  const outer = outShape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = outShape.slice(a + 1).reduce((p, d) => p * d, 1);
  const widths = xs.map((x) => x.shape[a] * inner);
  const rowWidth = outShape[a] * inner;
  const backend = getBackend();
  const out = backend.alloc(outer * rowWidth);
  let offset = 0;
  xs.forEach((x, k) => {
    const w = widths[k];
    for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * w, (o + 1) * w), o * rowWidth + offset);
    offset += w;
  });
  const y = new Tensor(out, outShape);
  return recordOp(y, xs, (dy, needs) => {
    let at = 0;
    return xs.map((x, k) => {
      const w = widths[k];
      const start = at;
      at += w;
      if (!needs[k]) return null;
      const dx = backend.alloc(outer * w);
      for (let o = 0; o < outer; o++) dx.set(dy.data.subarray(o * rowWidth + start, o * rowWidth + start + w), o * w);
      return new Tensor(dx, x.shape);
    });
  });
}
