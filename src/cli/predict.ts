import type { Command } from 'commander';
import { imageToInput, loadImageFile } from '../data/index.js';
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor/index.js';
import { predictTopK, type TestTimeAugmentation } from '../train/index.js';
import { positiveInteger } from './parse.js';
import { printJson } from './report.js';
import { openModelDir } from './resolve.js';
import { ttaOption } from './tta-option.js';

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description("classify PNG or JPEG images with a saved model (converted to the model's input: grey or RGB, resized)")
    .argument('<model-dir>', 'a saved model directory (or its model.json, or a .zip of it)')
    .argument('<images...>', 'PNG or JPEG files')
    .option('--top-k <k>', 'how many classes to show per image', positiveInteger, 3)
    .option('--invert', 'invert the image first (dark ink on white paper → MNIST-style white on black)')
    .addOption(ttaOption())
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (modelDir: string, images: string[], flags: { topK: number; invert?: boolean; tta: TestTimeAugmentation; json?: boolean }) => {
      const model = await openModelDir(modelDir);
      const [height, width, channels] = model.inputShape!;
      if (channels !== 1 && channels !== 3) throw new ShapeError(`predict supports models with 1 or 3 input channels, this one has ${channels}`);
      const results = [];
      for (const file of images) {
        const decoded = await loadImageFile(file);
        const input = imageToInput(decoded, { height, width, channels, invert: flags.invert });
        const [top] = predictTopK(model, new Tensor(input, [1, height, width, channels]), flags.topK, { tta: flags.tta });
        results.push({ file, width: decoded.width, height: decoded.height, top });
      }
      if (flags.json) {
        printJson({ model: modelDir, scores: model.loss === 'margin' ? 'capsule lengths' : 'probabilities', tta: flags.tta, predictions: results });
        return;
      }
      // Capsule networks score each class by its capsule's length in [0, 1]; lengths need not sum to 1.
      const lengths = model.loss === 'margin';
      if (lengths) process.stdout.write('class scores are digit-capsule lengths (each in [0, 1]; they need not sum to 1)\n');
      for (const r of results) {
        process.stdout.write(`${r.file} (${r.width}×${r.height}):\n`);
        for (const t of r.top) {
          const bar = '█'.repeat(Math.round(t.probability * 30));
          const score = lengths ? t.probability.toFixed(4).padStart(7) : `${(t.probability * 100).toFixed(2).padStart(6)}%`;
          process.stdout.write(`  ${t.className.padEnd(12)} ${score}  ${bar}\n`);
        }
      }
    });
}
