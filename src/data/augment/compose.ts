import type { BatchTransform } from './transform.js';

/** Applies `transforms` in order, each drawing from the same generator. No transforms: identity. */
export function compose(...transforms: BatchTransform[]): BatchTransform {
  if (transforms.length === 1) return transforms[0];
  return (x, rng, place) => {
    let out = x;
    for (const transform of transforms) out = transform(out, rng, place);
    return out;
  };
}
