#!/usr/bin/env node
import '../platform/node.js';
import { Command, CommanderError } from 'commander';
import { FoveaError } from '../errors.js';
import { registerDatasets } from './datasets.js';
import { registerEval } from './eval.js';
import { registerPredict } from './predict.js';
import { registerSummary } from './summary.js';
import { registerTrain } from './train.js';

const program = new Command();
program
  .name('fovea')
  .description('Image recognition with convolutional neural networks: train, evaluate and run CNNs.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerTrain(program);
registerEval(program);
registerPredict(program);
registerSummary(program);
registerDatasets(program);

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
  throw error;
}
