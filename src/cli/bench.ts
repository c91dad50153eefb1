import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatProfile, profileBackend } from '../backend/profile.js';
import { getBackend, setBackend } from '../backend/registry.js';
import { ArgumentError, UnknownNameError } from '../errors.js';
import { createZooModel, zooNames } from '../models/index.js';
import type { Network } from '../nn/index.js';
import { benchmarkModel, type BenchmarkMode } from '../train/index.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './parse.js';
import { printJson } from './report.js';
import { openModelDir, openModelSpec, pathExists } from './resolve.js';

interface BenchFlags {
  model: string;
  mode: BenchmarkMode;
  batchSize?: number;
  repeats: number;
  seconds: number;
  steps?: number;
  warmup: number;
  seed: number;
  inputShape?: number[];
  json?: boolean;
  profile?: boolean;
}

const DEFAULT_BATCH: Record<BenchmarkMode, number> = { train: 64, infer: 256 };

function shapeList(value: string): number[] {
  const dims = value.split(/[,x×]/).map((d) => d.trim());
  if (dims.length !== 3 || dims.some((d) => !/^\d+$/.test(d) || Number(d) < 1)) {
    throw new InvalidArgumentError(`expected height,width,channels (three positive integers), got '${value}'`);
  }
  return dims.map(Number);
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure training or inference speed (images/s) of a model on the current backend: median of timed repeats after a warm-up, on random data')
    .option('--model <name|path>', `zoo model name (${zooNames().join(', ')}), a layer list file (*.txt; input --input-shape, default 28,28,1) or a saved model directory / model.json`, 'seed-cnn')
    .addOption(new Option('--mode <mode>', 'train: forward, backward and Adam step per batch (what train does); infer: class probabilities (what predict does)').choices(['train', 'infer']).default('train'))
    .option('--batch-size <n>', `images per step (default ${DEFAULT_BATCH.train} for train, ${DEFAULT_BATCH.infer} for infer)`, positiveInteger)
    .option('--repeats <n>', 'timed repeats; the result is their median', positiveInteger, 5)
    .option('--seconds <s>', 'each repeat runs steps for at least this long', positiveNumber, 1)
    .option('--steps <n>', 'a fixed number of steps per repeat instead of --seconds', positiveInteger)
    .option('--warmup <n>', 'untimed steps first (stops early after --seconds)', nonNegativeInteger, 3)
    .option('--seed <n>', 'seed for the weights of a zoo model, the random batch and dropout', nonNegativeInteger, 0)
    .option('--input-shape <h,w,c>', "input shape for a zoo model (default: the model's own, e.g. 28,28,1 or 32,32,3)", shapeList)
    .option('--json', 'print one JSON object with the results on stdout')
    .option('--profile', 'also time every kernel call during the timed repeats and print where the time goes (per kernel and shape)')
    .addHelpText(
      'after',
      '\nThe backend and its threads are the global options: fovea bench --backend wasm --threads 1 ...\n' +
        '(or $FOVEA_BACKEND, $FOVEA_THREADS; --threads sets FOVEA_THREADS before the backend starts its\n' +
        'workers and only matters for backends with threads). Inputs are uniform random images and\n' +
        'labels: speed does not depend on the data. Progress goes to stderr.',
    )
    .action(async (flags: BenchFlags, command: Command) => {
      const threads = command.optsWithGlobals<{ threads?: number }>().threads;
      const mode = flags.mode;
      const batchSize = flags.batchSize ?? DEFAULT_BATCH[mode];
      const { model, source } = await openBenchModel(flags);
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const plain = getBackend();
      const profile = flags.profile ? profileBackend(plain) : null;
      if (profile) setBackend(profile.backend);
      const result = benchmarkModel(model, {
        mode,
        batchSize,
        repeats: flags.repeats,
        minSeconds: flags.seconds,
        steps: flags.steps,
        warmupSteps: flags.warmup,
        seed: flags.seed,
        onEvent: (e) => {
          if (e.kind === 'warmup') profile?.reset();
          if (e.kind === 'warmup') log(`warm-up: ${e.steps} step(s) in ${e.seconds.toFixed(2)} s`);
          else log(`repeat ${e.index}/${e.repeats}: ${formatRate(e.imagesPerSecond)} images/s (${e.steps} step(s) in ${e.seconds.toFixed(2)} s)`);
        },
      });
      if (profile) setBackend(plain);
      if (threads !== undefined && result.threads !== threads) {
        log(`note: --threads ${threads} asked for, but backend '${result.backend}' computes with ${result.threads} thread(s)`);
      }
      if (flags.json) {
        printJson({
          model: model.name,
          source,
          parameters: model.countParameters(),
          ...result,
          ...(profile ? { profile: profile.rows() } : {}),
          settings: { repeats: flags.repeats, seconds: flags.steps === undefined ? flags.seconds : null, steps: flags.steps ?? null, warmupSteps: flags.warmup, seed: flags.seed },
        });
      } else {
        const s = result.imagesPerSecond;
        process.stdout.write(
          `${model.name} (${source}) ${mode === 'train' ? 'training' : 'inference'}, batch ${batchSize}, input [${result.inputShape.join(', ')}]: ` +
            `${formatRate(s.median)} images/s (median of ${result.repeats.length} repeat${result.repeats.length === 1 ? '' : 's'}; min ${formatRate(s.min)}, max ${formatRate(s.max)}) ` +
            `on backend ${result.backend}, ${result.threads} thread${result.threads === 1 ? '' : 's'}\n`,
        );
        if (profile) {
          const timed = result.repeats.reduce((sum, r) => sum + r.seconds, 0);
          const inKernels = profile.rows().reduce((sum, r) => sum + r.seconds, 0);
          process.stdout.write(
            `\nTime per kernel over the timed repeats (${(inKernels * 1000).toFixed(0)} ms of ${(timed * 1000).toFixed(0)} ms in kernels, ` +
              `${((100 * inKernels) / timed).toFixed(0)}%; the rest is JavaScript around them):\n${formatProfile(profile.rows(), { limit: 25 })}\n`,
          );
        }
      }
    });
}

function formatRate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}

/** A zoo name (fresh weights from --seed, optionally for --input-shape) or a saved model. */
async function openBenchModel(flags: BenchFlags): Promise<{ model: Network; source: string }> {
  const spec = flags.model;
  if (zooNames().includes(spec)) {
    return { model: createZooModel(spec, { seed: flags.seed, inputShape: flags.inputShape }), source: 'zoo' };
  }
  if (spec.endsWith('.txt')) {
    const model = await openModelSpec(spec, { inputShape: flags.inputShape ?? [28, 28, 1], numClasses: 10, seed: flags.seed });
    return { model, source: 'layer list' };
  }
  if (await pathExists(spec)) {
    if (flags.inputShape) throw new ArgumentError(`--input-shape applies to zoo models only; the saved model ${spec} has its own input shape`);
    return { model: await openModelDir(spec), source: spec };
  }
  throw new UnknownNameError('model', spec, [...zooNames(), 'a layer list file (*.txt)', 'or the path of a saved model directory or model.json']);
}
