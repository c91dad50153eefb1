import { Command, Option } from 'commander';
import { filterFigure, filterTiles, layerFilters, pictureFormat } from '../explain/index.js';
import { positiveInteger } from './parse.js';
import { printJson } from './report.js';
import { openModelDir } from './resolve.js';
import { OUT_HELP, writeFigure } from './explain-common.js';

interface FilterFlags {
  layer?: string;
  view: 'auto' | 'rgb' | 'channels' | 'mean';
  out: string;
  tileSize: number;
  json?: boolean;
}

export function registerFilters(program: Command): void {
  program
    .command('filters')
    .description("draw the learned kernels of a convolution layer as a grid of tiles on one symmetric colour scale (blue negative, white 0, red positive), with the weight range in the legend")
    .argument('<model-dir>', 'a saved model (its directory or model.json)')
    .option('--layer <name>', 'the Conv2D or DepthwiseConv2D layer (default: the first one; see fovea summary for names)')
    .addOption(
      new Option('--view <view>', 'auto: rgb for a layer over 3 colour channels, channels while that is ≤ 1024 tiles, else mean; rgb: one colour patch per filter; channels: one tile per (input channel, filter); mean: one tile per filter, averaged over its input channels')
        .choices(['auto', 'rgb', 'channels', 'mean'])
        .default('auto'),
    )
    .requiredOption('--out <file>', OUT_HELP)
    .option('--tile-size <px>', 'target tile size in pixels (kernels are magnified by whole pixels)', positiveInteger, 40)
    .option('--json', 'print one JSON object describing the picture on stdout')
    .action(async (modelDir: string, flags: FilterFlags) => {
      const format = pictureFormat(flags.out);
      const model = await openModelDir(modelDir);
      const filters = layerFilters(model, flags.layer);
      const tiles = filterTiles(filters, flags.view);
      const [kh, kw, inC, outC] = filters.kernel.shape;
      const shape = filters.type === 'DepthwiseConv2D' ? `${inC}×${outC} filters ${kh}×${kw} (depthwise)` : `${outC} filters ${kh}×${kw} over ${inC} input channel${inC === 1 ? '' : 's'}`;
      const figure = filterFigure(filters, tiles, { labels: format === 'svg', tileSize: flags.tileSize, notes: [`model '${model.name}' · ${shape} · weights within ±${Number(tiles.range.toPrecision(3))}`] });
      const written = await writeFigure(figure, flags.out);
      const result = {
        out: flags.out,
        format: written.format,
        width: written.width,
        height: written.height,
        layer: filters.layer,
        type: filters.type,
        kernelShape: [...filters.kernel.shape],
        view: tiles.view,
        rows: tiles.rows,
        columns: tiles.columns,
        tiles: tiles.tiles.shape[0],
        range: tiles.range,
        description: tiles.description,
      };
      if (flags.json) {
        printJson(result);
        return;
      }
      process.stdout.write(
        `wrote ${flags.out} (${written.width}×${written.height} px ${written.format}): filters of layer '${filters.layer}' (${filters.type}, kernel ${filters.kernel.shape.join('×')})\n` +
          `  view ${tiles.view}: ${tiles.description}; ${tiles.rows}×${tiles.columns} tiles\n` +
          `  colour scale symmetric: ±${tiles.range.toPrecision(3)} (the largest |weight| shown)\n`,
      );
    });
}
