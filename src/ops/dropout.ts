import { recordOp } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import { type Rng, Tensor } from '../tensor/index.js';

/**
 * Inverted dropout: in training, zeroes each element with probability `rate` and scales the rest
 * by 1/(1−rate) so the expected value is unchanged; at inference it is the identity.
 */
export function dropout(x: Tensor, rate: number, rng: Rng, training: boolean): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new ArgumentError(`dropout rate must be in [0, 1), got ${rate}`);
  if (!training || rate === 0) return x;
  const backend = getBackend();
  const keep = 1 / (1 - rate);
  const mask = backend.alloc(x.size);
  rng.fillByThreshold(mask, rate, keep, 0);
  const y = new Tensor(backend.binary('mul', x.data, x.shape, mask, x.shape, x.shape), x.shape);
  return recordOp(y, [x], (dy) => [new Tensor(backend.binary('mul', dy.data, dy.shape, mask, dy.shape, dy.shape), x.shape)]);
}
