/**
 * The engine worker: Fovea itself, on the wasm backend with threads, off the page's thread. The page
 * talks to it through `EngineClient` (client.ts) with the messages of protocol.ts. Models live in
 * named slots, one dataset at a time; training awaits between steps so that pause, resume and stop
 * (and other requests) are answered while it runs.
 */
import wasmUrl from '../../../dist/wasm/fovea-kernels.wasm?url';
import {
  browserPlatform,
  checkLayerList,
  createImageDataset,
  createOptimizer,
  createWasmBackend,
  createZooModel,
  decodeSafetensors,
  assignWeights,
  featureMaps,
  filterTiles,
  fit,
  fitImage,
  formatLayerList,
  gradCam,
  layerFilters,
  readModel,
  modelFromJson,
  readModelZip,
  modelToZip,
  benchmarkModel,
  type ImageDataset,
  type Network,
  isGzip,
  parseIdx,
  predict,
  Sequential,
  sequentialFromLayerList,
  getBackend,
  setBackend,
  setKernelWorkerFactory,
  splitDataset,
  Tensor,
  colormapRgb,
} from 'fovea/browser';
import type {
  DatasetImages,
  DatasetSource,
  EpochResult,
  Evaluation,
  FilterImage,
  FolderFile,
  ModelInfo,
  ModelSource,
  Prediction,
  ReplyMessage,
  RequestMessage,
  Requests,
  RequestType,
  TrainConfig,
  WorkerEvent,
  ControlMessage,
  ModelSlot,
} from './protocol.js';

const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<RequestMessage | ControlMessage>) => void) | null;
  crossOriginIsolated?: boolean;
  location: { href: string };
};

setKernelWorkerFactory(() => new Worker(new URL('./kernel-worker.ts', import.meta.url), { type: 'module', name: 'fovea-kernels' }));

const models = new Map<ModelSlot, Network>();
let data: { train: ImageDataset; test: ImageDataset } | null = null;
let training: { paused: boolean; stop: boolean; wake: (() => void) | null } | null = null;

class TrainingStopped extends Error {}

const post = (message: WorkerEvent | ReplyMessage, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

function describe(m: Network, testAccuracy: number | null = null): ModelInfo {
  return {
    name: m.name,
    classNames: m.classNames ?? Array.from({ length: m.outputShape[m.outputShape.length - 1] }, (_, i) => String(i)),
    inputShape: [...(m.inputShape ?? [])],
    params: m.countParameters(),
    summary: m.summary(),
    testAccuracy,
  };
}

function requireModel(slot: ModelSlot): Network {
  const m = models.get(slot);
  if (!m) throw new Error(`no ${slot} model is loaded yet`);
  return m;
}

function requireData(): { train: ImageDataset; test: ImageDataset } {
  if (!data) throw new Error('no dataset is loaded yet');
  return data;
}

async function init(threads?: number): Promise<Requests['init']['result']> {
  const bytes = new Uint8Array(await (await fetch(wasmUrl)).arrayBuffer());
  const available = browserPlatform.hardwareConcurrency();
  const wanted = Math.min(threads ?? available, available);
  setBackend(await createWasmBackend({ wasmBytes: bytes, threads: wanted }));
  const isolated = scope.crossOriginIsolated === true;
  const note = isolated
    ? null
    : 'This page is not cross-origin isolated, so the browser refuses shared memory to workers: Fovea runs on 1 thread. Serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (fovea app does).';
  return { threads: wanted, crossOriginIsolated: isolated, note };
}

/** The test accuracy model.json's `training` records, if any. */
function recordedAccuracy(training: unknown): number | null {
  const value = (training as { testAccuracy?: unknown } | null)?.testAccuracy;
  return typeof value === 'number' ? value : null;
}

async function loadModelFrom(source: ModelSource): Promise<{ model: Network; testAccuracy: number | null }> {
  switch (source.kind) {
    case 'url': {
      const loaded = await readModel(source.base);
      return { model: loaded.model, testAccuracy: recordedAccuracy(loaded.training) };
    }
    case 'zip': {
      const loaded = readModelZip(source.bytes, source.fileName);
      return { model: loaded.model, testAccuracy: recordedAccuracy(loaded.training) };
    }
    case 'files': {
      const json: unknown = JSON.parse(new TextDecoder().decode(source.modelJson));
      const m = modelFromJson(json, 'model.json');
      assignWeights(m, decodeSafetensors(source.weights, 'weights.safetensors'));
      return { model: m, testAccuracy: recordedAccuracy((json as { training?: unknown }).training) };
    }
  }
}

function readLines(bytes: Uint8Array): string[] {
  return new TextDecoder().decode(bytes).split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

async function shippedDataset(name: string): Promise<{ train: ImageDataset; test: ImageDataset }> {
  // The worker runs from <app>/assets/ once built (from <app>/src/engine/ in the dev server); the data is in <app>/data/.
  const base = new URL(`data/${name}/`, scope.location.href.replace(/(assets|src\/engine)\/[^/]*$/, ''));
  // A server may send .gz files with Content-Encoding: gzip, and the browser then unpacks them itself.
  const file = async (f: string) => {
    const bytes = await browserPlatform.readUrl(new URL(f, base));
    return isGzip(bytes) ? browserPlatform.gunzip(bytes, 64 << 20) : bytes;
  };
  const classNames = readLines(await browserPlatform.readUrl(new URL('classes.txt', base)));
  const split = async (prefix: string, label: string) => {
    const images = parseIdx(await file(`${prefix}-images-idx3-ubyte.gz`), `${prefix}-images`);
    const labels = parseIdx(await file(`${prefix}-labels-idx1-ubyte.gz`), `${prefix}-labels`);
    return createImageDataset({
      name: `${name}/${label}`,
      images: images.data as Uint8Array,
      labels: Int32Array.from(labels.data as Uint8Array),
      height: images.dims[1],
      width: images.dims[2],
      channels: 1,
      classNames,
    });
  };
  return { train: await split('train', 'train'), test: await split('t10k', 'test') };
}

/** An image folder the user dropped: decoded, resized and centre-cropped; 20% of each class held out. */
async function folderDataset(files: FolderFile[], height: number, width: number, channels: 1 | 3): Promise<{ train: ImageDataset; test: ImageDataset; warnings: string[] }> {
  const classNames = [...new Set(files.map((f) => f.className))].sort();
  if (classNames.length < 2) throw new Error(`an image folder needs at least two class folders (root/<class>/image.png); found ${classNames.length}: ${classNames.join(', ') || 'none'}`);
  const size = height * width * channels;
  const images = new Uint8Array(files.length * size);
  const labels: number[] = [];
  const warnings: string[] = [];
  for (const f of files) {
    try {
      const img = await browserPlatform.decodeImage(f.bytes, f.name);
      fitImage(img, height, width, channels, images, labels.length * size);
      labels.push(classNames.indexOf(f.className));
    } catch (e) {
      warnings.push(`skipped ${f.className}/${f.name}: ${(e as Error).message}`);
    }
  }
  const empty = classNames.filter((_, c) => !labels.includes(c));
  if (empty.length) throw new Error(`class folder(s) with no readable image: ${empty.join(', ')}`);
  const all = createImageDataset({ name: 'folder', images: images.slice(0, labels.length * size), labels: Int32Array.from(labels), height, width, channels, classNames });
  const { train, validation } = splitDataset(all, 0.2, 0);
  return { train, test: validation, warnings };
}

/** The dataset a source names, with the files a folder had to skip. */
async function openDataset(source: DatasetSource): Promise<{ train: ImageDataset; test: ImageDataset; warnings: string[] }> {
  if (source.kind === 'shipped') return { ...(await shippedDataset(source.name)), warnings: [] };
  return folderDataset(source.files, source.height, source.width, source.channels);
}

async function loadData(source: DatasetSource): Promise<Requests['loadDataset']['result']> {
  const opened = await openDataset(source);
  data = { train: opened.train, test: opened.test };
  const asImages = (ds: ImageDataset): DatasetImages => ({
    name: ds.name,
    classNames: [...ds.classNames],
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    images: ds.images.slice(),
    labels: Int32Array.from(ds.labels),
  });
  return { train: asImages(opened.train), test: asImages(opened.test), warnings: opened.warnings };
}

function predictOne(m: Network, pixels: Float32Array, wantMaps: boolean, gradCamClass: number | 'top' | undefined): Prediction {
  const shape = m.inputShape ?? [];
  const image = new Tensor(pixels, [1, ...shape]);
  const probabilities = Array.from(predict(m, image).data);
  const result: Prediction = { probabilities };
  if (wantMaps) {
    result.featureMaps = featureMaps(m, image).map((f) => ({ layer: f.layer, type: f.type, shape: [...f.values.shape], values: f.values.data as Float32Array }));
  }
  if (gradCamClass !== undefined && m.layers.some((l) => (l.outputShape?.length ?? 0) === 3)) {
    const classIndex = gradCamClass === 'top' ? probabilities.indexOf(Math.max(...probabilities)) : gradCamClass;
    const cam = gradCam(m, image, classIndex);
    result.gradCam = { layer: cam.layer, classIndex, heatmap: cam.heatmap.data as Float32Array, height: cam.heatmap.shape[0], width: cam.heatmap.shape[1] };
  }
  return result;
}

function evaluateTest(m: Network): Evaluation {
  const { test } = requireData();
  const classes = m.outputShape[m.outputShape.length - 1];
  if (classes !== test.numClasses) throw new Error(`model '${m.name}' has ${classes} outputs but the dataset has ${test.numClasses} classes`);
  const per = test.height * test.width * test.channels;
  const predicted = new Int32Array(test.count);
  const confidence = new Float32Array(test.count);
  const trueClassProbability = new Float32Array(test.count);
  let correct = 0;
  const batch = 250;
  for (let start = 0; start < test.count; start += batch) {
    const n = Math.min(batch, test.count - start);
    const x = new Float32Array(n * per);
    for (let i = 0; i < n * per; i++) x[i] = test.images[start * per + i] / 255;
    const probs = predict(m, new Tensor(x, [n, test.height, test.width, test.channels])).data;
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[r * classes + c] > probs[r * classes + best]) best = c;
      const i = start + r;
      predicted[i] = best;
      confidence[i] = probs[r * classes + best];
      trueClassProbability[i] = probs[r * classes + test.labels[i]];
      if (best === test.labels[i]) correct++;
    }
  }
  return { predicted, confidence, trueClassProbability, accuracy: correct / test.count };
}

/** The first convolution's filters as RGBA tiles on one blue–white–red scale, or null. */
function firstFilters(m: Network): FilterImage | null {
  if (!m.layers.some((l) => l.type === 'Conv2D' || l.type === 'DepthwiseConv2D')) return null;
  const tiles = filterTiles(layerFilters(m));
  const [count, kh, kw, c] = tiles.tiles.shape;
  const size = Math.max(kh, kw);
  const rgba = new Uint8ClampedArray(count * size * size * 4);
  const range = tiles.range || 1;
  for (let t = 0; t < count; t++) {
    for (let p = 0; p < kh * kw; p++) {
      const o = (t * size * size + p) * 4;
      if (c === 3) {
        for (let k = 0; k < 3; k++) rgba[o + k] = Math.round(((tiles.tiles.data[(t * kh * kw + p) * 3 + k] / range + 1) / 2) * 255);
      } else {
        const [r, g, b] = colormapRgb('diverging', (tiles.tiles.data[t * kh * kw + p] / range + 1) / 2);
        rgba[o] = r;
        rgba[o + 1] = g;
        rgba[o + 2] = b;
      }
      rgba[o + 3] = 255;
    }
  }
  return { layer: tiles.description, count, size, rgba };
}

function buildArchitecture(arch: TrainConfig['architecture'], train: ImageDataset, seed: number, name: string): Network {
  const inputShape = [train.height, train.width, train.channels];
  if (arch.kind === 'zoo') return createZooModel(arch.name, { inputShape, numClasses: train.numClasses, seed });
  return sequentialFromLayerList(arch.text, inputShape, { seed, name });
}

async function train(config: TrainConfig): Promise<Requests['train']['result']> {
  if (training) throw new Error('a training run is already going; stop it first');
  const loaded = await openDataset(config.dataset);
  for (const warning of loaded.warnings) post({ event: 'warning', message: warning });
  data = { train: loaded.train, test: loaded.test };
  const m = buildArchitecture(config.architecture, loaded.train, config.seed, config.name);
  m.classNames = [...loaded.train.classNames];
  models.set('trained', m);
  const run = { paused: false, stop: false, wake: null as (() => void) | null };
  training = run;
  const epochs: EpochResult[] = [];
  let step = 0;
  let lastPost = 0;
  let trainingSeconds = 0;
  let imagesSinceStart = 0;
  let stepStart = performance.now();
  post({ event: 'state', state: 'running' });
  try {
    await fit(m, loaded.train, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      optimizer: createOptimizer('adam', { learningRate: config.learningRate }),
      seed: config.seed,
      validationData: loaded.test,
      datasetName: loaded.train.name,
      onEpochEnd: (logs) => {
        const memoryInUse = getBackend().memoryStats?.().inUse ?? null;
        const result: EpochResult = { epoch: logs.epoch, loss: logs.loss, accuracy: logs.accuracy, valLoss: logs.valLoss ?? NaN, valAccuracy: logs.valAccuracy ?? NaN, seconds: logs.seconds, memoryInUse };
        epochs.push(result);
        post({ event: 'epoch', result });
      },
      onBatchEnd: async (progress) => {
        step++;
        const now = performance.now();
        trainingSeconds += (now - stepStart) / 1000;
        imagesSinceStart += config.batchSize;
        if (now - lastPost > 250 || progress.batch === progress.batches) {
          lastPost = now;
          post({
            event: 'progress',
            progress: { epoch: progress.epoch, epochs: progress.epochs, batch: progress.batch, batches: progress.batches, step, loss: progress.loss, accuracy: progress.accuracy, imagesPerSecond: imagesSinceStart / trainingSeconds, filters: firstFilters(m) },
          });
          // Let pause, resume, stop and other requests in.
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        while (run.paused && !run.stop) {
          post({ event: 'state', state: 'paused' });
          await new Promise<void>((resolve) => (run.wake = resolve));
          run.wake = null;
          if (!run.paused) post({ event: 'state', state: 'running' });
        }
        if (run.stop) throw new TrainingStopped();
        stepStart = performance.now();
      },
    });
  } catch (e) {
    if (!(e instanceof TrainingStopped)) throw e;
  } finally {
    training = null;
  }
  return { epochs, stopped: run.stop, model: describe(m, epochs.at(-1)?.valAccuracy ?? null), warnings: loaded.warnings };
}

function control(message: ControlMessage): void {
  if (!training) return;
  if (message.control === 'pause') training.paused = true;
  if (message.control === 'resume') training.paused = false;
  if (message.control === 'stop') training.stop = true;
  training.wake?.();
}

async function handle<T extends RequestType>(type: T, args: Requests[T]['args']): Promise<Requests[T]['result']> {
  const a = args as never;
  switch (type) {
    case 'init':
      return init((a as Requests['init']['args']).threads) as never;
    case 'loadModel': {
      const p = a as Requests['loadModel']['args'];
      const loaded = await loadModelFrom(p.source);
      models.set(p.slot, loaded.model);
      return describe(loaded.model, loaded.testAccuracy) as never;
    }
    case 'predict': {
      const p = a as Requests['predict']['args'];
      return predictOne(requireModel(p.slot), p.pixels, p.featureMaps ?? false, p.gradCamClass) as never;
    }
    case 'loadDataset':
      return (await loadData((a as Requests['loadDataset']['args']).source)) as never;
    case 'evaluate':
      return evaluateTest(requireModel((a as Requests['evaluate']['args']).slot)) as never;
    case 'checkLayers': {
      const p = a as Requests['checkLayers']['args'];
      const check = checkLayerList(p.text, p.inputShape);
      if (!check.ok) return { ok: false, line: check.line, message: check.message } as never;
      return { ok: true, summary: check.model.summary(), params: check.model.countParameters() } as never;
    }
    case 'zooLayerList': {
      const p = a as Requests['zooLayerList']['args'];
      const zoo = createZooModel(p.name, { inputShape: p.inputShape, numClasses: p.numClasses });
      if (!(zoo instanceof Sequential)) throw new Error(`'${p.name}' is not a plain stack of layers, so it cannot be edited as a layer list`);
      return formatLayerList(zoo) as never;
    }
    case 'train':
      return (await train(a as TrainConfig)) as never;
    case 'exportModel': {
      const m = requireModel((a as Requests['exportModel']['args']).slot);
      return { zip: modelToZip(m), fileName: `${m.name}.zip` } as never;
    }
    case 'benchmark': {
      const p = a as Requests['benchmark']['args'];
      const m = createZooModel(p.model, {});
      const r = benchmarkModel(m, { mode: 'train', batchSize: p.batchSize, minSeconds: p.seconds, repeats: 5 });
      return { imagesPerSecond: r.imagesPerSecond.median, threads: r.threads } as never;
    }
  }
  throw new Error(`unknown request '${String(type)}'`);
}

scope.onmessage = (event) => {
  const message = event.data;
  if ('control' in message) {
    control(message);
    return;
  }
  handle(message.type, message.args).then(
    (result) => post({ id: message.id, ok: true, result }),
    (e: unknown) => {
      const error = e as { name?: string; code?: string; message?: string };
      post({ id: message.id, ok: false, error: { name: error?.name ?? 'Error', code: error?.code, message: error?.message ?? String(e) } });
    },
  );
};
