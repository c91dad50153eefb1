#!/usr/bin/env node
import '../platform/node.js';
import { Command, CommanderError } from 'commander';
import { backendNames, DEFAULT_BACKEND, loadDefaultBackend } from '../backend/registry.js';
import { FoveaError } from '../errors.js';
import { FOVEA_VERSION } from '../io/model-file.js';
import { registerActivations } from './activations.js';
import { registerApp } from './app.js';
import { registerAttack } from './attack.js';
import { registerAugmentPreview } from './augment-preview.js';
import { registerBench } from './bench.js';
import { registerCapsuleDimensions } from './capsule-dimensions.js';
import { registerDatasets } from './datasets.js';
import { registerEval } from './eval.js';
import { registerFilters } from './filters.js';
import { registerReport } from './html-report.js';
import { registerInvariance } from './invariance.js';
import { registerInvarianceStudy } from './invariance-study.js';
import { registerPredict } from './predict.js';
import { registerSaliency } from './saliency.js';
import { registerSummary } from './summary.js';
import { positiveInteger } from './parse.js';
import { registerTrain } from './train.js';

const program = new Command();
program
  .name('fovea')
  .description('Image recognition with convolutional neural networks: train, evaluate and run CNNs.')
  .version(FOVEA_VERSION)
  .option('--backend <name>', `compute backend: ${backendNames().join(', ')} (default: $FOVEA_BACKEND, else ${DEFAULT_BACKEND}; js is the plain-TypeScript reference)`)
  .option('--threads <n>', 'threads for the wasm backend (default: $FOVEA_THREADS, else every core)', positiveInteger)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .hook('preAction', async () => {
    const options = program.opts<{ backend?: string; threads?: number }>();
    if (options.threads !== undefined) process.env.FOVEA_THREADS = String(options.threads);
    await loadDefaultBackend(options.backend, (key) => process.env[key]);
  });

registerTrain(program);
registerEval(program);
registerPredict(program);
registerSummary(program);
registerDatasets(program);
registerBench(program);
registerAugmentPreview(program);
registerInvarianceStudy(program);
registerInvariance(program);
registerReport(program);
registerCapsuleDimensions(program);
registerFilters(program);
registerActivations(program);
registerSaliency(program);
registerAttack(program);
registerApp(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  if (error instanceof FoveaError) {
    process.stderr.write(`fovea: error [${error.code}]: ${error.message}\n`);
    process.exit(1);
  }
  if (isSystemError(error)) {
    // An operating-system refusal (a directory where a file was expected, no permission, disk full):
    // the user's input, not a bug, so no stack trace.
    process.stderr.write(`fovea: error [${error.code}]: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const e = error as NodeJS.ErrnoException;
  return error instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}
