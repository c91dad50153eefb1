import type { Command } from 'commander';
import { describeDatasets } from '../data/index.js';
import { printJson } from './report.js';
import { datasetSearchDirs } from './resolve.js';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('list the datasets Fovea knows and where each was found (set FOVEA_DATA to add search directories)')
    .option('--json', 'print the list as JSON on stdout')
    .action(async (flags: { json?: boolean }) => {
      const found = await describeDatasets({ searchDirs: datasetSearchDirs() });
      if (flags.json) {
        printJson({ datasets: found });
        return;
      }
      for (const d of found) {
        process.stdout.write(`${d.name.padEnd(14)} ${d.found ? `found in ${d.location}` : 'not found'}\n`);
        process.stdout.write(`${''.padEnd(14)} ${d.description}\n`);
        if (!d.found) process.stdout.write(`${''.padEnd(14)} searched: ${d.searched.join(', ')}\n${''.padEnd(14)} to get it: ${d.hint}\n`);
      }
      process.stdout.write('Any directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz) works as --dataset DIR.\n');
    });
}
