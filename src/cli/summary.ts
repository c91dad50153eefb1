import type { Command } from 'commander';
import { createZooModel, zooNames } from '../models/index.js';
import { UnknownNameError } from '../errors.js';
import type { Network } from '../nn/index.js';
import { printJson } from './report.js';
import { openModelDir, pathExists } from './resolve.js';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description("print a model's architecture table: layers, filters, padding, activation shapes and sizes, parameters")
    .argument('<model>', `a saved model directory (or model.json), or a zoo name: ${zooNames().join(', ')}`)
    .option('--json', 'print the architecture as JSON on stdout')
    .action(async (spec: string, flags: { json?: boolean }) => {
      const model = await openSummaryModel(spec);
      if (flags.json) {
        printJson({
          name: model.name,
          inputShape: model.inputShape,
          layers: model.layers.map((l) => ({ ...l.getConfig(), outputShape: l.outputShape, params: l.parameters().reduce((n, p) => n + p.value.size, 0) })),
          totalParams: model.countParameters(),
        });
      } else {
        process.stdout.write(`${model.summary()}\n`);
      }
    });
}

/** A zoo name, or a saved model; a bare word that is neither gets the list of zoo names. */
async function openSummaryModel(spec: string): Promise<Network> {
  if (zooNames().includes(spec)) return createZooModel(spec);
  if (/[\\/]/.test(spec) || (await pathExists(spec))) return openModelDir(spec);
  throw new UnknownNameError('model', spec, [...zooNames(), 'or the path of a saved model directory or model.json']);
}
