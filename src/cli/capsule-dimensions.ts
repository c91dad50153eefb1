import { Command, Option } from 'commander';
import { gatherImages, tileImages } from '../data/index.js';
import { ShapeError } from '../errors.js';
import { capsuleDimensionGrid } from '../explain/capsule-dimensions.js';
import { getPlatform } from '../platform/platform.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './parse.js';
import { printJson } from './report.js';
import { openDataset, openModelDir } from './resolve.js';

interface DimensionFlags {
  dataset: string;
  index: number;
  split: 'train' | 'test';
  out: string;
  range: number;
  steps: number;
  magnify: number;
  json?: boolean;
}

export function registerCapsuleDimensions(program: Command): void {
  program
    .command('capsule-dimensions')
    .description("what each dimension of a capsule network's digit capsule encodes: a PNG with one row per dimension, the input image then the reconstructions as that dimension is shifted from −range to +range (Sabour et al. 2017, fig. 4)")
    .argument('<model-dir>', 'a saved capsule network (with a CapsuleDecoder layer)')
    .option('--dataset <name|dir>', 'where the image comes from', 'mnist')
    .option('--index <n>', 'which image of the split', nonNegativeInteger, 0)
    .addOption(new Option('--split <split>', 'which part of the dataset').choices(['train', 'test']).default('test'))
    .requiredOption('--out <file>', 'PNG file to write (replaced atomically)')
    .option('--range <r>', 'largest shift added to a dimension', positiveNumber, 0.25)
    .option('--steps <n>', 'shifts per dimension, evenly spaced over [−range, range]', positiveInteger, 11)
    .option('--magnify <k>', 'draw each pixel as a k×k block', positiveInteger, 3)
    .option('--json', 'print one JSON object describing the grid on stdout')
    .action(async (modelDir: string, flags: DimensionFlags) => {
      const model = await openModelDir(modelDir);
      const data = await openDataset(flags.dataset);
      const ds = data[flags.split];
      if (flags.index >= ds.count) throw new ShapeError(`--index ${flags.index} is past the ${ds.count} images of ${data.name} ${flags.split}`);
      const image = gatherImages(ds, [flags.index]);
      const grid = capsuleDimensionGrid(model, image, { range: flags.range, steps: flags.steps });
      const picture = tileImages(grid.images, { rows: grid.rows, columns: grid.columns, magnify: flags.magnify, gap: 2, firstColumnGap: 6 });
      const platform = getPlatform();
      await platform.writeFileAtomic(flags.out, await platform.encodePng(picture.rgba, picture.width, picture.height));
      const className = model.classNames?.[grid.predictedClass] ?? String(grid.predictedClass);
      const label = ds.classNames[ds.labels[flags.index]] ?? String(ds.labels[flags.index]);
      const result = {
        out: flags.out,
        dataset: data.name,
        split: flags.split,
        index: flags.index,
        label,
        predictedClass: className,
        capsuleLength: grid.capsuleLength,
        capsule: grid.capsule,
        rows: grid.rows,
        columns: grid.columns,
        deltas: grid.deltas,
        width: picture.width,
        height: picture.height,
      };
      if (flags.json) {
        printJson(result);
        return;
      }
      const shifts = grid.deltas.map((d) => (d > 0 ? `+${d.toFixed(2)}` : d.toFixed(2))).join(' ');
      process.stdout.write(
        `wrote ${flags.out} (${picture.width}×${picture.height} px) for ${data.name} ${flags.split} image ${flags.index} (label ${label}):\n` +
          `  predicted ${className}, digit capsule length ${grid.capsuleLength.toFixed(3)}\n` +
          `  rows: the ${grid.rows} dimensions of that capsule; columns: the input, then the reconstruction with the dimension shifted by ${shifts}\n`,
      );
    });
}
