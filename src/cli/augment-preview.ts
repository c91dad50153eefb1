import { Command, Option } from 'commander';
import { augmentations, augmentPreview, gatherImages, parseAugmentSpec } from '../data/index.js';
import { getPlatform } from '../platform/platform.js';
import { Rng } from '../tensor/index.js';
import { nonNegativeInteger, positiveInteger } from './parse.js';
import { printJson } from './report.js';
import { openDataset } from './resolve.js';

interface PreviewFlags {
  dataset: string;
  augment: string;
  out: string;
  count: number;
  variants: number;
  seed: number;
  split: 'train' | 'test';
  magnify?: number;
  json?: boolean;
}

export function registerAugmentPreview(program: Command): void {
  const forms = augmentations.map((a) => `  ${a.form.padEnd(28)} ${a.description}`).join('\n');
  program
    .command('augment-preview')
    .description('write a PNG grid showing what an augmentation does: one row per image, the original then augmented variants')
    .requiredOption('--dataset <name>', 'dataset name (see fovea datasets) or directory')
    .requiredOption('--augment <spec>', 'comma-separated augmentations applied in order, e.g. crop:4,flip,rotate:15')
    .requiredOption('--out <file>', 'PNG file to write (replaced atomically)')
    .option('--count <n>', 'how many images (rows), the first ones of the split', positiveInteger, 8)
    .option('--variants <n>', 'augmented variants per image (columns after the original)', positiveInteger, 8)
    .option('--seed <n>', 'random seed: the same seed draws the same variants', nonNegativeInteger, 0)
    .addOption(new Option('--split <split>', 'which part of the dataset to take images from').choices(['train', 'test']).default('train'))
    .option('--magnify <k>', 'draw each pixel as a k×k block (default: enough to make images at least 84 px)', positiveInteger)
    .option('--json', 'print one JSON object describing the grid on stdout')
    .addHelpText('after', `\nAugmentations (pixels in [0, 1]; geometric ones fill uncovered pixels with 0):\n${forms}`)
    .action(async (flags: PreviewFlags) => {
      const transform = parseAugmentSpec(flags.augment);
      const loaded = await openDataset(flags.dataset);
      const ds = loaded[flags.split];
      const count = Math.min(flags.count, ds.count);
      const images = gatherImages(ds, Array.from({ length: count }, (_, i) => i));
      const grid = augmentPreview(images, transform, new Rng(flags.seed), { variants: flags.variants, magnify: flags.magnify });
      const platform = getPlatform();
      await platform.writeFileAtomic(flags.out, await platform.encodePng(grid.rgba, grid.width, grid.height));
      const result = {
        out: flags.out,
        dataset: loaded.name,
        split: flags.split,
        augment: flags.augment,
        seed: flags.seed,
        rows: grid.rows,
        columns: grid.columns,
        magnify: grid.magnify,
        width: grid.width,
        height: grid.height,
      };
      if (flags.json) {
        printJson(result);
        return;
      }
      process.stdout.write(
        `wrote ${flags.out} (${grid.width}×${grid.height} px): ${grid.rows} ${loaded.name} ${flags.split} images, each followed by ${flags.variants} variants of '${flags.augment}' (seed ${flags.seed})\n`,
      );
    });
}
