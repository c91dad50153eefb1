import { ShapeError } from '../errors.js';
import type { InputNormalization } from '../nn/sequential.js';
import { Tensor } from '../tensor/index.js';

/**
 * Applies the model's per-channel mean/std to a batch whose pixels are already scaled to [0, 1].
 * The identity normalisation (mean 0, std 1) returns the batch unchanged.
 */
export function normalizeBatch(x: Tensor, normalization: InputNormalization): Tensor {
  const { mean, std } = normalization;
  if (mean.every((m) => m === 0) && std.every((s) => s === 1)) return x;
  const channels = x.shape[x.rank - 1];
  if (mean.length !== channels || std.length !== channels) {
    throw new ShapeError(`input normalisation has ${mean.length} means and ${std.length} stds for ${channels} channels`);
  }
  const out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const c = i % channels;
    out[i] = (x.data[i] - mean[c]) / std[c];
  }
  return new Tensor(out, x.shape);
}
