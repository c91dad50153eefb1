import { type Command, InvalidArgumentError, Option } from 'commander';
import { channelStats, type ImageDataset, parseAugmentSpec, splitValidation, take } from '../data/index.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { loadModel, saveModel } from '../io/index.js';
import type { Network } from '../nn/index.js';
import { checkSpecKeys, createOptimizer, type LearningRateSchedule, optimizerNames, parseSchedule, parseSpec, SCHEDULE_FORMS, specNumber } from '../optim/index.js';
import { Rng } from '../tensor/index.js';
import { type Callback, checkResumable, EarlyStopping, evaluate, fit, KeepBestCheckpoint, Lookahead, type MonitoredMetric, monitorNames, readCheckpoint, ReduceLROnPlateau, runSettings, type TestTimeAugmentation, type TrainingState } from '../train/index.js';
import { ADVERSARIAL_FORM, formatAdversarialTraining, parseAdversarialSpec } from '../train/adversarial.js';
import { fromArgumentError, nonNegativeInteger, nonNegativeNumber, openFraction, positiveInteger, positiveNumber, unitFraction } from './parse.js';
import { formatEvaluation, printJson } from './report.js';
import { openDataset, openModelSpec } from './resolve.js';
import { ttaOption } from './tta-option.js';

interface TrainFlags {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: string;
  momentum?: number;
  weightDecay?: number;
  schedule?: LearningRateSchedule;
  labelSmoothing: number;
  clipNorm?: number;
  lookahead?: boolean;
  dropLast?: boolean;
  rmspropEpsilon?: 'outside' | 'inside';
  validationSplit?: number;
  monitor?: MonitoredMetric;
  earlyStopping?: EarlyStoppingSpec;
  reduceLrOnPlateau?: ReduceLrSpec;
  keepBest?: string;
  checkpointDir?: string;
  resume?: string;
  seed: number;
  out?: string;
  tta: TestTimeAugmentation;
  json?: boolean;
  quiet?: boolean;
  limitTrain?: number;
  limitTest?: number;
  evalEveryEpoch?: boolean;
  augment?: string;
  adversarial?: string;
  normalize?: 'none' | 'per-channel';
  imageSize?: { height: number; width: number; channels?: 1 | 3 };
  testSplit?: number;
}

const EARLY_STOPPING_FORM = 'PATIENCE[:min-delta=D]';
const REDUCE_LR_FORM = 'PATIENCE[:factor=F][,min-lr=LR][,cooldown=EPOCHS]';

const HELP_AFTER = `
Learning-rate schedules (--schedule HEAD[:KEY=VALUE,...]) shape the --lr base rate at every step:
  constant                            the base rate throughout (the default)
  step:every=EPOCHS[,gamma=G]         × G (default 0.1) every EPOCHS epochs
  exponential:gamma=G                 × G per epoch, applied smoothly at every step
  cosine[:warmup=EPOCHS][,min=LR]     linear warm-up over EPOCHS (may be fractional), then cosine decay to LR (default 0)
  onecycle[:pct=P][,div=D][,final=F]  from lr/D up to lr over fraction P of the run, then down to lr/(D·F) (P 0.3, D 25, F 1e4)
  triangle[:start=S][,peak=P][,end=E]  linear from S·lr up to lr at fraction P of the run, then down to E·lr (airbench's; S 0.2, P 0.23, E 0.07)
  inverse-time:decay=D                lr/(1 + D·step): the legacy \`decay\` of Keras optimizers

Callbacks watch --monitor (val_loss by default, which needs --validation-split or --eval-every-epoch):
  --early-stopping ${EARLY_STOPPING_FORM}
      stop after PATIENCE epochs in a row without an improvement larger than D, then keep the best epoch's weights
  --reduce-lr-on-plateau ${REDUCE_LR_FORM}
      multiply the learning rate by F (default 0.1, never below LR) after PATIENCE epochs without improvement
  --keep-best DIR
      save the model to DIR each time the metric improves

Checkpoints: --checkpoint-dir D saves the model, optimizer state, random generators, epoch, schedule position
and history into D after every epoch (atomically). Rerun the same command with --resume D to continue an
interrupted run: it ends with the same weights as an uninterrupted one (on the same backend). --epochs counts
the whole run, so a larger value continues a finished run.

Examples:
  fovea train --model seed-cnn --optimizer sgd --momentum 0.9 --lr 0.05 --schedule cosine:warmup=1 --epochs 10
  fovea train --validation-split 0.1 --early-stopping 3 --keep-best best-model --checkpoint-dir ckpt
  fovea train --validation-split 0.1 --early-stopping 3 --keep-best best-model --checkpoint-dir ckpt --resume ckpt`;

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on a dataset, report test accuracy and save the model')
    .option('--model <name|path>', 'zoo model name, a layer list file (*.txt, one layer per line: Conv2D(8, 3, activation=relu)), or a saved model directory / model.json / .zip to continue from (a zoo name wins: write ./NAME for a folder named like a zoo model)', 'seed-cnn')
    .option('--dataset <name|dir>', 'mnist, fashion-mnist, cifar10, cifar100, folder:DIR (DIR/<class>/*.png|jpg, optional train/ and test/), or a directory of IDX or CIFAR binary files', 'mnist')
    .option('--image-size <h,w[,c]>', 'folder:DIR datasets: resize and centre-crop every image to this size (default: the first image\'s size; c = 1 grey or 3 colour)', imageSizeList)
    .option('--test-split <f>', 'folder:DIR datasets without a test/ folder: fraction of each class held out as the test set (default 0.2)', openFraction)
    .option('--augment <spec>', `augment each training batch on the fly, seeded: comma-separated transforms, e.g. crop:4,flip,rotate:15 (${AUGMENT_NAMES})`, fromArgumentError((spec) => (parseAugmentSpec(spec), spec)))
    .option('--adversarial <spec>', `adversarial training: ${ADVERSARIAL_FORM}; each batch is trained on together with FGSM/PGD copies made against the current weights, half the loss each (Goodfellow et al. 2015), or on the copies alone with ,replace`, fromArgumentError((spec) => (parseAdversarialSpec(spec), spec)))
    .option('--normalize <mode>', "input normalisation stored with the model: none (pixels / 255) or per-channel (subtract the training set's channel means, divide by its standard deviations)", normalizeMode)
    .option('--epochs <n>', 'passes over the training set (in the whole run, when resuming)', positiveInteger, 3)
    .option('--batch-size <n>', 'images per gradient step', positiveInteger, 64)
    .option('--lr <rate>', 'learning rate (the base rate a --schedule shapes)', positiveNumber, 1e-3)
    .option('--optimizer <name>', `one of ${optimizerNames.join(', ')}`, 'adam')
    .option('--momentum <m>', 'momentum in [0, 1) for sgd and rmsprop (momentum and nesterov default to 0.9)', unitFraction)
    .addOption(new Option('--rmsprop-epsilon <where>', "rmsprop: add epsilon outside the square root (PyTorch, Keras 2.0–2.2) or inside it (TensorFlow, tf.keras)").choices(['outside', 'inside']))
    .option('--weight-decay <w>', 'L2 penalty (sgd, adam, rmsprop) or decoupled weight decay (adamw, default 0.01)', nonNegativeNumber)
    .option('--schedule <spec>', `learning-rate schedule: ${SCHEDULE_FORMS.join(' | ')} (see below)`, fromArgumentError(parseSchedule))
    .option('--label-smoothing <eps>', 'label smoothing ε in [0, 1): targets (1−ε)·onehot + ε/classes', unitFraction, 0)
    .option('--clip-norm <n>', 'rescale the gradients when their global norm exceeds n', positiveNumber)
    .option('--drop-last', "leave out each epoch's last batch when it is partial (airbench: 48 batches of 1024 from 50,000 images; the 848 left over differ every epoch)")
    .option('--lookahead', "airbench's weight average: from the 4th epoch, every 5 steps, move an average of the weights toward them (weight 0.95⁵·(step/total)³ on the old average) and set the weights to it")
    .option('--validation-split <f>', 'hold out this fraction of the training images (seeded sample) for val_loss / val_accuracy', openFraction)
    .option('--monitor <metric>', `metric the callbacks watch: ${monitorNames.join(', ')} (default val_loss)`, fromArgumentError(parseMonitor))
    .option('--early-stopping <spec>', `stop when --monitor stalls: ${EARLY_STOPPING_FORM}`, fromArgumentError(parseEarlyStopping))
    .option('--reduce-lr-on-plateau <spec>', `reduce the learning rate when --monitor stalls: ${REDUCE_LR_FORM}`, fromArgumentError(parseReduceLr))
    .option('--keep-best <dir>', 'save the model to dir whenever --monitor improves')
    .option('--checkpoint-dir <dir>', 'save a resumable checkpoint to dir after every epoch')
    .option('--resume <dir>', 'continue the run checkpointed in dir (and keep checkpointing there unless --checkpoint-dir says otherwise)')
    .option('--seed <n>', 'seed for initialisation, shuffling, dropout and the validation split', nonNegativeInteger, 0)
    .option('--out <dir>', 'where to save the trained model (model.json + weights.safetensors)')
    .option('--limit-train <n>', 'train on the first n training images only', positiveInteger)
    .option('--limit-test <n>', 'evaluate on the first n test images only', positiveInteger)
    .option('--eval-every-epoch', 'also measure test accuracy after every epoch (kept in the history as val_accuracy)')
    .addOption(ttaOption())
    .option('--json', 'print one JSON object with the results on stdout')
    .option('--quiet', 'no progress bar or summary')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: TrainFlags, command: Command) => {
      const optimizer = createOptimizer(flags.optimizer, { learningRate: flags.lr, weightDecay: flags.weightDecay, momentum: flags.momentum, epsilonInSqrt: flags.rmspropEpsilon === 'inside' });
      const data = await openDataset(flags.dataset, { imageSize: flags.imageSize, valSplit: flags.testSplit, seed: flags.seed });
      const { train, validation } = splitTraining(flags.limitTrain ? take(data.train, Math.min(flags.limitTrain, data.train.count)) : data.train, flags);
      const test = flags.limitTest ? take(data.test, Math.min(flags.limitTest, data.test.count)) : data.test;
      const modelGiven = command.getOptionValueSource('model') !== 'default';
      const model = await openTrainingModel(flags, modelGiven, train);
      const outputs = model.outputShape[model.outputShape.length - 1];
      if (outputs !== data.classNames.length) {
        // Checked before training: model.json could not be loaded with class names that disagree with the outputs.
        throw new ShapeError(
          `model '${modelGiven || !flags.resume ? flags.model : model.name}' has ${outputs} outputs but dataset '${data.name}' has ${data.classNames.length} classes; continue training only on a dataset with the same classes, or start from a zoo model`,
        );
      }
      model.classNames = [...data.classNames];
      if (flags.normalize === 'per-channel') {
        const stats = channelStats(train);
        model.inputNormalization = { scale: 1 / 255, mean: stats.mean, std: stats.std };
      } else if (flags.normalize === 'none') {
        model.inputNormalization = { scale: 1 / 255, mean: [0], std: [1] };
      }
      const validationData = validation ?? (flags.evalEveryEpoch ? test : undefined);
      const callbacks = buildCallbacks(flags, validationData !== undefined, data.name);
      const augment = flags.augment === undefined ? undefined : parseAugmentSpec(flags.augment);
      const adversarial = flags.adversarial === undefined ? undefined : parseAdversarialSpec(flags.adversarial);
      // Read and check the checkpoint before printing anything, so a wrong --resume fails at once.
      const checkpoint = flags.resume === undefined ? undefined : await readCheckpoint(flags.resume);
      if (checkpoint) {
        checkResumable(checkpoint, {
          model,
          optimizer,
          batchSize: flags.batchSize,
          trainImages: train.count,
          datasetName: data.name,
          schedule: flags.schedule ?? null,
          settings: runSettings({ labelSmoothing: flags.labelSmoothing, clipNorm: flags.clipNorm, augment, adversarial, dropLast: flags.dropLast }),
          lookahead: flags.lookahead === true,
        });
      }
      const talk = !flags.json && !flags.quiet;
      if (talk) {
        process.stdout.write(`${model.summary()}\n\n`);
        process.stdout.write(`${describeRun(flags, model, data.name, data.location, train, validation, checkpoint?.state)}\n`);
      }
      const started = performance.now();
      const epochs = await fit(model, train, {
        epochs: flags.epochs,
        batchSize: flags.batchSize,
        optimizer,
        seed: flags.seed,
        schedule: flags.schedule,
        labelSmoothing: flags.labelSmoothing,
        clipNorm: flags.clipNorm,
        augment,
        adversarial,
        dropLast: flags.dropLast,
        validationData,
        callbacks,
        checkpointDir: flags.checkpointDir ?? flags.resume,
        resumeFrom: checkpoint,
        datasetName: data.name,
        progress: flags.quiet ? undefined : { write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY },
      });
      const trainSeconds = (performance.now() - started) / 1000;
      // --tta applies to this final measurement; the per-epoch validation (--eval-every-epoch) stays plain.
      const result = evaluate(model, test, { tta: flags.tta });
      const stoppedEarly = callbacks.find((c): c is EarlyStopping => c instanceof EarlyStopping)?.stoppedEpoch ?? null;
      if (flags.out) {
        await saveModel(model, flags.out, {
          training: {
            dataset: data.name,
            epochs: epochs.length,
            batchSize: flags.batchSize,
            optimizer: optimizer.getConfig(),
            schedule: flags.schedule?.getConfig() ?? null,
            labelSmoothing: flags.labelSmoothing,
            clipNorm: flags.clipNorm ?? null,
            augment: flags.augment ?? null,
            adversarial: adversarial ? formatAdversarialTraining(adversarial) : null,
            ...(flags.dropLast ? { dropLast: true } : {}),
            seed: flags.seed,
            testAccuracy: result.accuracy,
            testTta: flags.tta,
          },
        });
      }
      if (flags.json) {
        printJson({
          model: model.name,
          dataset: data.name,
          trainImages: train.count,
          validationImages: validation?.count ?? null,
          epochs,
          stoppedEarlyAt: stoppedEarly,
          trainSeconds,
          test: result,
          savedTo: flags.out ?? null,
          checkpointDir: flags.checkpointDir ?? flags.resume ?? null,
          resumedFrom: flags.resume ?? null,
        });
      } else {
        process.stdout.write(`\n${formatEvaluation(result)}\n`);
        if (flags.out) process.stdout.write(`\nSaved the model to ${flags.out}\n`);
      }
    });
}

const AUGMENT_NAMES = 'crop, flip, altflip, rotate, translate, scale, brightness, contrast, noise, cutout';

function normalizeMode(value: string): 'none' | 'per-channel' {
  if (value !== 'none' && value !== 'per-channel') throw new InvalidArgumentError(`expected none or per-channel, got '${value}'`);
  return value;
}

function imageSizeList(value: string): { height: number; width: number; channels?: 1 | 3 } {
  const dims = value.split(/[,x×]/).map((d) => d.trim());
  if ((dims.length !== 2 && dims.length !== 3) || dims.some((d) => !/^\d+$/.test(d) || Number(d) < 1) || (dims.length === 3 && dims[2] !== '1' && dims[2] !== '3')) {
    throw new InvalidArgumentError(`expected height,width or height,width,channels (positive integers; channels 1 or 3), got '${value}'`);
  }
  return { height: Number(dims[0]), width: Number(dims[1]), ...(dims.length === 3 ? { channels: Number(dims[2]) as 1 | 3 } : {}) };
}

function parseMonitor(value: string): MonitoredMetric {
  if (!(monitorNames as readonly string[]).includes(value)) throw new ArgumentError(`expected one of ${monitorNames.join(', ')}, got '${value}'`);
  return value as MonitoredMetric;
}

function specPatience(head: string, spec: string, expected: string): number {
  if (!/^\d+$/.test(head)) throw new ArgumentError(`'${spec}': PATIENCE must be a whole number of epochs, got '${head}'; expected ${expected}`);
  return Number(head);
}

interface EarlyStoppingSpec {
  patience: number;
  minDelta?: number;
}

function parseEarlyStopping(spec: string): EarlyStoppingSpec {
  const parsed = parseSpec(spec, EARLY_STOPPING_FORM);
  checkSpecKeys(parsed, ['min-delta'], spec, EARLY_STOPPING_FORM);
  const minDelta = specNumber(parsed, 'min-delta', spec, EARLY_STOPPING_FORM);
  if (minDelta !== undefined && minDelta < 0) throw new ArgumentError(`'${spec}': min-delta must be ≥ 0; expected ${EARLY_STOPPING_FORM}`);
  return { patience: specPatience(parsed.head, spec, EARLY_STOPPING_FORM), minDelta };
}

interface ReduceLrSpec {
  patience: number;
  factor?: number;
  minLearningRate?: number;
  cooldown?: number;
}

function parseReduceLr(spec: string): ReduceLrSpec {
  const parsed = parseSpec(spec, REDUCE_LR_FORM);
  checkSpecKeys(parsed, ['factor', 'min-lr', 'cooldown'], spec, REDUCE_LR_FORM);
  const result: ReduceLrSpec = {
    patience: specPatience(parsed.head, spec, REDUCE_LR_FORM),
    factor: specNumber(parsed, 'factor', spec, REDUCE_LR_FORM),
    minLearningRate: specNumber(parsed, 'min-lr', spec, REDUCE_LR_FORM),
    cooldown: specNumber(parsed, 'cooldown', spec, REDUCE_LR_FORM),
  };
  try {
    new ReduceLROnPlateau(result);
  } catch (e) {
    if (e instanceof ArgumentError) throw new ArgumentError(`'${spec}': ${e.message}; expected ${REDUCE_LR_FORM}`);
    throw e;
  }
  return result;
}

/** The training images, less a seeded --validation-split held out for validation. */
function splitTraining(train: ImageDataset, flags: TrainFlags): { train: ImageDataset; validation?: ImageDataset } {
  if (flags.validationSplit === undefined) return { train };
  if (flags.evalEveryEpoch) throw new ArgumentError('--validation-split and --eval-every-epoch both choose the validation data; give one of them');
  const split = splitValidation(train, flags.validationSplit, new Rng(flags.seed));
  return { train: split.train, validation: split.validation };
}

/**
 * The model to train: --model, or when resuming without --model, the checkpoint's own model
 * (fit checks that a given --model has the checkpoint's architecture).
 */
async function openTrainingModel(flags: TrainFlags, modelGiven: boolean, train: ImageDataset): Promise<Network> {
  if (flags.resume !== undefined && !modelGiven) return loadModel(flags.resume);
  return openModelSpec(flags.model, { inputShape: [train.height, train.width, train.channels], numClasses: train.numClasses, seed: flags.seed });
}

function buildCallbacks(flags: TrainFlags, hasValidation: boolean, datasetName: string): Callback[] {
  // The weight average first: the callbacks after it see the averaged weights.
  const averaging: Callback[] = flags.lookahead ? [new Lookahead()] : [];
  const uses = [flags.earlyStopping && '--early-stopping', flags.reduceLrOnPlateau && '--reduce-lr-on-plateau', flags.keepBest && '--keep-best'].filter(Boolean);
  if (uses.length === 0) return averaging;
  const monitor = flags.monitor ?? 'val_loss';
  if (monitor.startsWith('val_') && !hasValidation) {
    throw new ArgumentError(`${uses.join(' and ')} watch ${monitor}, which needs validation data: add --validation-split F (e.g. 0.1) or --eval-every-epoch, or choose --monitor loss`);
  }
  const callbacks: Callback[] = [...averaging];
  if (flags.reduceLrOnPlateau) callbacks.push(new ReduceLROnPlateau({ monitor, ...flags.reduceLrOnPlateau }));
  if (flags.keepBest) callbacks.push(new KeepBestCheckpoint({ dir: flags.keepBest, monitor, training: { dataset: datasetName, seed: flags.seed } }));
  if (flags.earlyStopping) callbacks.push(new EarlyStopping({ monitor, ...flags.earlyStopping, restoreBestWeights: true }));
  return callbacks;
}

function describeRun(flags: TrainFlags, model: Network, dataset: string, location: string, train: ImageDataset, validation?: ImageDataset, resumed?: TrainingState): string {
  const images = `${train.count.toLocaleString('en-US')} images${validation ? ` + ${validation.count.toLocaleString('en-US')} held out for validation` : ''}`;
  const extras = [
    flags.momentum !== undefined && `momentum ${flags.momentum}`,
    flags.weightDecay !== undefined && `weight decay ${flags.weightDecay}`,
    flags.schedule && `schedule ${flags.schedule.getConfig().spec}`,
    flags.labelSmoothing > 0 && `label smoothing ${flags.labelSmoothing}`,
    flags.clipNorm !== undefined && `clip norm ${flags.clipNorm}`,
    flags.lookahead && 'lookahead',
    flags.dropLast && 'partial batches dropped',
    flags.rmspropEpsilon === 'inside' && 'epsilon inside the square root',
    flags.adversarial !== undefined && `adversarial ${flags.adversarial}`,
  ].filter(Boolean);
  const resume = flags.resume && resumed ? `\n${describeResumePoint(flags.resume, resumed, flags.epochs)}` : '';
  return `Training ${model.name} on ${dataset} (${images}, from ${location}) for ${flags.epochs} epoch(s), batch ${flags.batchSize}, ${flags.optimizer} lr ${flags.lr}${extras.length ? `, ${extras.join(', ')}` : ''}, seed ${flags.seed}${resume}`;
}

/** "Resuming the run checkpointed in DIR after epoch 26 of 100 (loss …, accuracy …, val_accuracy …)". */
function describeResumePoint(dir: string, state: TrainingState, epochs: number): string {
  const last = state.logs.at(-1);
  // JSON keeps a NaN loss as null.
  const fixed = (x: number | null, digits: number, unit = 1): string => (typeof x === 'number' && Number.isFinite(x) ? (x * unit).toFixed(digits) : 'NaN');
  const metrics = last
    ? ` (loss ${fixed(last.loss, 4)}, accuracy ${fixed(last.accuracy, 2, 100)}%${last.valAccuracy !== undefined ? `, val_accuracy ${fixed(last.valAccuracy, 2, 100)}%` : ''})`
    : '';
  const done = state.epochsDone;
  const left = state.stopped
    ? '; early stopping had ended it, so it is only evaluated'
    : done >= epochs
      ? `; --epochs ${epochs} are all done, so it is only evaluated`
      : '';
  return `Resuming the run checkpointed in ${dir} after epoch ${done}${done < epochs ? ` of ${epochs}` : ''}${metrics}${left}`;
}
