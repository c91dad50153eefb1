import type { Command } from 'commander';
import { take } from '../data/index.js';
import { ShapeError } from '../errors.js';
import { saveModel } from '../io/index.js';
import { createOptimizer, optimizerNames } from '../optim/index.js';
import { evaluate, fit } from '../train/index.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './parse.js';
import { formatEvaluation, printJson } from './report.js';
import { openDataset, openModelSpec } from './resolve.js';

interface TrainFlags {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: string;
  seed: number;
  out?: string;
  json?: boolean;
  quiet?: boolean;
  limitTrain?: number;
  limitTest?: number;
  evalEveryEpoch?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on a dataset, report test accuracy and save the model')
    .option('--model <name|path>', 'zoo model name, or a saved model directory / model.json to continue from', 'seed-cnn')
    .option('--dataset <name|dir>', 'mnist, fashion-mnist, or a directory with the four IDX files', 'mnist')
    .option('--epochs <n>', 'passes over the training set', positiveInteger, 3)
    .option('--batch-size <n>', 'images per gradient step', positiveInteger, 64)
    .option('--lr <rate>', 'learning rate', positiveNumber, 1e-3)
    .option('--optimizer <name>', `one of ${optimizerNames.join(', ')}`, 'adam')
    .option('--seed <n>', 'seed for initialisation, shuffling and dropout', nonNegativeInteger, 0)
    .option('--out <dir>', 'where to save the trained model (model.json + weights.safetensors)')
    .option('--limit-train <n>', 'train on the first n training images only', positiveInteger)
    .option('--limit-test <n>', 'evaluate on the first n test images only', positiveInteger)
    .option('--eval-every-epoch', 'also measure test accuracy after every epoch (kept in the history as val_accuracy)')
    .option('--json', 'print one JSON object with the results on stdout')
    .option('--quiet', 'no progress bar or summary')
    .action(async (flags: TrainFlags) => {
      const optimizer = createOptimizer(flags.optimizer, { learningRate: flags.lr });
      const data = await openDataset(flags.dataset);
      const train = flags.limitTrain ? take(data.train, Math.min(flags.limitTrain, data.train.count)) : data.train;
      const test = flags.limitTest ? take(data.test, Math.min(flags.limitTest, data.test.count)) : data.test;
      const model = await openModelSpec(flags.model, {
        inputShape: [train.height, train.width, train.channels],
        numClasses: train.numClasses,
        seed: flags.seed,
      });
      const outputs = model.outputShape[model.outputShape.length - 1];
      if (outputs !== data.classNames.length) {
        // Checked before training: model.json could not be loaded with class names that disagree with the outputs.
        throw new ShapeError(
          `model '${flags.model}' has ${outputs} outputs but dataset '${data.name}' has ${data.classNames.length} classes; continue training only on a dataset with the same classes, or start from a zoo model`,
        );
      }
      model.classNames = [...data.classNames];
      const talk = !flags.json && !flags.quiet;
      if (talk) {
        process.stdout.write(`${model.summary()}\n\n`);
        process.stdout.write(`Training ${model.name} on ${data.name} (${train.count.toLocaleString('en-US')} images, from ${data.location}) for ${flags.epochs} epoch(s), batch ${flags.batchSize}, ${flags.optimizer} lr ${flags.lr}, seed ${flags.seed}\n`);
      }
      const started = performance.now();
      const epochs = fit(model, train, {
        epochs: flags.epochs,
        batchSize: flags.batchSize,
        optimizer,
        seed: flags.seed,
        validationData: flags.evalEveryEpoch ? test : undefined,
        progress: flags.quiet ? undefined : { write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY },
      });
      const trainSeconds = (performance.now() - started) / 1000;
      const result = evaluate(model, test);
      if (flags.out) {
        await saveModel(model, flags.out, {
          training: { dataset: data.name, epochs: flags.epochs, batchSize: flags.batchSize, optimizer: optimizer.getConfig(), seed: flags.seed, testAccuracy: result.accuracy },
        });
      }
      if (flags.json) {
        printJson({ model: model.name, dataset: data.name, trainImages: train.count, epochs, trainSeconds, test: result, savedTo: flags.out ?? null });
      } else {
        process.stdout.write(`\n${formatEvaluation(result)}\n`);
        if (flags.out) process.stdout.write(`\nSaved the model to ${flags.out}\n`);
      }
    });
}
