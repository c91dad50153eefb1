/** A small model and data shared by the training tests: fast enough for a few epochs on the JS backend. */
import { loadDataset, take, type ImageDataset } from '../../src/data/index.js';
import { Dense, Dropout, Flatten, Sequential } from '../../src/nn/index.js';
import type { Network } from '../../src/nn/index.js';
import assert from 'node:assert/strict';

/** Flatten → Dense 16 ReLU → Dropout 0.2 → Dense 10 softmax on 28×28×1, seeded. */
export function smallModel(seed = 0, name = 'small-mlp', hidden = 16): Network {
  return new Sequential([new Flatten(), new Dense({ units: hidden, activation: 'relu' }), new Dropout({ rate: 0.2 }), new Dense({ units: 10, activation: 'softmax' })], {
    inputShape: [28, 28, 1],
    name,
  }).build({ seed });
}

let mnist: { train: ImageDataset; test: ImageDataset } | null = null;

/** The first `n` MNIST training images (and the first 100 test images as validation). */
export async function mnistSlice(n: number): Promise<{ train: ImageDataset; validation: ImageDataset }> {
  mnist ??= await loadDataset('mnist');
  return { train: take(mnist.train, n), validation: take(mnist.test, 100) };
}

export function weightsOf(model: Network): Float32Array[] {
  return model.parameters().map((p) => Float32Array.from(p.value.data));
}

/** Asserts that two weight lists (from weightsOf) are equal bit for bit, naming the first parameter that differs. */
export function assertSameWeights(a: Float32Array[], b: Float32Array[], what = 'differs'): void {
  a.forEach((w, i) => assert.ok(w.every((v, j) => Object.is(v, b[i][j])), `parameter ${i} ${what}`));
}
