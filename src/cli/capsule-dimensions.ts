import type { Command } from 'commander';
import { capsuleDimensionFigure, capsuleDimensionGrid, pictureFormat } from '../explain/index.js';
import { chooseImage, OUT_HELP, splitOption, writeFigure } from './explain-common.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './parse.js';
import { printJson } from './report.js';
import { openModelDir } from './resolve.js';

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
    .description("what each dimension of a capsule network's digit capsule encodes: one row per dimension, the input image then the reconstructions as that dimension is shifted from −range to +range (Sabour et al. 2017, fig. 4)")
    .argument('<model-dir>', 'a saved capsule network (with a CapsuleDecoder layer)')
    .option('--dataset <name|dir>', 'where the image comes from', 'mnist')
    .option('--index <n>', 'which image of the split', nonNegativeInteger, 0)
    .addOption(splitOption())
    .requiredOption('--out <file>', OUT_HELP)
    .option('--range <r>', 'largest shift added to a dimension', positiveNumber, 0.25)
    .option('--steps <n>', 'shifts per dimension, evenly spaced over [−range, range]', positiveInteger, 11)
    .option('--magnify <k>', 'draw each pixel as a k×k block', positiveInteger, 3)
    .option('--json', 'print one JSON object describing the picture on stdout')
    .action(async (modelDir: string, flags: DimensionFlags) => {
      const format = pictureFormat(flags.out);
      const model = await openModelDir(modelDir);
      const chosen = await chooseImage(model, flags.dataset, flags.split, flags.index);
      const grid = capsuleDimensionGrid(model, chosen.image, { range: flags.range, steps: flags.steps });
      const className = model.classNames?.[grid.predictedClass] ?? String(grid.predictedClass);
      const figure = capsuleDimensionFigure(grid, {
        magnify: flags.magnify,
        labels: format === 'svg',
        title: `What each dimension of the '${className}' capsule encodes`,
        subtitle: `${chosen.dataset} ${chosen.split} image ${chosen.index} · label ${chosen.label} · predicted ${className}, capsule length ${grid.capsuleLength.toFixed(3)}\nrows: the capsule's dimensions · columns: the input, then reconstructions with one dimension shifted`,
      });
      const written = await writeFigure(figure, flags.out);
      const result = {
        out: flags.out,
        format: written.format,
        dataset: chosen.dataset,
        split: chosen.split,
        index: chosen.index,
        label: chosen.label,
        predictedClass: className,
        capsuleLength: grid.capsuleLength,
        capsule: grid.capsule,
        rows: grid.rows,
        columns: grid.columns,
        deltas: grid.deltas,
        width: written.width,
        height: written.height,
      };
      if (flags.json) {
        printJson(result);
        return;
      }
      const shifts = grid.deltas.map((d) => (d > 0 ? `+${d.toFixed(2)}` : d.toFixed(2))).join(' ');
      process.stdout.write(
        `wrote ${flags.out} (${written.width}×${written.height} px) for ${chosen.dataset} ${chosen.split} image ${chosen.index} (label ${chosen.label}):\n` +
          `  predicted ${className}, digit capsule length ${grid.capsuleLength.toFixed(3)}\n` +
          `  rows: the ${grid.rows} dimensions of that capsule; columns: the input, then the reconstruction with the dimension shifted by ${shifts}\n`,
      );
    });
}
