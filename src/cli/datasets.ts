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
        const format = d.format ? ` (${d.format})` : '';
        process.stdout.write(`${d.name.padEnd(14)} ${d.found ? `found in ${d.location}${format}` : 'not found'}\n`);
        process.stdout.write(`${''.padEnd(14)} ${d.description}\n`);
        if (!d.found) process.stdout.write(`${''.padEnd(14)} searched: ${d.searched.join(', ')}\n${''.padEnd(14)} to get it: ${d.hint}\n`);
      }
      process.stdout.write(
        'Any directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz), or a CIFAR binary release, works as --dataset DIR.\n' +
          'A folder of images works as --dataset folder:DIR: DIR/<class>/*.png|jpg, or DIR/train/<class>/… and DIR/test/<class>/…; without train/ and test/, 20% of each class is held out for testing.\n',
      );
    });
}
