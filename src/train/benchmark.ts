import { valueAndGrads } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError, NumericalError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { modelLoss, totalLoss } from './loss.js';
import { Adam, type Optimizer } from '../optim/index.js';
import { Rng, Tensor, sizeOf } from '../tensor/index.js';
import { normalizeBatch } from './normalize.js';
import { predict } from './predict.js';

/**
 * Throughput of one model on the current backend: images per second of training steps (forward,
 * backward, optimizer update — what `fit` does per batch) or of inference (what `predict` does),
 * on a random batch, timed in repeats after a warm-up. Platform-neutral: the clock is a parameter.
 */

export type BenchmarkMode = 'train' | 'infer';

export interface BenchmarkOptions {
  mode: BenchmarkMode;
  batchSize: number;
  /** Timed repeats; the result is their median. Default 5. */
  repeats?: number;
  /** Each repeat runs steps until this many seconds have passed (at least one step). Default 1. */
  minSeconds?: number;
  /** A fixed number of steps per repeat instead of `minSeconds`. */
  steps?: number;
  /** Untimed steps first (JIT tier-up, first allocations); stops early once `minSeconds` have passed. Default 3. */
  warmupSteps?: number;
  /** Seeds the random inputs, labels and dropout. Default 0. */
  seed?: number;
  /** Training only. Default: Adam, learning rate 1e-3. */
  optimizer?: Optimizer;
  /** A clock in seconds. Default: `performance.now() / 1000`. */
  now?: () => number;
  /** Told after the warm-up and after each repeat (progress output). */
  onEvent?: (event: BenchmarkEvent) => void;
}

export type BenchmarkEvent =
  | { kind: 'warmup'; steps: number; seconds: number }
  | { kind: 'repeat'; index: number; repeats: number; steps: number; seconds: number; imagesPerSecond: number };

/** Median and range of a set of measurements. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface BenchmarkResult {
  mode: BenchmarkMode;
  batchSize: number;
  inputShape: number[];
  numClasses: number;
  backend: string;
  /** Threads the backend computes with (1 for backends without threads). */
  threads: number;
  warmup: { steps: number; seconds: number };
  repeats: { steps: number; seconds: number; imagesPerSecond: number }[];
  imagesPerSecond: Spread;
  /** Training only: mean loss over the last repeat (the same random batch every step, so it falls as the model memorises it). */
  meanLoss?: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function spread(samples: readonly number[]): Spread {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

/** A batch of uniform [0, 1) images of the model's input shape and uniform labels over its outputs. */
export function randomBatch(model: Network, batchSize: number, rng: Rng): { x: Tensor; labels: Int32Array } {
  const inputShape = model.inputShape;
  if (!inputShape) throw new ArgumentError(`model '${model.name}' is not built: it has no input shape`);
  const numClasses = model.outputShape[model.outputShape.length - 1];
  const x = new Float32Array(batchSize * sizeOf(inputShape));
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const labels = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) labels[i] = rng.int(numClasses);
  return { x: new Tensor(x, [batchSize, ...inputShape]), labels };
}

function checkCount(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ArgumentError(`${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Measures images/s of training steps or inference calls of `model` on the current backend.
 * Training changes the model's weights (random labels): benchmark a copy you do not need.
 */
export function benchmarkModel(model: Network, options: BenchmarkOptions): BenchmarkResult {
  const { mode } = options;
  if (mode !== 'train' && mode !== 'infer') throw new ArgumentError(`benchmark mode must be 'train' or 'infer', got '${String(mode)}'`);
  const batchSize = checkCount(options.batchSize, 'batch size');
  const repeats = checkCount(options.repeats ?? 5, 'repeats');
  const fixedSteps = options.steps === undefined ? null : checkCount(options.steps, 'steps per repeat');
  const warmupSteps = options.warmupSteps ?? 3;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new ArgumentError(`warm-up steps must be a non-negative integer, got ${warmupSteps}`);
  const minSeconds = options.minSeconds ?? 1;
  if (!(minSeconds >= 0)) throw new ArgumentError(`seconds per repeat must be non-negative, got ${minSeconds}`);
  const now = options.now ?? (() => performance.now() / 1000);

  const rng = new Rng(options.seed ?? 0);
  const { x, labels } = randomBatch(model, batchSize, rng.fork());
  const backend = getBackend();
  let step: () => number | undefined;
  if (mode === 'train') {
    const train = createTrainStep(model, { optimizer: options.optimizer, rng: rng.fork() });
    step = () => train(x, labels);
  } else {
    step = () => {
      predict(model, x);
      return undefined;
    };
  }

  const warmStart = now();
  let warm = 0;
  while (warm < warmupSteps && (warm === 0 || now() - warmStart < minSeconds)) {
    step();
    warm++;
  }
  const warmup = { steps: warm, seconds: now() - warmStart };
  options.onEvent?.({ kind: 'warmup', ...warmup });

  const runs: BenchmarkResult['repeats'] = [];
  let lastLosses: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const losses: number[] = [];
    const start = now();
    let steps = 0;
    let seconds = 0;
    do {
      const loss = step();
      if (loss !== undefined) losses.push(loss);
      steps++;
      seconds = now() - start;
    } while (fixedSteps !== null ? steps < fixedSteps : seconds < minSeconds);
    const run = { steps, seconds, imagesPerSecond: (steps * batchSize) / seconds };
    runs.push(run);
    lastLosses = losses;
    options.onEvent?.({ kind: 'repeat', index: r + 1, repeats, ...run });
  }

  const result: BenchmarkResult = {
    mode,
    batchSize,
    inputShape: [...model.inputShape!],
    numClasses: model.outputShape[model.outputShape.length - 1],
    backend: backend.name,
    threads: (backend as { threads?: number }).threads ?? 1,
    warmup,
    repeats: runs,
    imagesPerSecond: spread(runs.map((r) => r.imagesPerSecond)),
  };
  if (mode === 'train') result.meanLoss = lastLosses.reduce((a, b) => a + b, 0) / lastLosses.length;
  return result;
}

/**
 * One training step as `fit` takes it — a backend scope, the loss from the logits, gradients by
 * the tape, an optimizer step — as a function of the batch; returns the loss. The model's weights
 * move into the current backend's memory first. Also used by bench/compare.ts.
 */
export function createTrainStep(model: Network, options: { optimizer?: Optimizer; rng?: Rng } = {}): (x: Tensor, labels: Int32Array) => number {
  const backend = getBackend();
  const optimizer = options.optimizer ?? new Adam({ learningRate: 1e-3 });
  const dropoutRng = options.rng ?? new Rng(0);
  for (const p of model.parameters()) p.value = new Tensor(backend.adopt(p.value.data), p.value.shape);
  const params = model.trainableParameters();
  const sources = params.map((p) => p.value);
  return (x, labels) =>
    backend.scope(() => {
      const input = normalizeBatch(x, model.inputNormalization);
      const { value, grads } = valueAndGrads(() => {
        const extraLosses: Tensor[] = [];
        const outputs = model.forward(input, { training: true, rng: dropoutRng, logits: true, labels, addLoss: (l) => extraLosses.push(l) });
        return totalLoss(modelLoss(model, outputs, labels), extraLosses);
      }, sources);
      const loss = value.item();
      if (!Number.isFinite(loss)) throw new NumericalError(`loss became ${loss} while benchmarking '${model.name}'`);
      optimizer.step(params, grads);
      return loss;
    });
}
