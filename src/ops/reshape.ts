import { recordOp } from '../autograd/tape.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Shape, sizeOf, Tensor } from '../tensor/index.js';

/** Same data, new shape; one dimension may be −1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const inferred = shape.indexOf(-1);
  let target = [...shape];
  if (inferred >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== inferred));
    target[inferred] = known === 0 ? 0 : x.size / known;
  }
  if (!target.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(target) !== x.size) {
    throw new ShapeError(`cannot reshape ${formatShape(x.shape)} (${x.size} values) to ${formatShape(shape)}`);
  }
  target = target.map(Math.trunc);
  const y = new Tensor(x.data, target);
  return recordOp(y, [x], (dy) => [new Tensor(dy.data, x.shape)]);
}

/** [batch, ...] → [batch, product of the rest]. */
export function flatten(x: Tensor): Tensor {
  if (x.rank < 1) throw new ShapeError('flatten needs a batch axis, got a scalar');
  return reshape(x, [x.shape[0], x.size / Math.max(1, x.shape[0])]);
}
