/**
 * One library configuration of bench/compare.ts in its own process (so that thread settings such
 * as FOVEA_THREADS apply from the start, and libraries cannot disturb one another). Reads
 * requests (protocol.ts) from stdin, replies on fd 3. Libraries other than Fovea and
 * TensorFlow.js are optional npm packages, loaded with import() by name.
 */
import '../../src/platform/node.js';
import { readFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { useBackend } from '../../src/backend/registry.js';
import { createZooModel } from '../../src/models/zoo.js';
import { Adam } from '../../src/optim/index.js';
import { Rng, Tensor } from '../../src/tensor/index.js';
import { createTrainStep, predict } from '../../src/train/index.js';
import { isChain, isTrainable, type LayerSpec, layerWeights, layerWeightSpecs, logitLayers, type ModelSpec, nhwcToNchw, SPEC_INPUT } from './model-spec.js';
import { exportOnnx } from './onnx-export.js';
import { imageSize, type ModelSection, type Reply, type Request, type RunnerConfig, type RunResult, type Section, type SetupInfo, type TaskName } from './protocol.js';

/** The optional libraries are loaded by name at run time and used untyped. */
type Any = any;

interface Session {
  info: SetupInfo;
  run(task: TaskName, calls: number): RunResult | Promise<RunResult>;
}

/** An architecture the library cannot express: reported as 'unsupported', not as a failure. */
function unsupported(message: string): Error {
  return new Error(`unsupported: ${message}`);
}

/** import() of an optional package by name (a variable, so that TypeScript does not need it installed). */
async function optionalImport(name: string): Promise<Any> {
  const mod: Any = await import(name);
  return mod.default ?? mod;
}

/** The version in an installed package's package.json ('fovea': this repository's). */
function packageVersion(name: string): string {
  if (name === 'fovea') return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
  try {
    const main = import.meta.resolve(name);
    let dir = path.dirname(new URL(main).pathname);
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
        if (pkg.name === name) return pkg.version;
      } catch {
        /* keep looking upwards */
      }
      dir = path.dirname(dir);
    }
  } catch {
    /* not installed */
  }
  return 'unknown';
}

// ---------------------------------------------------------------------------------------------
// The data and model every library loads (written by the coordinator)

interface ModelData {
  spec: ModelSpec;
  weights: Float32Array;
  trainX: Float32Array[];
  trainY: Int32Array[];
  inferX: Float32Array;
}

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function loadModelData(s: ModelSection): ModelData {
  const spec = JSON.parse(readFileSync(path.join(s.dir, 'spec.json'), 'utf8')) as ModelSpec;
  const per = imageSize(spec.inputShape) * s.batchSize;
  const x = readF32(path.join(s.dir, 'train-x.f32'));
  const yb = readFileSync(path.join(s.dir, 'train-y.i32'));
  const y = new Int32Array(yb.buffer.slice(yb.byteOffset, yb.byteOffset + yb.byteLength));
  const trainX: Float32Array[] = [];
  const trainY: Int32Array[] = [];
  for (let b = 0; b < s.trainBatches; b++) {
    trainX.push(x.slice(b * per, (b + 1) * per));
    trainY.push(y.slice(b * s.batchSize, (b + 1) * s.batchSize));
  }
  return { spec, weights: readF32(path.join(s.dir, 'weights.f32')), trainX, trainY, inferX: readF32(path.join(s.dir, 'infer-x.f32')) };
}

function timeCalls(calls: number, fn: (i: number) => void): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) fn(i);
  return (performance.now() - t0) / 1000;
}

async function timeCallsAsync(calls: number, fn: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await fn(i);
  return (performance.now() - t0) / 1000;
}

function gemmSize(task: TaskName): number {
  const m = /^gemm-(\d+)$/.exec(task);
  if (!m) throw new Error(`unknown task '${task}'`);
  return Number(m[1]);
}

function randomMatrix(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform() - 0.5;
  return a;
}

// ---------------------------------------------------------------------------------------------
// Fovea

async function foveaSession(runner: RunnerConfig, section: Section): Promise<Session> {
  const backend = await useBackend(runner.backend ?? 'wasm');
  const threads = (backend as { threads?: number }).threads ?? 1;
  const info: SetupInfo = { versions: { fovea: packageVersion('fovea') }, backend: backend.name, threads, notes: [], unsupported: {} };
  if (runner.threads !== undefined && runner.threads !== threads) {
    info.notes.push(`asked for ${runner.threads} thread(s) (FOVEA_THREADS), backend '${backend.name}' computes with ${threads}`);
  }
  if (section.kind === 'gemm') {
    const rng = new Rng(7);
    const mats = new Map(section.sizes.map((n) => [n, { a: backend.adopt(randomMatrix(n, rng)), b: backend.adopt(randomMatrix(n, rng)) }]));
    return {
      info,
      run(task, calls) {
        const n = gemmSize(task);
        const { a, b } = mats.get(n)!;
        return { seconds: timeCalls(calls, () => backend.scope(() => void backend.gemm(a, b, n, n, n, false, false))) };
      },
    };
  }
  const data = loadModelData(section);
  const model = createZooModel(section.name, { seed: section.seed });
  const shape = data.spec.inputShape;
  const trainX = data.trainX.map((x) => new Tensor(x, [section.batchSize, ...shape]));
  const inferX = new Tensor(data.inferX, [section.inferBatch, ...shape]);
  const step = createTrainStep(model, { optimizer: new Adam({ learningRate: section.learningRate }), rng: new Rng(1) });
  let cursor = 0;
  return {
    info,
    run(task, calls) {
      if (task === 'train') {
        const losses: number[] = [];
        const seconds = timeCalls(calls, () => {
          const b = cursor++ % trainX.length;
          losses.push(step(trainX[b], data.trainY[b]));
        });
        return { seconds, losses };
      }
      let probe: number[] = [];
      const seconds = timeCalls(calls, (i) => {
        const p = predict(model, inferX);
        if (i === 0) probe = Array.from(p.data.subarray(0, data.spec.numClasses));
      });
      return { seconds, probe };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// TensorFlow.js (cpu or wasm backend)

/** The TensorFlow.js layer of one spec layer (Keras semantics, channels-last like Fovea). */
function tfjsLayer(tf: Any, l: LayerSpec, first: object): Any {
  const L = tf.layers;
  const act = (a: string) => {
    if (a === 'leakyRelu') throw unsupported('leakyRelu inside a layer has no TensorFlow.js equivalent here');
    return a;
  };
  const padding = (p: string) => {
    if (p === 'explicit') throw unsupported('explicit padding has no TensorFlow.js layer equivalent');
    return p;
  };
  switch (l.kind) {
    case 'conv':
      return L.conv2d({ ...first, filters: l.filters, kernelSize: l.kernel, strides: l.strides, dilationRate: l.dilation, padding: padding(l.padding), activation: act(l.activation), useBias: l.useBias });
    case 'pool': {
      const args = { ...first, poolSize: l.pool, strides: l.strides, padding: padding(l.padding) };
      return l.op === 'max' ? L.maxPooling2d(args) : L.averagePooling2d(args);
    }
    case 'flatten':
      return L.flatten(first);
    case 'dense':
      return L.dense({ ...first, units: l.units, activation: act(l.activation), useBias: l.useBias });
    case 'dropout':
      return L.dropout({ ...first, rate: l.rate });
    case 'activation':
      return l.activation === 'leakyRelu' ? L.leakyReLU({ ...first, alpha: l.alpha }) : L.activation({ ...first, activation: l.activation });
    case 'batchnorm':
      // Keras momentum, as Fovea's: moving ← momentum·moving + (1 − momentum)·batch.
      return L.batchNormalization({ ...first, axis: -1, momentum: l.momentum, epsilon: l.epsilon, center: l.center, scale: l.scale });
    case 'add':
      return L.add(first);
    case 'globalAvgPool':
    case 'globalMaxPool':
      if (l.keepdims) throw unsupported('global pooling with keepdims has no TensorFlow.js layer equivalent');
      return l.kind === 'globalAvgPool' ? L.globalAveragePooling2d(first) : L.globalMaxPooling2d(first);
  }
}

/**
 * The model in TensorFlow.js, outputting logits, with Fovea's initial weights: a tf.sequential
 * when the layers form a chain, else a functional tf.model wired by each layer's inbound names.
 */
function tfjsModel(tf: Any, spec: ModelSpec, weights: Float32Array): Any {
  const layers = logitLayers(spec);
  const made: Any[] = [];
  let model: Any;
  if (isChain(spec)) {
    layers.forEach((l, i) => made.push(tfjsLayer(tf, l, i === 0 ? { inputShape: spec.inputShape } : {})));
    model = tf.sequential({ layers: made });
  } else {
    const input = tf.input({ shape: spec.inputShape });
    const outputs = new Map<string, Any>([[SPEC_INPUT, input]]);
    for (const l of layers) {
      const layer = tfjsLayer(tf, l, {});
      const inputs = l.inbound.map((name) => outputs.get(name));
      outputs.set(l.name, layer.apply(inputs.length === 1 ? inputs[0] : inputs));
      made.push(layer);
    }
    model = tf.model({ inputs: input, outputs: outputs.get(layers[layers.length - 1].name) });
  }
  // Weights layer by layer, in each layer's own order (kernel, bias; gamma, beta, moving mean, moving variance).
  made.forEach((layer, i) => {
    const specs = layerWeightSpecs(spec, i);
    const want = layer.getWeights().map((t: Any) => t.shape as number[]);
    if (want.length !== specs.length) throw new Error(`layer ${layers[i].name}: fovea has ${specs.length} weights, tfjs ${want.length}`);
    if (!specs.length) return;
    layer.setWeights(
      specs.map((w, k) => {
        if (want[k].join() !== w.shape.join()) throw new Error(`layer ${layers[i].name} weight ${w.name}: fovea [${w.shape}] vs tfjs [${want[k]}]`);
        return tf.tensor(weights.subarray(w.offset, w.offset + w.shape.reduce((a, b) => a * b, 1)), w.shape);
      }),
    );
  });
  const trainable = spec.weights.filter((w) => isTrainable(w.name)).length;
  if (model.trainableWeights.length !== trainable) throw new Error(`trainable weight count differs: fovea ${trainable}, tfjs ${model.trainableWeights.length}`);
  return model;
}

async function tfjsSession(runner: RunnerConfig, section: Section): Promise<Session> {
  const tf = await optionalImport('@tensorflow/tfjs');
  const backendName = runner.backend ?? 'cpu';
  const info: SetupInfo = { versions: { tfjs: tf.version.tfjs }, notes: [], unsupported: {} };
  if (backendName === 'wasm') {
    const wasm = await optionalImport('@tensorflow/tfjs-backend-wasm');
    if (runner.threads) wasm.setThreadsCount(runner.threads);
    info.versions['tfjs-backend-wasm'] = wasm.version_wasm;
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
    await tf.ready();
    info.threads = wasm.getThreadsCount();
    if (runner.threads && info.threads !== runner.threads) {
      info.notes.push(`setThreadsCount(${runner.threads}) is ignored under Node: tfjs-backend-wasm runs ${info.threads} thread(s) (its threaded build needs a browser's cross-origin isolation)`);
    }
  } else {
    if (!(await tf.setBackend(backendName))) throw new Error(`tf.setBackend("${backendName}") failed`);
    await tf.ready();
    info.threads = 1;
  }
  info.backend = tf.getBackend();

  if (section.kind === 'gemm') {
    const mats = new Map(section.sizes.map((n) => [n, { a: tf.randomUniform([n, n], -0.5, 0.5), b: tf.randomUniform([n, n], -0.5, 0.5) }]));
    return {
      info,
      run(task, calls) {
        const n = gemmSize(task);
        const { a, b } = mats.get(n)!;
        return { seconds: timeCalls(calls, () => tf.tidy(() => void tf.matMul(a, b).dataSync())) };
      },
    };
  }

  const data = loadModelData(section);
  const { spec } = data;
  const model = tfjsModel(tf, spec, data.weights);
  const shape = [section.batchSize, ...spec.inputShape];
  const xs = data.trainX.map((x) => tf.tensor(x, shape));
  const ys = data.trainY.map((y) => tf.oneHot(tf.tensor1d(y, 'int32'), spec.numClasses).toFloat());
  const inferX = tf.tensor(data.inferX, [section.inferBatch, ...spec.inputShape]);
  const optimizer = tf.train.adam(section.learningRate, 0.9, 0.999, 1e-7);
  const varList = model.trainableWeights.map((w: Any) => w.read());
  let cursor = 0;
  return {
    info,
    run(task, calls) {
      if (task === 'train') {
        const losses: number[] = [];
        const seconds = timeCalls(calls, () => {
          const b = cursor++ % xs.length;
          const loss = tf.tidy(() => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys[b], model.apply(xs[b], { training: true })), true, varList));
          losses.push(loss.dataSync()[0]);
          loss.dispose();
        });
        return { seconds, losses };
      }
      let probe: number[] = [];
      const seconds = timeCalls(calls, (i) => {
        const p: Float32Array = tf.tidy(() => tf.softmax(model.predict(inferX)).dataSync());
        if (i === 0) probe = Array.from(p.subarray(0, spec.numClasses));
      });
      return { seconds, probe };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// ConvNetJS (npm convnetjs 0.3.0)

function convnetjsDefs(spec: ModelSpec, notes: string[]): Any[] {
  const [h, w, c] = spec.inputShape;
  const defs: Any[] = [{ type: 'input', out_sx: w, out_sy: h, out_depth: c }];
  const layers = spec.layers;
  if (!isChain(spec)) throw unsupported('graph models (skip connections: Add) have no ConvNetJS equivalent: its Net is a stack of layers');
  const actName = (a: string) => {
    if (a === 'linear') return undefined;
    if (a === 'relu' || a === 'sigmoid' || a === 'tanh') return a;
    throw unsupported(`activation '${a}' has no ConvNetJS layer`);
  };
  const symmetricPad = (pads: number[], what: string) => {
    const [t, b, l, r] = pads;
    if (!(t === b && l === r && t === l)) throw unsupported(`${what}: ConvNetJS pads all sides equally, the model pads [${pads}]`);
    return t;
  };
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    const nextIsSoftmax = i === layers.length - 2 && layers[i + 1].kind === 'activation' && (layers[i + 1] as { activation: string }).activation === 'softmax';
    switch (l.kind) {
      case 'conv':
        if (l.strides[0] !== l.strides[1] || l.dilation[0] !== 1 || l.dilation[1] !== 1) throw unsupported('ConvNetJS convolutions have one stride and no dilation');
        defs.push({ type: 'conv', sx: l.kernel[1], sy: l.kernel[0], filters: l.filters, stride: l.strides[0], pad: symmetricPad(l.pads, 'conv'), activation: actName(l.activation) });
        break;
      case 'pool':
        if (l.op !== 'max') throw unsupported('ConvNetJS has max pooling only');
        if (l.strides[0] !== l.strides[1]) throw unsupported('ConvNetJS pooling has one stride');
        defs.push({ type: 'pool', sx: l.pool[1], sy: l.pool[0], stride: l.strides[0], pad: symmetricPad(l.pads, 'pool') });
        break;
      case 'flatten':
        break; // fully connected layers take any volume, flattened in (y, x, depth) order: Fovea's NHWC order
      case 'dense':
        if ((last && l.activation === 'softmax') || (nextIsSoftmax && l.activation === 'linear')) {
          defs.push({ type: 'softmax', num_classes: l.units }); // ConvNetJS adds the fully connected layer itself
        } else defs.push({ type: 'fc', num_neurons: l.units, activation: actName(l.activation) });
        break;
      case 'dropout':
        defs.push({ type: 'dropout', drop_prob: l.rate });
        break;
      case 'activation':
        if (l.activation === 'softmax' && last) break;
        defs.push({ type: actName(l.activation) });
        break;
      case 'batchnorm':
        throw unsupported('ConvNetJS has no batch normalisation layer');
      case 'globalAvgPool':
      case 'globalMaxPool':
        throw unsupported('ConvNetJS has no global pooling layer');
      case 'add':
        throw unsupported('ConvNetJS has no Add layer (skip connections)');
    }
  });
  if (defs[defs.length - 1].type !== 'softmax') throw unsupported('ConvNetJS needs the model to end in a Dense softmax classifier');
  notes.push(
    'ConvNetJS computes in float64 (its volumes are Float64Array), one image at a time (no batched kernels); npm convnetjs 0.3.0 has no Adam, so it trains with SGD momentum 0.9, weights updated every 64 images; its dropout scales at test time, not while training',
  );
  return defs;
}

async function convnetjsSession(_runner: RunnerConfig, section: Section): Promise<Session> {
  if (section.kind !== 'model') throw new Error('ConvNetJS takes part in the model sections only');
  const cn = await optionalImport('convnetjs');
  const info: SetupInfo = { versions: { convnetjs: packageVersion('convnetjs') }, threads: 1, notes: [], unsupported: {} };
  const data = loadModelData(section);
  const { spec } = data;
  const net = new cn.Net();
  net.makeLayers(convnetjsDefs(spec, info.notes));
  // Copy Fovea's initial weights: conv filters are Vol(kW, kH, inC) indexed ((kW·y)+x)·inC+d; fc filters Vol(1, 1, in).
  const convs = net.layers.filter((l: Any) => l.layer_type === 'conv');
  const fcs = net.layers.filter((l: Any) => l.layer_type === 'fc');
  const convSpecs = spec.layers.map((l, i) => [l, i] as const).filter(([l]) => l.kind === 'conv');
  const denseSpecs = spec.layers.map((l, i) => [l, i] as const).filter(([l]) => l.kind === 'dense');
  if (convs.length !== convSpecs.length || fcs.length !== denseSpecs.length) throw new Error('ConvNetJS network does not have the same layers');
  const copy = (target: Any, [, index]: readonly [LayerSpec, number]) => {
    const w = layerWeights(spec, data.weights, index);
    const outC = w.kernelShape![w.kernelShape!.length - 1];
    const per = w.kernel!.length / outC;
    for (let o = 0; o < outC; o++) {
      const f = target.filters[o].w;
      for (let k = 0; k < per; k++) f[k] = w.kernel![k * outC + o];
      target.biases.w[o] = w.bias ? w.bias[o] : 0;
    }
  };
  convs.forEach((layer: Any, i: number) => copy(layer, convSpecs[i]));
  fcs.forEach((layer: Any, i: number) => copy(layer, denseSpecs[i]));

  const [h, w, c] = spec.inputShape;
  const per = h * w * c;
  const vol = (x: Float32Array, n: number) => {
    const v = new cn.Vol(w, h, c, 0.0);
    v.w.set(x.subarray(n * per, (n + 1) * per));
    return v;
  };
  const trainVols = data.trainX.map((x) => Array.from({ length: section.batchSize }, (_, n) => vol(x, n)));
  const inferVols = Array.from({ length: section.inferBatch }, (_, n) => vol(data.inferX, n));
  const trainer = new cn.Trainer(net, { method: 'sgd', learning_rate: section.learningRate, momentum: 0.9, batch_size: section.batchSize, l2_decay: 0 });
  let cursor = 0;
  return {
    info,
    run(task, calls) {
      if (task === 'train') {
        const losses: number[] = [];
        const seconds = timeCalls(calls, () => {
          const b = cursor++ % trainVols.length;
          let sum = 0;
          const labels = data.trainY[b];
          for (let n = 0; n < section.batchSize; n++) sum += trainer.train(trainVols[b][n], labels[n]).cost_loss;
          losses.push(sum / section.batchSize);
        });
        return { seconds, losses };
      }
      let probe: number[] = [];
      const seconds = timeCalls(calls, (i) => {
        for (let n = 0; n < inferVols.length; n++) {
          const out = net.forward(inferVols[n], false);
          if (i === 0 && n === 0) probe = Array.from(out.w as Float64Array);
        }
      });
      return { seconds, probe };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// onnxruntime-node (inference), on the model exported to ONNX

async function onnxruntimeSession(runner: RunnerConfig, section: Section): Promise<Session> {
  if (section.kind !== 'model') throw new Error('onnxruntime takes part in the model sections only');
  const ort = await optionalImport('onnxruntime-node');
  const onnx = (await optionalImport('onnx-proto')).onnx;
  const threads = runner.threads ?? 1;
  const info: SetupInfo = {
    versions: { 'onnxruntime-node': ort.env?.versions?.node ?? packageVersion('onnxruntime-node'), 'onnx-proto': packageVersion('onnx-proto') },
    threads,
    notes: [`model exported to ONNX opset 13 (NCHW input; the inputs are transposed once, before timing); intra-op threads ${threads}`],
    unsupported: { train: 'inference only (onnxruntime-node has no training API)' },
  };
  const data = loadModelData(section);
  const { spec } = data;
  const bytes = exportOnnx(onnx, spec, data.weights);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const [h, w, c] = spec.inputShape;
  const input = new ort.Tensor('float32', nhwcToNchw(data.inferX, [section.inferBatch, h, w, c]), [section.inferBatch, c, h, w]);
  return {
    info,
    async run(task, calls) {
      if (task !== 'infer') throw new Error(`onnxruntime cannot run '${task}'`);
      let probe: number[] = [];
      const seconds = await timeCallsAsync(calls, async (i) => {
        const out = await session.run({ input });
        if (i === 0) probe = Array.from((out.probabilities.data as Float32Array).subarray(0, spec.numClasses));
      });
      return { seconds, probe };
    },
  };
}

// ---------------------------------------------------------------------------------------------

const SESSIONS: Record<string, (runner: RunnerConfig, section: Section) => Promise<Session>> = {
  fovea: foveaSession,
  tfjs: tfjsSession,
  convnetjs: convnetjsSession,
  onnxruntime: onnxruntimeSession,
};

function reply(message: Reply): void {
  writeSync(3, JSON.stringify(message) + '\n');
}

async function main(): Promise<void> {
  let session: Session | null = null;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const request = JSON.parse(line) as Request;
    try {
      if (request.cmd === 'quit') break;
      if (request.cmd === 'setup') {
        const make = SESSIONS[request.runner.library];
        if (!make) throw new Error(`library '${request.runner.library}' is not run by the Node worker`);
        session = await make(request.runner, request.section);
        reply({ id: request.id, ok: true, setup: session.info });
      } else {
        if (!session) throw new Error('run before setup');
        if (session.info.unsupported[request.task]) throw new Error(session.info.unsupported[request.task]);
        reply({ id: request.id, ok: true, run: await session.run(request.task, request.calls) });
      }
    } catch (e) {
      reply({ id: request.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  // Worker pools (Fovea wasm threads, onnxruntime) must not keep the process alive.
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`compare worker: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
