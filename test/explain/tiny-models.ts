/** Small models with weights set by hand, for the explain tests. */
import { Conv2D, Dense, Flatten, MaxPool2D, type Network, Sequential } from '../../src/nn/index.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';

/** Sets a layer's weight (kernel / bias) to `values`, keeping its shape. */
export function setWeight(model: Network, layer: string, weight: string, values: ArrayLike<number> | ((i: number) => number)): void {
  const p = model.getLayer(layer).parameters().find((q) => q.name === `${layer}/${weight}`);
  if (!p) throw new Error(`no weight ${layer}/${weight}`);
  const data = typeof values === 'function' ? Float32Array.from({ length: p.value.size }, (_, i) => values(i)) : Float32Array.from(values);
  p.value = tensor(data, p.value.shape, p.value.dtype);
}

/**
 * [6, 6, 1] → conv 'c1' (2 filters 2×2, relu) → [5, 5, 2] → conv 'c2' (3 filters 3×3) → [3, 3, 3]
 * → flatten → dense 'out' (4 classes, softmax). Weights from a seeded generator.
 */
export function twoConvModel(seed = 1): Network {
  return new Sequential(
    [
      new Conv2D({ filters: 2, kernelSize: 2, activation: 'relu', name: 'c1' }),
      new Conv2D({ filters: 3, kernelSize: 3, name: 'c2' }),
      new Flatten({ name: 'flat' }),
      new Dense({ units: 4, activation: 'softmax', name: 'out' }),
    ],
    { inputShape: [6, 6, 1], name: 'two-conv' },
  ).build({ seed });
}

/** A seeded image [1, h, w, c] with pixels in [0, 1]. */
export function randomImage(h: number, w: number, c: number, seed = 7): Tensor {
  const rng = new Rng(seed);
  return tensor(Array.from({ length: h * w * c }, () => rng.uniform()), [1, h, w, c]);
}

/**
 * [8, 8, 3] → conv 'conv' 1×1 (2 filters: red → channel 0, green → channel 1, relu) → max pool
 * 'pool' 2 → [4, 4, 2] → flatten → dense 'dense' (2 classes): class 0 sums channel 0 over the
 * top-left 2×2 pooled cells (image rows and columns 0..3), class 1 channel 1 over the bottom-right
 * ones (4..7). So class 0's score depends only on the top-left quadrant, class 1's only on the
 * bottom-right one.
 */
export function quadrantModel(): Network {
  const model = new Sequential(
    [
      new Conv2D({ filters: 2, kernelSize: 1, activation: 'relu', useBias: false, name: 'conv' }),
      new MaxPool2D({ poolSize: 2, name: 'pool' }),
      new Flatten({ name: 'flat' }),
      new Dense({ units: 2, name: 'dense' }),
    ],
    { inputShape: [8, 8, 3], name: 'quadrants' },
  ).build({ seed: 0 });
  // kernel [1, 1, 3, 2]: index inC·2 + filter.
  setWeight(model, 'conv', 'kernel', [1, 0, 0, 1, 0, 0]);
  // dense kernel [4·4·2, 2]: flat index ((y·4 + x)·2 + channel)·2 + class.
  setWeight(model, 'dense', 'kernel', (i) => {
    const cls = i % 2;
    const feature = Math.floor(i / 2);
    const channel = feature % 2;
    const y = Math.floor(feature / 2 / 4);
    const x = Math.floor(feature / 2) % 4;
    if (cls === 0) return channel === 0 && y < 2 && x < 2 ? 1 : 0;
    return channel === 1 && y >= 2 && x >= 2 ? 1 : 0;
  });
  setWeight(model, 'dense', 'bias', [0, 0]);
  return model;
}

/** An [1, 8, 8, 3] image: a red top-left quadrant and a green bottom-right one, black elsewhere. */
export function quadrantImage(): Tensor {
  const data = new Float32Array(8 * 8 * 3);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      if (y < 4 && x < 4) data[(y * 8 + x) * 3] = 1;
      if (y >= 4 && x >= 4) data[(y * 8 + x) * 3 + 1] = 1;
    }
  }
  return tensor(data, [1, 8, 8, 3]);
}
