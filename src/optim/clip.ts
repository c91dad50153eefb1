import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import { Tensor } from '../tensor/index.js';

/** √(Σ g²) over every element of every gradient, summed in float64. */
export function globalNorm(gradients: readonly Tensor[]): number {
  let sum = 0;
  for (const g of gradients) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) sum += d[i] * d[i];
  }
  return Math.sqrt(sum);
}

export interface ClippedGradients {
  gradients: Tensor[];
  /** The global norm before clipping. */
  norm: number;
  clipped: boolean;
}

/**
 * Gradient clipping by global norm (as PyTorch's clip_grad_norm_ and Keras' global_clipnorm):
 * when the norm of all gradients together exceeds `maxNorm`, every gradient is scaled by
 * maxNorm / (norm + 1e-6), which keeps their direction. A non-finite norm is returned as is and
 * the gradients unchanged (the caller decides how to fail).
 */
export function clipByGlobalNorm(gradients: readonly Tensor[], maxNorm: number): ClippedGradients {
  if (!(Number.isFinite(maxNorm) && maxNorm > 0)) throw new ArgumentError(`clip norm must be a positive number, got ${maxNorm}`);
  const norm = globalNorm(gradients);
  if (!Number.isFinite(norm) || norm <= maxNorm) return { gradients: [...gradients], norm, clipped: false };
  const factor = maxNorm / (norm + 1e-6);
  const backend = getBackend();
  return { gradients: gradients.map((g) => new Tensor(backend.scale(g.data, factor), g.shape)), norm, clipped: true };
}
