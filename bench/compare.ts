/**
 * Benchmark 2: Fovea against other libraries, all in one run — training and inference images/s
 * of the zoo models and GEMM GFLOP/s — for Fovea wasm (1 and 2 threads), Fovea js, TensorFlow.js
 * (cpu and wasm backends), ConvNetJS, onnxruntime-node, PyTorch and NumPy. Each library
 * configuration runs in its own process (thread settings apply from its start), all started
 * together and driven one at a time: every repeat runs each library once, in a rotating order,
 * so background load spreads over all of them. Libraries that are not installed are skipped and
 * said so; this script installs nothing. See bench/README.md.
 *
 *   node dist/bench/compare.js [--quick] [--models a,b] [--libraries a,b] [--repeats 5] ...
 */
import '../src/platform/node.js';
import { execFileSync } from 'node:child_process';
import { promises as fs, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createZooModel, zooNames } from '../src/models/zoo.js';
import { Rng } from '../src/tensor/index.js';
import { spread } from '../src/train/benchmark.js';
import { RunnerProcess } from './compare/child.js';
import { exitOnHelp, positiveNumber, withUsage } from './flags.js';
import { describeModel } from './compare/model-spec.js';
import { imageSize, type ModelSection, type RunnerConfig, type Section } from './compare/protocol.js';
import { type CompareResults, fmtNumber, renderMarkdown, renderText, type RunnerResult, type SectionResult, type TaskResult } from './compare/results.js';

const WORKER = fileURLToPath(new URL('./compare/worker.js', import.meta.url));
/** The Python runner stays in the source tree (dist/bench/compare.js → bench/compare/torch_runner.py). */
const TORCH_RUNNER = fileURLToPath(new URL('../../bench/compare/torch_runner.py', import.meta.url));
const DEFAULT_MODELS = ['mlp', 'seed-cnn', 'keras-mnist-cnn', 'keras-cifar-cnn'];

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  models: string[];
  libraries: string[] | null;
  gemm: boolean;
  gemmSizes: number[];
  repeats: number;
  seconds: number;
  maxCallSeconds: number;
  firstCallTimeout: number;
  batchSize: number;
  inferBatch: number;
  trainBatches: number;
  wasmThreads: number[];
  torchThreads: number;
  python: string | null;
  jsonPath: string;
  markdownPath: string | null;
  markdownFrom: string | null;
  reference: string | null;
  verbose: boolean;
  quick: boolean;
}

function usage(): string {
  return [
    'usage: node dist/bench/compare.js [options]',
    `  --models a,b          zoo models (default ${DEFAULT_MODELS.join(',')}; known: ${zooNames().join(', ')})`,
    '  --libraries a,b       runner ids or families: fovea, fovea-wasm, fovea-wasm-1t, fovea-js, tfjs, tfjs-cpu, tfjs-wasm,',
    '                        convnetjs, onnxruntime, pytorch, numpy, numpy-1t, ... (default: all)',
    '  --no-gemm             skip the GEMM section;  --gemm-only: only the GEMM section',
    '  --gemm-sizes a,b      GEMM sizes n (default 256,512,1024)',
    '  --repeats N           timed repeats, interleaved (default 5; --quick 2)',
    '  --seconds S           target length of one library\'s repeat of one task (default 1; --quick 0.25)',
    '  --max-call-seconds S  a first call slower than this is reported once, not repeated (default 30; --quick 5)',
    '  --batch-size N        training batch (default 64);  --infer-batch N: inference batch (default 256)',
    '  --train-batches N     distinct random training batches, cycled (default 4; --quick 2)',
    '  --wasm-threads a,b    Fovea wasm configurations by thread count (default 1 and the number of cores)',
    '  --torch-threads N     torch.set_num_threads (default: the number of cores)',
    '  --python PATH         the Python to use (default: $FOVEA_PYTHON, else python3, else /usr/bin/python3)',
    '  --reference ID        the configuration ratios are taken against (default fovea-wasm-<cores>t)',
    '  --json PATH           results (default bench/results/compare.json; --quick: bench/results/compare-quick.json)',
    '  --markdown PATH       also write the Markdown report (e.g. bench/RESULTS.md)',
    '  --markdown-from JSON  only render --markdown from an earlier run\'s JSON, run nothing',
    '  --verbose             show what the library processes print',
    '  --quick               smoke run: 2 short repeats',
  ].join('\n');
}

function parseOptions(argv: string[]): Options {
  const cores = os.cpus().length;
  const text = { type: 'string' } as const;
  const flag = { type: 'boolean' } as const;
  const { values: v } = withUsage(
    () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          models: text, libraries: text, 'no-gemm': flag, 'gemm-only': flag, 'gemm-sizes': text, repeats: text, seconds: text,
          'max-call-seconds': text, 'batch-size': text, 'infer-batch': text, 'train-batches': text, 'wasm-threads': text,
          'torch-threads': text, python: text, reference: text, json: text, markdown: text, 'markdown-from': text,
          verbose: flag, quick: flag, help: { type: 'boolean', short: 'h' },
        },
      }),
    usage,
  );
  exitOnHelp(v.help, usage);
  const positive = positiveNumber;
  const count = (flag: keyof typeof v): number => (v[flag] === undefined ? NaN : Math.round(positive(String(v[flag]), flag)));
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const intList = (s: string, flag: string) => list(s).map((x) => Math.round(positive(x, flag)));
  const opts: Options = {
    models: v.models === undefined ? DEFAULT_MODELS : list(v.models),
    libraries: v.libraries === undefined ? null : list(v.libraries),
    gemm: !v['no-gemm'],
    gemmSizes: v['gemm-sizes'] === undefined ? [256, 512, 1024] : intList(v['gemm-sizes'], 'gemm-sizes'),
    repeats: count('repeats'),
    seconds: v.seconds === undefined ? NaN : positive(v.seconds, 'seconds'),
    maxCallSeconds: v['max-call-seconds'] === undefined ? NaN : positive(v['max-call-seconds'], 'max-call-seconds'),
    firstCallTimeout: NaN,
    batchSize: v['batch-size'] === undefined ? 64 : count('batch-size'),
    inferBatch: v['infer-batch'] === undefined ? 256 : count('infer-batch'),
    trainBatches: count('train-batches'),
    wasmThreads: [...new Set(v['wasm-threads'] === undefined ? [1, cores] : intList(v['wasm-threads'], 'wasm-threads'))],
    torchThreads: v['torch-threads'] === undefined ? cores : count('torch-threads'),
    python: v.python ?? (process.env.FOVEA_PYTHON || null),
    jsonPath: v.json ?? '',
    markdownPath: v.markdown ?? null,
    markdownFrom: v['markdown-from'] ?? null,
    reference: v.reference ?? null,
    verbose: v.verbose ?? false,
    quick: v.quick ?? false,
  };
  const gemmOnly = v['gemm-only'] ?? false;
  if (gemmOnly) opts.models = [];
  for (const m of opts.models) if (!zooNames().includes(m)) throw new Error(`unknown model '${m}'; known: ${zooNames().join(', ')}`);
  if (Number.isNaN(opts.repeats)) opts.repeats = opts.quick ? 2 : 5;
  if (Number.isNaN(opts.seconds)) opts.seconds = opts.quick ? 0.25 : 1;
  if (Number.isNaN(opts.maxCallSeconds)) opts.maxCallSeconds = opts.quick ? 5 : 30;
  opts.firstCallTimeout = Math.max(60, opts.maxCallSeconds * 10);
  if (Number.isNaN(opts.trainBatches)) opts.trainBatches = opts.quick ? 2 : 4;
  if (!opts.jsonPath) opts.jsonPath = opts.quick ? 'bench/results/compare-quick.json' : 'bench/results/compare.json';
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Which library configurations exist, and which can run here

function allRunners(opts: Options): RunnerConfig[] {
  const cores = os.cpus().length;
  const runners: RunnerConfig[] = [];
  for (const t of opts.wasmThreads) {
    runners.push({ id: `fovea-wasm-${t}t`, label: `Fovea wasm backend, ${t} thread${t === 1 ? '' : 's'} (FOVEA_THREADS=${t})`, library: 'fovea', process: 'node', backend: 'wasm', threads: t, sections: ['models', 'gemm'], env: { FOVEA_THREADS: String(t) } });
  }
  runners.push({ id: 'fovea-js', label: 'Fovea js backend (plain TypeScript reference)', library: 'fovea', process: 'node', backend: 'js', sections: ['models', 'gemm'] });
  runners.push({ id: 'tfjs-cpu', label: 'TensorFlow.js, cpu backend (pure JavaScript)', library: 'tfjs', process: 'node', backend: 'cpu', sections: ['models'] });
  runners.push({ id: 'tfjs-wasm', label: 'TensorFlow.js, wasm backend (XNNPACK)', library: 'tfjs', process: 'node', backend: 'wasm', threads: cores, sections: ['models', 'gemm'] });
  runners.push({ id: 'convnetjs', label: 'ConvNetJS (npm convnetjs)', library: 'convnetjs', process: 'node', threads: 1, sections: ['models'] });
  runners.push({ id: 'onnxruntime', label: `onnxruntime-node, CPU, ${cores} intra-op threads (inference)`, library: 'onnxruntime', process: 'node', threads: cores, sections: ['models'] });
  runners.push({ id: 'pytorch', label: `PyTorch CPU, ${opts.torchThreads} threads`, library: 'pytorch', process: 'python', threads: opts.torchThreads, sections: ['models', 'gemm'], env: blasThreads(opts.torchThreads) });
  for (const t of opts.wasmThreads) {
    runners.push({ id: `numpy-${t}t`, label: `NumPy matmul (its BLAS), ${t} thread${t === 1 ? '' : 's'}`, library: 'numpy', process: 'python', threads: t, sections: ['gemm'], env: blasThreads(t) });
  }
  return runners;
}

function blasThreads(n: number): Record<string, string> {
  return { OPENBLAS_NUM_THREADS: String(n), OMP_NUM_THREADS: String(n), MKL_NUM_THREADS: String(n) };
}

function selected(runner: RunnerConfig, filters: string[] | null): boolean {
  if (!filters) return true;
  return filters.some((f) => runner.id === f || runner.id.startsWith(`${f}-`) || runner.library === f);
}

const requireHere = createRequire(import.meta.url);

function installed(pkg: string): boolean {
  try {
    requireHere.resolve(pkg);
    return true;
  } catch {
    try {
      // ESM-only packages cannot be require.resolve'd; their package.json can.
      requireHere.resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  }
}

const NPM_PACKAGES: Record<string, string[]> = {
  'tfjs-cpu': ['@tensorflow/tfjs'],
  'tfjs-wasm': ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
  convnetjs: ['convnetjs'],
  onnxruntime: ['onnxruntime-node', 'onnx-proto'],
};

interface PythonProbe {
  command: string;
  python?: string;
  numpy?: string;
  torch?: string;
  torch_blas?: string;
  numpy_blas?: string;
  numpy_error?: string;
  torch_error?: string;
  threadpools?: unknown[];
  error?: string;
}

function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) slow a current one down.
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function probePython(command: string): PythonProbe {
  try {
    const out = execFileSync(command, [TORCH_RUNNER, '--probe'], { env: pythonEnv(), encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { command, ...(JSON.parse(out.trim().split('\n').pop()!) as object) };
  } catch (e) {
    return { command, error: (e as Error).message.split('\n')[0] };
  }
}

/** The Pythons to try, and what each can import. */
function probePythons(opts: Options): PythonProbe[] {
  const candidates = opts.python ? [opts.python] : ['python3', '/usr/bin/python3'];
  const probes: PythonProbe[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const p = probePython(c);
    const key = (p as { executable?: string }).executable ?? c;
    if (seen.has(key)) continue;
    seen.add(key);
    probes.push(p);
  }
  return probes;
}

function describeProbe(p: PythonProbe, module: 'torch' | 'numpy'): string {
  if (p.error) return `${p.command}: ${p.error}`;
  return `${p.command} (Python ${p.python}): ${(module === 'torch' ? p.torch_error : p.numpy_error) ?? 'ok'}`;
}

/** Each runner this run will start, and the ones it skips with the reason. */
function planRunners(opts: Options, probes: PythonProbe[]): { run: RunnerConfig[]; skipped: { id: string; label: string; reason: string }[] } {
  const run: RunnerConfig[] = [];
  const skipped: { id: string; label: string; reason: string }[] = [];
  if (opts.libraries) {
    const all = allRunners(opts);
    const unknown = opts.libraries.filter((f) => !all.some((r) => selected(r, [f])));
    if (unknown.length) throw new Error(`unknown library '${unknown.join("', '")}'; known: ${all.map((r) => r.id).join(', ')} (or a family: fovea, fovea-wasm, tfjs, numpy, …)`);
  }
  const torchPython = probes.find((p) => p.torch);
  // NumPy from the Python that has torch when it can (Debian's: both then use the system OpenBLAS).
  const numpyPython = torchPython?.numpy ? torchPython : probes.find((p) => p.numpy);
  for (const r of allRunners(opts)) {
    if (!selected(r, opts.libraries)) continue;
    if (opts.models.length === 0 && !r.sections.includes('gemm')) continue;
    if (!opts.gemm && !r.sections.includes('models')) continue;
    const missing = (NPM_PACKAGES[r.id] ?? []).filter((p) => !installed(p));
    if (missing.length) {
      skipped.push({ id: r.id, label: r.label, reason: `npm package${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not installed` });
      continue;
    }
    if (r.library === 'pytorch') {
      if (!torchPython) {
        skipped.push({ id: r.id, label: r.label, reason: `no Python with torch (Debian: apt-get install python3-torch libopenblas0-pthread); tried ${probes.map((p) => describeProbe(p, 'torch')).join('; ')}` });
        continue;
      }
      r.python = torchPython.command;
    }
    if (r.library === 'numpy') {
      if (!numpyPython) {
        skipped.push({ id: r.id, label: r.label, reason: `no Python with numpy; tried ${probes.map((p) => describeProbe(p, 'numpy')).join('; ')}` });
        continue;
      }
      r.python = numpyPython.command;
    }
    run.push(r);
  }
  return { run, skipped };
}

function startRunner(r: RunnerConfig, opts: Options): RunnerProcess {
  if (r.process === 'python') return new RunnerProcess(r, r.python!, ['-u', TORCH_RUNNER], { verbose: opts.verbose, env: pythonEnv(r.env) });
  return new RunnerProcess(r, process.execPath, [WORKER], { verbose: opts.verbose, env: { ...process.env, ...r.env } });
}

// ---------------------------------------------------------------------------------------------
// Sections: model files and data, then warm-up and interleaved repeats

async function writeModelSection(name: string, dir: string, opts: Options, seed: number): Promise<{ section: ModelSection; parameters: number; inputShape: number[] }> {
  const model = createZooModel(name, { seed });
  const { spec, weights } = describeModel(model);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'spec.json'), JSON.stringify(spec));
  await fs.writeFile(path.join(dir, 'weights.f32'), new Uint8Array(weights.buffer));
  const rng = new Rng(seed + 1000);
  const per = imageSize(spec.inputShape);
  const uniform = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.uniform();
    return a;
  };
  const trainX = uniform(opts.trainBatches * opts.batchSize * per);
  const trainY = new Int32Array(opts.trainBatches * opts.batchSize);
  for (let i = 0; i < trainY.length; i++) trainY[i] = rng.int(spec.numClasses);
  await fs.writeFile(path.join(dir, 'train-x.f32'), new Uint8Array(trainX.buffer));
  await fs.writeFile(path.join(dir, 'train-y.i32'), new Uint8Array(trainY.buffer));
  await fs.writeFile(path.join(dir, 'infer-x.f32'), new Uint8Array(uniform(opts.inferBatch * per).buffer));
  return {
    section: { kind: 'model', name, dir, seed, batchSize: opts.batchSize, inferBatch: opts.inferBatch, trainBatches: opts.trainBatches, learningRate: 1e-3 },
    parameters: spec.parameters,
    inputShape: spec.inputShape,
  };
}

function log(msg: string): void {
  process.stderr.write(msg + '\n');
}

/** One configuration's one task, in a process of its own (a task that must be killed takes nothing else with it). */
interface Slot {
  runner: RunnerConfig;
  task: string;
  proc: RunnerProcess;
  result: TaskResult;
  calls: number;
  perCall: number;
  rates: number[];
  seconds: number[];
  losses: number[];
}

function unitsPerCall(task: string, opts: Options): { unit: TaskResult['unit']; unitsPerCall: number } {
  if (task === 'train') return { unit: 'images/s', unitsPerCall: opts.batchSize };
  if (task === 'infer') return { unit: 'images/s', unitsPerCall: opts.inferBatch };
  const n = Number(task.slice(5));
  return { unit: 'GFLOP/s', unitsPerCall: (2 * n * n * n) / 1e9 };
}

function failure(message: string, task: string): { status: TaskResult['status']; reason: string } {
  if (task === 'train' && /not registered/i.test(message)) return { status: 'cannot-train', reason: message };
  return { status: 'failed', reason: message };
}

async function runSection(section: Section, tasks: string[], runners: RunnerConfig[], opts: Options, meta: { name: string; parameters?: number; inputShape?: number[] }): Promise<SectionResult> {
  const started = performance.now();
  const loadBefore = os.loadavg()[0];
  const results: RunnerResult[] = [];
  const slots: Slot[] = [];

  // Start a process per configuration and task, one at a time (setup is not timed).
  for (const runner of runners) {
    const result: RunnerResult = { id: runner.id, label: runner.label, config: runner, tasks: {} };
    results.push(result);
    for (const task of tasks) {
      const t: TaskResult = { status: 'ok', ...unitsPerCall(task, opts) };
      result.tasks[task] = t;
      const proc = startRunner(runner, opts);
      try {
        const reply = await proc.request({ cmd: 'setup', runner, section }, 300);
        if (!reply.ok) throw new Error(reply.error);
        const info = reply.setup!;
        result.info ??= info;
        if (info.unsupported[task]) {
          Object.assign(t, { status: 'unsupported', reason: info.unsupported[task] });
          await proc.quit();
          continue;
        }
        slots.push({ runner, task, proc, result: t, calls: 0, perCall: 0, rates: [], seconds: [], losses: [] });
      } catch (e) {
        proc.kill();
        const message = (e as Error).message;
        Object.assign(t, message.startsWith('unsupported: ') ? { status: 'unsupported', reason: message.slice(13) } : { status: 'failed', reason: `setup: ${message}` });
        log(`  ${runner.id} ${task}: ${t.status}: ${t.reason}`);
      }
    }
    if (result.info) {
      const i = result.info;
      log(`  ${runner.id}: ready (${Object.entries(i.versions).map(([k, v]) => `${k} ${v}`).join(', ')}${i.threads ? `; ${i.threads} thread(s)` : ''})`);
    }
  }

  // Warm-up and calibration: the first call is timed on its own (a very slow library is measured
  // once and not repeated), then up to two more within one repeat's length; the last sets the pace.
  for (const slot of slots) {
    const t = slot.result;
    const warm: number[] = [];
    const call = async (timeout: number) => {
      const reply = await slot.proc.request({ cmd: 'run', task: slot.task as never, calls: 1 }, timeout);
      if (!reply.ok) throw new Error(reply.error);
      const run = reply.run!;
      warm.push(run.seconds);
      if (run.losses && t.firstLoss === undefined) t.firstLoss = run.losses[0];
      if (run.probe && !t.probe) t.probe = run.probe;
      return run.seconds;
    };
    try {
      const first = await call(opts.firstCallTimeout);
      if (first > opts.maxCallSeconds) {
        Object.assign(t, { status: 'too-slow', reason: `one call took ${first.toFixed(1)} s (> --max-call-seconds ${opts.maxCallSeconds}): measured once`, warmupCalls: 1, rate: spread([t.unitsPerCall / first]) });
        log(`  ${slot.runner.id} ${slot.task}: one call took ${first.toFixed(1)} s: too slow to repeat`);
        await slot.proc.quit();
        continue;
      }
      // A second warm-up call unless calls are slow: the first also pays for compilation and first allocations.
      let spent = first;
      while (warm.length < 3 && (spent < opts.seconds || (warm.length < 2 && first < opts.maxCallSeconds / 3))) spent += await call(Math.max(60, first * 20));
      slot.perCall = warm[warm.length - 1];
      slot.calls = Math.max(1, Math.round(opts.seconds / slot.perCall));
      t.warmupCalls = warm.length;
      t.callsPerRepeat = slot.calls;
      log(`  ${slot.runner.id} ${slot.task}: warm-up ${warm.length} call(s), ${(slot.perCall * 1000).toFixed(1)} ms/call → ${slot.calls} call(s) per repeat`);
    } catch (e) {
      const message = (e as Error).message;
      Object.assign(t, /no answer within/.test(message) ? { status: 'too-slow', reason: `the first call gave ${message}` } : failure(message, slot.task));
      log(`  ${slot.runner.id} ${slot.task}: ${t.status}: ${t.reason}`);
      slot.proc.kill();
    }
  }

  // Timed repeats, interleaved: each configuration once per repeat (all its tasks), starting from
  // a different configuration each repeat.
  const live = slots.filter((s) => s.result.status === 'ok');
  const ids = [...new Set(live.map((s) => s.runner.id))];
  for (let r = 0; r < opts.repeats; r++) {
    const order = ids.slice(r % Math.max(1, ids.length)).concat(ids.slice(0, r % Math.max(1, ids.length)));
    const parts: string[] = [];
    for (const id of order) {
      for (const slot of live.filter((s) => s.runner.id === id)) {
        const t = slot.result;
        if (t.status !== 'ok') continue;
        try {
          const reply = await slot.proc.request({ cmd: 'run', task: slot.task as never, calls: slot.calls }, Math.max(60, slot.calls * slot.perCall * 10));
          if (!reply.ok) throw new Error(reply.error);
          const run = reply.run!;
          slot.seconds.push(run.seconds);
          slot.rates.push((slot.calls * t.unitsPerCall) / run.seconds);
          if (run.losses) slot.losses = run.losses;
          parts.push(`${id} ${slot.task} ${fmtNumber(slot.rates[slot.rates.length - 1])}`);
        } catch (e) {
          Object.assign(t, failure((e as Error).message, slot.task));
          t.reason += ` (in repeat ${r + 1})`;
          log(`  ${id} ${slot.task}: failed in repeat ${r + 1}: ${t.reason}`);
        }
      }
    }
    log(`  ${meta.name} repeat ${r + 1}/${opts.repeats}: ${parts.join(', ')}`);
  }
  await Promise.all(slots.map((s) => s.proc.quit()));

  for (const slot of live) {
    const t = slot.result;
    if (slot.rates.length) {
      t.rate = spread(slot.rates);
      t.secondsPerRepeat = slot.seconds;
      if (slot.losses.length) t.lastLoss = slot.losses.reduce((x, y) => x + y, 0) / slot.losses.length;
    }
  }
  // Every library should compute the same probabilities (from the same initial weights): compare
  // the first image's with fovea-js's, else with the first configuration's that has them.
  const reference = results.find((r) => r.id === 'fovea-js' && r.tasks.infer?.probe) ?? results.find((r) => r.tasks.infer?.probe);
  for (const r of results) {
    const p = r.tasks.infer?.probe;
    const q = reference?.tasks.infer?.probe;
    if (p && q && p.length === q.length) r.tasks.infer.maxAbsDiff = Math.max(...p.map((v, i) => Math.abs(v - q[i])));
  }
  return { kind: section.kind, name: meta.name, parameters: meta.parameters, inputShape: meta.inputShape, tasks, runners: results, loadAverage: { before: loadBefore, after: os.loadavg()[0] }, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------

function blasAlternative(): string | null {
  try {
    return realpathSync('/etc/alternatives/libblas.so.3-x86_64-linux-gnu');
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.markdownFrom) {
    if (!opts.markdownPath) throw new Error('--markdown-from needs --markdown PATH');
    const results = JSON.parse(await fs.readFile(opts.markdownFrom, 'utf8')) as CompareResults;
    await fs.writeFile(opts.markdownPath, renderMarkdown(results));
    console.log(`wrote ${opts.markdownPath} from ${opts.markdownFrom}`);
    return;
  }
  const wall0 = performance.now();
  const probes = probePythons(opts);
  const { run, skipped } = planRunners(opts, probes);
  const reference = opts.reference ?? `fovea-wasm-${Math.max(...opts.wasmThreads)}t`;
  const cpus = os.cpus();
  const torchProbe = probes.find((p) => p.torch);
  const numpyProbe = torchProbe?.numpy ? torchProbe : probes.find((p) => p.numpy);
  const machine: Record<string, unknown> = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
    python: probes.map((p) => (p.error ? `${p.command}: ${p.error}` : `${p.command}: Python ${p.python}, numpy ${p.numpy ?? '—'}, torch ${p.torch ?? '—'}`)).join('; '),
  };
  if (torchProbe?.torch_blas) machine.torchBlas = torchProbe.torch_blas;
  const blas = blasAlternative();
  if (blas) machine.debianLibblas = blas;
  if (numpyProbe?.numpy_blas) machine.numpyBlas = numpyProbe.numpy_blas;
  if (numpyProbe?.threadpools) machine.numpyThreadpools = numpyProbe.threadpools;
  if (process.env.OPENBLAS_CORETYPE) machine.note = `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} is set here; it is removed for the Python processes`;

  console.log(`Fovea vs other libraries (${opts.quick ? 'smoke run, --quick' : 'full run'}): ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`configurations: ${run.map((r) => r.id).join(', ')}${skipped.length ? `; skipped: ${skipped.map((s) => s.id).join(', ')}` : ''}`);

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'fovea-compare-'));
  const sections: SectionResult[] = [];
  try {
    for (const name of opts.models) {
      log(`${name}:`);
      const { section, parameters, inputShape } = await writeModelSection(name, path.join(tmp, name), opts, 0);
      const runners = run.filter((r) => r.sections.includes('models'));
      sections.push(await runSection(section, ['train', 'infer'], runners, opts, { name, parameters, inputShape }));
    }
    if (opts.gemm) {
      log('gemm:');
      const runners = run.filter((r) => r.sections.includes('gemm'));
      const tasks = opts.gemmSizes.map((n) => `gemm-${n}`);
      sections.push(await runSection({ kind: 'gemm', sizes: opts.gemmSizes }, tasks, runners, opts, { name: 'gemm' }));
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }

  const results: CompareResults = {
    benchmark: 'compare',
    date: new Date().toISOString(),
    quick: opts.quick,
    machine,
    settings: {
      repeats: opts.repeats,
      secondsPerRepeat: opts.seconds,
      maxCallSeconds: opts.maxCallSeconds,
      batchSize: opts.batchSize,
      inferBatch: opts.inferBatch,
      trainBatches: opts.trainBatches,
      learningRate: 1e-3,
      seed: 0,
      reference,
      data: 'uniform random images in [0, 1) of each model\'s input shape and uniform random labels (seeded; speed does not depend on the data)',
    },
    skipped,
    sections,
    wallSeconds: (performance.now() - wall0) / 1000,
  };
  console.log(renderText(results));
  console.log(`wall time ${results.wallSeconds.toFixed(0)} s`);
  await fs.mkdir(path.dirname(path.resolve(opts.jsonPath)), { recursive: true });
  await fs.writeFile(opts.jsonPath, JSON.stringify(results, null, 2) + '\n');
  console.log(`results written to ${opts.jsonPath}`);
  if (opts.markdownPath) {
    await fs.writeFile(opts.markdownPath, renderMarkdown(results));
    console.log(`report written to ${opts.markdownPath}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
