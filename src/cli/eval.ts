import type { Command } from 'commander';
import { take } from '../data/index.js';
import { evaluate, type TestTimeAugmentation } from '../train/index.js';
import { ttaOption } from './tta-option.js';
import { positiveInteger } from './parse.js';
import { formatEvaluation, printJson } from './report.js';
import { openDataset, openModelDir } from './resolve.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("evaluate a saved model on a dataset's test split: top-1 and top-5 accuracy, per-class accuracy, confusion matrix")
    .argument('<model-dir>', 'a saved model directory (or its model.json, or a .zip of it)')
    .option('--dataset <name|dir>', 'mnist, fashion-mnist, or a directory with the four IDX files', 'mnist')
    .option('--batch-size <n>', 'images per forward pass', positiveInteger, 256)
    .option('--limit <n>', 'evaluate on the first n test images only', positiveInteger)
    .addOption(ttaOption())
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (modelDir: string, flags: { dataset: string; batchSize: number; limit?: number; tta: TestTimeAugmentation; json?: boolean }) => {
      const model = await openModelDir(modelDir);
      const data = await openDataset(flags.dataset);
      const test = flags.limit ? take(data.test, Math.min(flags.limit, data.test.count)) : data.test;
      const result = evaluate(model, test, { batchSize: flags.batchSize, tta: flags.tta });
      if (flags.json) printJson({ model: modelDir, dataset: data.name, top1Accuracy: result.accuracy, ...result });
      else process.stdout.write(`${formatEvaluation(result, `${data.name} test`)}\n`);
    });
}
