/**
 * Benchmark 1: training and inference throughput (images/s) of Fovea's current backend side by side
 * with TensorFlow.js's pure-JavaScript 'cpu' backend, in the same process, on the same models, data,
 * batch size and optimizer. Results are ratios measured in one run; see bench/README.md.
 *
 *   node dist/bench/train-throughput.js [--models seed-cnn,mlp] [--repeats 5] [--json out.json]
 *        [--quick] [--keras-cnn] [--seconds 2] [--train-images 4096] [--no-tfjs]
 */
import '../src/platform/node.js';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { valueAndGrads } from '../src/autograd/tape.js';
import { getBackend } from '../src/backend/registry.js';
import { gatherImages, gatherLabels, loadDataset } from '../src/data/index.js';
import type { ImageDataset } from '../src/data/index.js';
import { createZooModel } from '../src/models/zoo.js';
import type { Network } from '../src/nn/index.js';
import { softmaxCrossEntropy } from '../src/ops/index.js';
import { Adam } from '../src/optim/index.js';
import { Rng, type Tensor } from '../src/tensor/index.js';
import { exitOnHelp, positiveNumber, withUsage } from './flags.js';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  models: string[];
  repeats: number;
  jsonPath: string;
  quick: boolean;
  /** Target duration of one timed repeat of Fovea training; tfjs gets the same target. */
  seconds: number;
  trainImages: number;
  batchSize: number;
  inferBatch: number;
  tfjs: boolean;
}

const KNOWN_MODELS = ['seed-cnn', 'mlp', 'keras-mnist-cnn'];

function usage(): string {
  return [
    'usage: node dist/bench/train-throughput.js [options]',
    '  --models a,b        models to measure (default seed-cnn,mlp; known: ' + KNOWN_MODELS.join(', ') + ')',
    '  --keras-cnn         also measure keras-mnist-cnn (tfjs cpu is very slow on it)',
    '  --repeats N         timed repeats per library, interleaved (default 5; --quick: 2)',
    '  --seconds S         target seconds per timed repeat (default 2; --quick: 0.3)',
    '  --train-images N    MNIST training images cycled through (default 4096)',
    '  --json PATH         where to write the JSON results (default bench/results/train-throughput.json)',
    '  --no-tfjs           measure Fovea only',
    '  --quick             short smoke run',
  ].join('\n');
}

function parseOptions(argv: string[]): Options {
  const { values: v } = withUsage(
    () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          models: { type: 'string' },
          repeats: { type: 'string' },
          seconds: { type: 'string' },
          'train-images': { type: 'string' },
          json: { type: 'string' },
          quick: { type: 'boolean' },
          'keras-cnn': { type: 'boolean' },
          'no-tfjs': { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    usage,
  );
  exitOnHelp(v.help, usage);
  const positive = positiveNumber;
  const opts: Options = {
    models: v.models === undefined ? ['seed-cnn', 'mlp'] : v.models.split(',').map((x) => x.trim()).filter((x) => x !== ''),
    repeats: v.repeats === undefined ? NaN : Math.round(positive(v.repeats, 'repeats')),
    jsonPath: v.json ?? 'bench/results/train-throughput.json',
    quick: v.quick ?? false,
    seconds: v.seconds === undefined ? NaN : positive(v.seconds, 'seconds'),
    trainImages: v['train-images'] === undefined ? 4096 : Math.round(positive(v['train-images'], 'train-images')),
    batchSize: 64,
    inferBatch: 256,
    tfjs: !v['no-tfjs'],
  };
  const kerasCnn = v['keras-cnn'] ?? false;
  if (kerasCnn && !opts.models.includes('keras-mnist-cnn')) opts.models.push('keras-mnist-cnn');
  for (const m of opts.models) {
    if (!KNOWN_MODELS.includes(m)) throw new Error(`unknown model '${m}'; known: ${KNOWN_MODELS.join(', ')}`);
  }
  if (Number.isNaN(opts.repeats)) opts.repeats = opts.quick ? 2 : 5;
  if (Number.isNaN(opts.seconds)) opts.seconds = opts.quick ? 0.3 : 2;
  if (opts.quick) opts.trainImages = Math.min(opts.trainImages, 1024);
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Statistics

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

function spread(samples: number[]): Spread {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

// ---------------------------------------------------------------------------------------------
// The two libraries behind one interface

interface Runner {
  library: 'fovea' | 'tfjs';
  /** One optimizer step on training batch `i` (cycled); returns the loss. */
  trainStep(i: number): number;
  /** Forward pass of the inference batch (probabilities), values read back. */
  infer(): void;
  dispose(): void;
}

interface Data {
  /** Training batches in a fixed order, the same for both libraries. */
  fovea: { x: Tensor; labels: Int32Array }[];
  tfjs: { x: tf.Tensor4D; onehot: tf.Tensor2D }[];
  foveaInfer: Tensor;
  tfjsInfer: tf.Tensor4D;
}

function prepareData(train: ImageDataset, test: ImageDataset, opts: Options): Data {
  const n = Math.min(opts.trainImages, train.count);
  const nb = Math.floor(n / opts.batchSize);
  const data: Data = { fovea: [], tfjs: [], foveaInfer: null as unknown as Tensor, tfjsInfer: null as unknown as tf.Tensor4D };
  for (let b = 0; b < nb; b++) {
    const indices = Array.from({ length: opts.batchSize }, (_, k) => b * opts.batchSize + k);
    const x = gatherImages(train, indices);
    const labels = gatherLabels(train, indices);
    data.fovea.push({ x, labels });
    data.tfjs.push({
      x: tf.tensor4d(Float32Array.from(x.data), [opts.batchSize, train.height, train.width, train.channels]),
      onehot: tf.oneHot(tf.tensor1d(labels, 'int32'), train.numClasses).toFloat() as tf.Tensor2D,
    });
  }
  const inferIdx = Array.from({ length: opts.inferBatch }, (_, k) => k % test.count);
  data.foveaInfer = gatherImages(test, inferIdx);
  data.tfjsInfer = tf.tensor4d(Float32Array.from(data.foveaInfer.data), [opts.inferBatch, test.height, test.width, test.channels]);
  return data;
}

function foveaRunner(model: Network, data: Data): Runner {
  const optimizer = new Adam({ learningRate: 1e-3 });
  const rng = new Rng(1);
  const params = model.trainableParameters();
  return {
    library: 'fovea',
    trainStep(i) {
      const { x, labels } = data.fovea[i % data.fovea.length];
      const { value, grads } = valueAndGrads(
        () => softmaxCrossEntropy(model.forward(x, { training: true, rng, logits: true }), labels),
        params.map((p) => p.value),
      );
      optimizer.step(params, grads);
      return value.item();
    },
    infer() {
      const y = model.predictBatch(data.foveaInfer);
      if (!Number.isFinite(y.data[0])) throw new Error('fovea inference produced a non-finite value');
    },
    dispose() {},
  };
}

/** The tf.sequential equivalent of a zoo model; the last Dense is linear (logits), softmax is applied separately. */
function tfjsModel(name: string, inputShape: number[]): tf.Sequential {
  const L = tf.layers;
  const layers: tf.layers.Layer[] =
    name === 'seed-cnn'
      ? [
          L.conv2d({ inputShape, filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
          L.maxPooling2d({ poolSize: 2, strides: 2 }),
          L.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
          L.maxPooling2d({ poolSize: 2, strides: 2 }),
          L.flatten(),
          L.dense({ units: 120, activation: 'relu' }),
          L.dense({ units: 64, activation: 'relu' }),
          L.dense({ units: 10 }),
        ]
      : name === 'mlp'
        ? [
            L.flatten({ inputShape }),
            L.dense({ units: 512, activation: 'relu' }),
            L.dropout({ rate: 0.2 }),
            L.dense({ units: 512, activation: 'relu' }),
            L.dropout({ rate: 0.2 }),
            L.dense({ units: 10 }),
          ]
        : [
            L.conv2d({ inputShape, filters: 32, kernelSize: 3, activation: 'relu' }),
            L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
            L.maxPooling2d({ poolSize: 2 }),
            L.dropout({ rate: 0.25 }),
            L.flatten(),
            L.dense({ units: 128, activation: 'relu' }),
            L.dropout({ rate: 0.5 }),
            L.dense({ units: 10 }),
          ];
  return tf.sequential({ layers });
}

/** Copies Fovea's initial weights into the tfjs model (same layouts: dense [in, out], conv [kH, kW, inC, outC]). */
function copyWeights(from: Network, to: tf.Sequential): void {
  const params = from.trainableParameters();
  const targets = to.trainableWeights;
  if (params.length !== targets.length) throw new Error(`weight count differs: fovea ${params.length}, tfjs ${targets.length}`);
  const tensors = params.map((p, i) => {
    const want = targets[i].shape;
    if (want.length !== p.value.shape.length || want.some((d, k) => d !== p.value.shape[k])) {
      throw new Error(`weight ${p.name}: fovea shape [${p.value.shape}] vs tfjs ${targets[i].name} [${want}]`);
    }
    return tf.tensor(Float32Array.from(p.value.data), [...p.value.shape]);
  });
  to.setWeights(tensors);
  tf.dispose(tensors);
}

function tfjsRunner(model: tf.Sequential, data: Data): Runner {
  const optimizer = tf.train.adam(1e-3);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    library: 'tfjs',
    trainStep(i) {
      const { x, onehot } = data.tfjs[i % data.tfjs.length];
      const loss = tf.tidy(() => {
        const cost = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(onehot, model.apply(x, { training: true }) as tf.Tensor2D) as tf.Scalar,
          true,
          varList,
        );
        if (!cost) throw new Error('tfjs minimize returned no loss');
        return cost;
      });
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    },
    infer() {
      const first = tf.tidy(() => {
        const probs = tf.softmax(model.predict(data.tfjsInfer) as tf.Tensor2D);
        return probs.dataSync()[0];
      });
      if (!Number.isFinite(first)) throw new Error('tfjs inference produced a non-finite value');
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Protocol

interface LibraryResult {
  library: 'fovea' | 'tfjs';
  train: {
    stepsPerRepeat: number;
    imagesPerSecond: Spread;
    secondsPerRepeat: number[];
    /** Loss of every step this library took, warm-up included, in order. */
    losses: number[];
    meanLossLast: number;
  };
  infer: { callsPerRepeat: number; imagesPerSecond: Spread };
}

interface ModelResult {
  model: string;
  parameters: number;
  fovea: LibraryResult;
  tfjs: LibraryResult | null;
  ratio: { train: number | null; infer: number | null };
  /** Mean loss of both over the same step window (same batches, same initial weights). */
  lossCheck: { window: [number, number]; fovea: number; tfjs: number; initialFovea: number; initialTfjs: number } | null;
  /** Live tfjs tensors before and after the timed repeats (equal: nothing leaked). */
  tfjsTensors: { beforeRepeats: number; afterRepeats: number } | null;
  /** 1-minute load average around the timed repeats: above ~1 on a 2-core machine, something else was running. */
  loadAverage1m: { before: number; after: number };
}

/** How many calls of `fn` (timed once per call after the first) fill `seconds`. */
function calibrate(fn: () => void, seconds: number, probeCalls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < probeCalls; i++) fn();
  const perCall = (performance.now() - t0) / 1000 / probeCalls;
  return Math.max(1, Math.ceil(seconds / perCall));
}

function log(msg: string): void {
  process.stderr.write(msg + '\n');
}

async function benchModel(name: string, data: Data, opts: Options, inputShape: number[]): Promise<ModelResult> {
  const fModel = createZooModel(name, { seed: 0 });
  const runners: Runner[] = [foveaRunner(fModel, data)];
  if (opts.tfjs) {
    const tModel = tfjsModel(name, inputShape);
    copyWeights(fModel, tModel);
    runners.push(tfjsRunner(tModel, data));
  }
  const bs = opts.batchSize;
  const state = runners.map((r) => ({
    runner: r,
    step: 0,
    losses: [] as number[],
    trainRates: [] as number[],
    trainSeconds: [] as number[],
    inferRates: [] as number[],
    trainSteps: 0,
    inferCalls: 0,
  }));

  // Warm-up (JIT tier-up, first allocations) and calibration: each library's step count is chosen
  // from its own warm speed so that a repeat takes about opts.seconds (at least one step).
  for (const s of state) {
    // Up to 3 warm-up steps (1 with --quick), stopping early once they have taken opts.seconds.
    const maxWarm = opts.quick ? 1 : 3;
    const t0 = performance.now();
    let warm = 0;
    while (warm < maxWarm && (warm === 0 || (performance.now() - t0) / 1000 < opts.seconds)) {
      s.losses.push(s.runner.trainStep(s.step++));
      warm++;
    }
    const warmSec = (performance.now() - t0) / 1000;
    const probe = warmSec / warm > opts.seconds / 4 ? 1 : Math.min(5, Math.max(1, Math.floor(opts.seconds / 4 / (warmSec / warm))));
    const t1 = performance.now();
    for (let i = 0; i < probe; i++) s.losses.push(s.runner.trainStep(s.step++));
    const perStep = (performance.now() - t1) / 1000 / probe;
    s.trainSteps = Math.max(1, Math.round(opts.seconds / perStep));
    s.runner.infer();
    s.inferCalls = calibrate(() => s.runner.infer(), opts.seconds / 2, 1);
    log(`  ${name} ${s.runner.library}: warm-up ${warm + probe} steps, ${(perStep * 1000).toFixed(0)} ms/step → ${s.trainSteps} steps/repeat, ${s.inferCalls} inference calls/repeat`);
  }

  // tfjs tensors alive before the timed repeats; the same count after them means no leak.
  const tensorsBefore = opts.tfjs ? tf.memory().numTensors : 0;
  const loadBefore = os.loadavg()[0];

  // Timed repeats, interleaved: fovea, tfjs, fovea, tfjs, …
  for (let r = 0; r < opts.repeats; r++) {
    for (const s of state) {
      const t0 = performance.now();
      for (let i = 0; i < s.trainSteps; i++) s.losses.push(s.runner.trainStep(s.step++));
      const sec = (performance.now() - t0) / 1000;
      s.trainSeconds.push(sec);
      s.trainRates.push((s.trainSteps * bs) / sec);
      const t1 = performance.now();
      for (let i = 0; i < s.inferCalls; i++) s.runner.infer();
      s.inferRates.push((s.inferCalls * opts.inferBatch) / ((performance.now() - t1) / 1000));
    }
    log(`  ${name} repeat ${r + 1}/${opts.repeats}: ` + state.map((s) => `${s.runner.library} ${s.trainRates[r].toFixed(0)} img/s train, ${s.inferRates[r].toFixed(0)} img/s infer`).join('; '));
  }

  const tensorsAfter = opts.tfjs ? tf.memory().numTensors : 0;
  const loadAfter = os.loadavg()[0];
  if (tensorsAfter !== tensorsBefore) log(`  warning: tfjs tensor count went from ${tensorsBefore} to ${tensorsAfter} during the timed repeats (leak?)`);

  const results: LibraryResult[] = state.map((s) => ({
    library: s.runner.library,
    train: {
      stepsPerRepeat: s.trainSteps,
      imagesPerSecond: spread(s.trainRates),
      secondsPerRepeat: s.trainSeconds,
      losses: s.losses,
      meanLossLast: mean(s.losses.slice(-s.trainSteps)),
    },
    infer: { callsPerRepeat: s.inferCalls, imagesPerSecond: spread(s.inferRates) },
  }));
  for (const s of state) s.runner.dispose();
  const [fovea, tfjsRes] = [results[0], results[1] ?? null];

  let lossCheck: ModelResult['lossCheck'] = null;
  if (tfjsRes) {
    const common = Math.min(fovea.train.losses.length, tfjsRes.train.losses.length);
    const lo = Math.max(0, common - Math.max(5, Math.floor(common / 4)));
    lossCheck = {
      window: [lo, common],
      fovea: mean(fovea.train.losses.slice(lo, common)),
      tfjs: mean(tfjsRes.train.losses.slice(lo, common)),
      initialFovea: fovea.train.losses[0],
      initialTfjs: tfjsRes.train.losses[0],
    };
  }
  return {
    model: name,
    parameters: fModel.countParameters(),
    fovea,
    tfjs: tfjsRes,
    ratio: {
      train: tfjsRes ? fovea.train.imagesPerSecond.median / tfjsRes.train.imagesPerSecond.median : null,
      infer: tfjsRes ? fovea.infer.imagesPerSecond.median / tfjsRes.infer.imagesPerSecond.median : null,
    },
    lossCheck,
    tfjsTensors: opts.tfjs ? { beforeRepeats: tensorsBefore, afterRepeats: tensorsAfter } : null,
    loadAverage1m: { before: loadBefore, after: loadAfter },
  };
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtRate(s: Spread): string {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function report(results: ModelResult[]): string {
  const rows: string[][] = [['model', 'task', 'fovea img/s (min–max)', 'tfjs-cpu img/s (min–max)', 'fovea/tfjs']];
  for (const m of results) {
    rows.push([m.model, 'train b64', fmtRate(m.fovea.train.imagesPerSecond), m.tfjs ? fmtRate(m.tfjs.train.imagesPerSecond) : '-', m.ratio.train !== null ? `${m.ratio.train.toFixed(2)}×` : '-']);
    rows.push([m.model, 'infer b256', fmtRate(m.fovea.infer.imagesPerSecond), m.tfjs ? fmtRate(m.tfjs.infer.imagesPerSecond) : '-', m.ratio.infer !== null ? `${m.ratio.infer.toFixed(2)}×` : '-']);
  }
  const lines = [table(rows), ''];
  for (const m of results) {
    const f = m.fovea.train;
    let s = `${m.model}: ${m.parameters} parameters; steps/repeat fovea ${f.stepsPerRepeat}`;
    if (m.tfjs) s += `, tfjs ${m.tfjs.train.stepsPerRepeat}`;
    s += `; mean loss over fovea's last repeat ${f.meanLossLast.toFixed(4)} (after ${f.losses.length} steps)`;
    if (m.tfjs) s += `, tfjs's last repeat ${m.tfjs.train.meanLossLast.toFixed(4)} (after ${m.tfjs.train.losses.length} steps)`;
    lines.push(s);
    lines.push(`  1-min load average before/after the timed repeats: ${m.loadAverage1m.before.toFixed(2)} / ${m.loadAverage1m.after.toFixed(2)}` +
      (m.tfjsTensors ? `; tfjs live tensors before/after: ${m.tfjsTensors.beforeRepeats} / ${m.tfjsTensors.afterRepeats}` : ''));
    if (m.lossCheck) {
      const c = m.lossCheck;
      lines.push(
        `  loss check (same initial weights, same batches): step 0 fovea ${c.initialFovea.toFixed(4)} / tfjs ${c.initialTfjs.toFixed(4)}; ` +
          `mean over steps ${c.window[0]}–${c.window[1] - 1}: fovea ${c.fovea.toFixed(4)} / tfjs ${c.tfjs.toFixed(4)}`,
      );
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const wall0 = performance.now();
  if (opts.tfjs) {
    await tf.setBackend('cpu');
    await tf.ready();
  }
  const foveaBackend = getBackend().name;
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    tfjs: tf.version.tfjs,
    tfjsBackend: opts.tfjs ? tf.getBackend() : null,
    foveaBackend,
    loadAverage: os.loadavg(),
  };
  console.log(`Fovea training throughput benchmark (fovea backend '${foveaBackend}' vs TensorFlow.js ${machine.tfjs} '${machine.tfjsBackend ?? 'off'}')`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.totalMemGiB} GiB; ${machine.platform}; node ${machine.node}; load avg ${machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}`);

  const ds = await loadDataset('mnist');
  const data = prepareData(ds.train, ds.test, opts);
  const inputShape = [ds.train.height, ds.train.width, ds.train.channels];
  console.log(
    `data: MNIST (${ds.location}), first ${data.fovea.length * opts.batchSize} training images as ${data.fovea.length} fixed batches of ${opts.batchSize} (cycled, same order for both), ` +
      `inference on ${opts.inferBatch} test images; Adam lr 1e-3; ${opts.repeats} interleaved repeats of ~${opts.seconds} s${opts.quick ? ' (--quick)' : ''}`,
  );

  const results: ModelResult[] = [];
  for (const name of opts.models) {
    log(`${name}:`);
    results.push(await benchModel(name, data, opts, inputShape));
  }
  const wallSeconds = (performance.now() - wall0) / 1000;

  console.log('');
  console.log(report(results));
  console.log(`\nimages/s: median over repeats (min–max); fovea/tfjs is the ratio of medians. wall time ${wallSeconds.toFixed(1)} s`);

  const json = {
    benchmark: 'train-throughput',
    date: new Date().toISOString(),
    machine,
    options: { ...opts, jsonPath: undefined },
    data: { dataset: 'mnist', source: ds.location, trainImages: data.fovea.length * opts.batchSize, batchSize: opts.batchSize, inferBatch: opts.inferBatch, random: false },
    wallSeconds,
    results,
  };
  await fs.mkdir(path.dirname(path.resolve(opts.jsonPath)), { recursive: true });
  await fs.writeFile(opts.jsonPath, JSON.stringify(json, null, 2) + '\n');
  console.log(`results written to ${opts.jsonPath}`);
  tf.dispose([...data.tfjs.flatMap((b) => [b.x, b.onehot]), data.tfjsInfer]);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
