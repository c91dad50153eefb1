import { Command } from 'commander';
import { className, classify, featureMapFigure, featureMaps, pictureFormat, valueRange } from '../explain/index.js';
import { nonNegativeInteger, positiveInteger } from './parse.js';
import { printJson } from './report.js';
import { openModelDir } from './resolve.js';
import { chooseImage, confidenceText, OUT_HELP, parseNames, splitOption, writeFigure } from './explain-common.js';

interface ActivationFlags {
  dataset: string;
  index: number;
  split: 'train' | 'test';
  layers?: string;
  out: string;
  maxChannels: number;
  json?: boolean;
}

export function registerActivations(program: Command): void {
  program
    .command('activations')
    .description("draw what each layer makes of one image (the course's layer representations): one block per layer with a spatial output, labelled with its name and shape, one tile per channel")
    .argument('<model-dir>', 'a saved model (its directory or model.json)')
    .option('--dataset <name|dir>', 'where the image comes from', 'mnist')
    .option('--index <n>', 'which image of the split', nonNegativeInteger, 0)
    .addOption(splitOption())
    .option('--layers <names>', 'comma-separated layers to draw (default: every layer whose output is a map larger than 1×1, leaving out those that repeat the map before them at inference, like Dropout)')
    .requiredOption('--out <file>', OUT_HELP)
    .option('--max-channels <n>', 'channels drawn per layer at most', positiveInteger, 64)
    .option('--json', 'print one JSON object describing the picture on stdout')
    .addHelpText('after', '\nColours: one scale per layer. Maps that are never negative (after ReLU or pooling) are grey, black = 0 and white = the\nlayer\'s largest value; signed maps are blue (negative), white (0), red (positive). Images that do not fit the model are\nconverted (grey ↔ RGB) and resized, with a note on stderr.')
    .action(async (modelDir: string, flags: ActivationFlags) => {
      const format = pictureFormat(flags.out);
      const names = parseNames(flags.layers);
      const model = await openModelDir(modelDir);
      const chosen = await chooseImage(model, flags.dataset, flags.split, flags.index);
      const maps = featureMaps(model, chosen.image, names);
      const verdict = classify(model, chosen.image);
      const predicted = className(model, verdict.predictedClass);
      const figure = featureMapFigure(chosen.image, maps, { labels: format === 'svg',
        title: `Feature maps of '${model.name}'`,
        notes: [`${chosen.dataset} ${chosen.split} image ${chosen.index} · label ${chosen.label} · predicted ${predicted} (${confidenceText(model, verdict.confidence)})`],
        maxChannels: flags.maxChannels,
      });
      const written = await writeFigure(figure, flags.out);
      const layers = maps.map((m) => ({ name: m.layer, type: m.type, shape: [...m.values.shape], ...valueRange(m.values.data) }));
      const result = {
        out: flags.out,
        format: written.format,
        width: written.width,
        height: written.height,
        dataset: chosen.dataset,
        split: chosen.split,
        index: chosen.index,
        label: chosen.label,
        predictedClass: predicted,
        confidence: verdict.confidence,
        inputChanges: chosen.changes,
        layers,
      };
      if (flags.json) {
        printJson(result);
        return;
      }
      const lines = layers.map((l) => `  ${l.name.padEnd(16)} ${l.type.padEnd(16)} ${l.shape.join('×').padEnd(10)} values ${l.min.toPrecision(3)} … ${l.max.toPrecision(3)}`);
      process.stdout.write(
        `wrote ${flags.out} (${written.width}×${written.height} px ${written.format}): feature maps of ${chosen.dataset} ${chosen.split} image ${chosen.index} (label ${chosen.label}; predicted ${predicted}, ${confidenceText(model, verdict.confidence)})\n${lines.join('\n')}\n`,
      );
    });
}
