/**
 * One forward/backward step of `seed-cnn` (seed 1) on the wasm backend, on a fixed batch. The
 * same compiled module runs in Node (wasm-browser.test.ts) and in a browser worker
 * (fixtures/step-worker.js), so the two results can be compared number for number. It imports
 * only platform-neutral code: the caller registers its platform first.
 */
import { valueAndGrads } from '../../src/autograd/index.js';
import { setBackend } from '../../src/backend/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { createZooModel } from '../../src/models/index.js';
import { softmaxCrossEntropy } from '../../src/ops/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';

export const STEP_BATCH = 8;

export interface GradientResult {
  name: string;
  shape: number[];
  values: number[];
}

export interface StepResult {
  /** Threads the backend computes with, the calling one included. */
  threads: number;
  loss: number;
  grads: GradientResult[];
}

/** 8 MNIST-shaped images with pixel j (over the whole batch) = ((j·7919) mod 256)/255; labels i mod 10. */
export function stepBatch(): { x: Tensor; labels: Int32Array } {
  const pixels = new Float32Array(STEP_BATCH * 28 * 28);
  for (let j = 0; j < pixels.length; j++) pixels[j] = ((j * 7919) % 256) / 255;
  const labels = Int32Array.from({ length: STEP_BATCH }, (_, i) => i % 10);
  return { x: new Tensor(pixels, [STEP_BATCH, 28, 28, 1]), labels };
}

/** Builds the wasm backend with `threads` (default: the platform's), then the loss and every parameter's gradient for one batch. */
export async function seedCnnStep(threads?: number): Promise<StepResult> {
  const backend = setBackend(await createWasmBackend({ threads }));
  const model = createZooModel('seed-cnn', { seed: 1 });
  // As fit does: parameters live in the backend's memory.
  for (const p of model.parameters()) p.value = new Tensor(backend.adopt(p.value.data), p.value.shape);
  const params = model.trainableParameters();
  const { x, labels } = stepBatch();
  return backend.scope(() => {
    const { value, grads } = valueAndGrads(() => softmaxCrossEntropy(model.forward(x, { training: true, rng: new Rng(0), logits: true }), labels), params.map((p) => p.value));
    return {
      threads: backend.threads ?? 1,
      loss: value.item(),
      grads: grads.map((g, i) => ({ name: params[i].name, shape: [...g.shape], values: Array.from(g.data) })),
    };
  });
}
