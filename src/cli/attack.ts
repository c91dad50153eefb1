import { type Command, InvalidArgumentError, Option } from 'commander';
import { ArgumentError } from '../errors.js';
import {
  type AdversarialAccuracy,
  adversarialAccuracy,
  adversarialExample,
  adversarialFigure,
  adversarialVerdict,
  type AttackName,
  checkClassIndex,
  className,
  defaultStepSize,
  numClasses,
  pictureFormat,
} from '../explain/index.js';
import type { Network } from '../nn/index.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './parse.js';
import { printJson } from './report.js';
import { openDataset, openModelDir } from './resolve.js';
import { chooseImage, OUT_HELP, parseClass, splitOption, writeFigure } from './explain-common.js';

interface AttackFlags {
  dataset: string;
  split: 'train' | 'test';
  method: AttackName;
  epsilons: number[];
  epsilon: number;
  steps?: number;
  stepSize?: number;
  randomStart?: boolean;
  seed: number;
  target?: string;
  index?: number;
  out?: string;
  limit?: number;
  batchSize: number;
  curve: boolean;
  json?: boolean;
}

/** An ε: a number in [0, 1], since pixels are in [0, 1]. */
function epsilonValue(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected ε, a number in [0, 1] (pixels are in [0, 1]), got '${value}'`);
  return n;
}

/** `--epsilons 0,0.05,0.1`: one or more ε in [0, 1], comma-separated. */
function epsilonList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new InvalidArgumentError(`expected comma-separated ε values in [0, 1], e.g. 0,0.05,0.1,0.2, got '${value}'`);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`every ε must be a number in [0, 1] (pixels are in [0, 1]), got '${p}' in '${value}'`);
    return n;
  });
}

const HELP_AFTER = `
The attacks change pixels in [0, 1] (before the model's input normalisation) by at most ε each (L∞):
  fgsm   x′ = clip(x + ε·sign(∇ₓ loss)), one gradient (Goodfellow et al. 2015)
  pgd    --steps steps of --step-size (default 2.5·ε/steps), each projected back into the ε-ball and
         [0, 1]; from x itself (Kurakin et al.'s basic iterative method) or, with --random-start,
         from a random point of the ball (Madry et al. 2018)
The loss is the model's own (cross-entropy; capsule networks: the margin loss), computed in inference
mode. Untargeted attacks raise the loss of the true label; --target C lowers the loss of class C for
every image, and the table adds how often the model then says C (among images whose label is not C).

Examples:
  fovea attack models/seed-cnn-mnist --epsilons 0,0.05,0.1,0.2
  fovea attack models/seed-cnn-mnist --method pgd --steps 20 --limit 1000
  fovea attack models/seed-cnn-mnist --no-curve --index 0 --epsilon 0.2 --out adversarial.svg
  fovea attack models/seed-cnn-mnist --target 3 --epsilons 0,0.1,0.2 --index 5 --out to-three.svg`;

export function registerAttack(program: Command): void {
  program
    .command('attack')
    .description('attack a trained model with adversarial examples (FGSM or PGD, L∞): print its accuracy at each budget ε on the test set, and draw one attacked image (original, perturbation, adversarial) with --out')
    .argument('<model-dir>', 'a saved model (its directory or model.json)')
    .option('--dataset <name|dir>', 'the images to attack', 'mnist')
    .addOption(splitOption())
    .addOption(new Option('--method <method>', 'fgsm: one gradient-sign step of ε; pgd: projected gradient descent').choices(['fgsm', 'pgd']).default('fgsm'))
    .addOption(new Option('--epsilons <list>', 'the budgets of the accuracy table, comma-separated, each in [0, 1] (0 = clean accuracy)').argParser(epsilonList).default([0, 0.05, 0.1, 0.2], '0,0.05,0.1,0.2'))
    .option('--epsilon <eps>', 'the budget of the picture (--out), in [0, 1]', epsilonValue, 0.1)
    .option('--steps <n>', 'pgd: gradient steps (default 10)', positiveInteger)
    .option('--step-size <a>', 'pgd: how far each step moves a pixel (default 2.5·ε/steps at each ε)', positiveNumber)
    .option('--random-start', 'pgd: start from a uniformly random point of the ε-ball')
    .option('--seed <n>', 'pgd: seed of the random start', nonNegativeInteger, 0)
    .option('--target <class>', 'a targeted attack: make the model say this class (index or name) for every image')
    .option('--index <n>', 'the image of the picture (default 0; needs --out)', nonNegativeInteger)
    .option('--out <file>', `write the picture of image --index attacked at --epsilon: ${OUT_HELP}`)
    .option('--limit <n>', 'attack only the first n images of the split for the table', positiveInteger)
    .option('--batch-size <n>', 'images per attack batch', positiveInteger, 100)
    .option('--no-curve', 'skip the accuracy table (only write the picture)')
    .option('--json', 'print one JSON object with the results on stdout')
    .addHelpText('after', HELP_AFTER)
    .action(async (modelDir: string, flags: AttackFlags, command: Command) => {
      const given = (name: string) => command.getOptionValueSource(name) === 'cli';
      if (flags.method === 'fgsm') {
        const pgdOnly = ['steps', 'stepSize', 'randomStart', 'seed'].filter(given).map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
        if (pgdOnly.length) throw new ArgumentError(`${pgdOnly.join(', ')} apply to --method pgd; --method fgsm takes one step of ε`);
      }
      if (flags.index !== undefined && flags.out === undefined) throw new ArgumentError('--index chooses the image of the picture: add --out FILE.svg (or .png)');
      if (!flags.curve && flags.out === undefined) throw new ArgumentError('--no-curve leaves nothing to do without --out FILE.svg (or .png)');
      const format = flags.out === undefined ? undefined : pictureFormat(flags.out);
      const model = await openModelDir(modelDir);
      numClasses(model);
      const target = flags.target === undefined ? undefined : parseTarget(model, flags.target);
      const settings = {
        attack: flags.method,
        ...(flags.method === 'pgd' ? { steps: flags.steps ?? 10, stepSize: flags.stepSize, randomStart: flags.randomStart ?? false, seed: flags.seed } : {}),
        ...(target !== undefined ? { target } : {}),
      };
      let curve: AdversarialAccuracy | undefined;
      let datasetName = flags.dataset;
      if (flags.curve) {
        const data = await openDataset(flags.dataset);
        datasetName = data.name;
        const progress = process.stderr.isTTY;
        curve = adversarialAccuracy(model, data[flags.split], {
          ...settings,
          epsilons: flags.epsilons,
          limit: flags.limit,
          batchSize: flags.batchSize,
          onProgress: progress ? (done, total) => process.stderr.write(`\rattacking: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} images`) : undefined,
        });
        if (progress) process.stderr.write('\r\x1b[K');
      }
      let picture: Record<string, unknown> | undefined;
      let pictureLine = '';
      if (flags.out !== undefined && format !== undefined) {
        const chosen = await chooseImage(model, flags.dataset, flags.split, flags.index ?? 0);
        datasetName = chosen.dataset;
        const example = adversarialExample(model, chosen.image, chosen.labelIndex, { ...settings, epsilon: flags.epsilon });
        const verdict = adversarialVerdict(model, example);
        const method = describeMethod(flags, target === undefined ? undefined : className(model, target), flags.epsilon);
        const figure = adversarialFigure(model, example, {
          labels: format === 'svg',
          title: `${flags.method.toUpperCase()} attack at ε = ${flags.epsilon} — ${verdict}`,
          labelName: chosen.label,
          notes: [
            `${chosen.dataset} ${chosen.split} image ${chosen.index}, label ${chosen.label} · model ${model.name} · ${method}`,
            `max |δ| = ${example.maxPerturbation.toFixed(3)} (pixels in 0..1) · the perturbation is drawn so that ±ε fills the colour scale`,
          ],
        });
        const written = await writeFigure(figure, flags.out);
        const outcome = (c: typeof example.before) => ({ predictedClass: c.predictedClass, predictedClassName: className(model, c.predictedClass), confidence: c.confidence });
        picture = {
          out: flags.out,
          format: written.format,
          width: written.width,
          height: written.height,
          split: chosen.split,
          index: chosen.index,
          label: chosen.label,
          labelIndex: chosen.labelIndex,
          epsilon: flags.epsilon,
          maxPerturbation: example.maxPerturbation,
          original: outcome(example.before),
          adversarial: outcome(example.after),
          fooled: example.before.predictedClass === chosen.labelIndex && example.after.predictedClass !== chosen.labelIndex,
          verdict,
          inputChanges: chosen.changes,
        };
        pictureLine = `wrote ${flags.out} (${written.width}×${written.height} px ${written.format}): ${chosen.dataset} ${chosen.split} image ${chosen.index}, label ${chosen.label}, ε = ${flags.epsilon}: ${verdict}\n`;
      }
      if (flags.json) {
        printJson({
          model: model.name,
          dataset: datasetName,
          split: flags.split,
          method: flags.method,
          ...(flags.method === 'pgd' ? { steps: flags.steps ?? 10, stepSize: flags.stepSize ?? null, randomStart: flags.randomStart ?? false, seed: flags.seed } : {}),
          target: target ?? null,
          targetName: target === undefined ? null : className(model, target),
          curve: curve ?? null,
          picture: picture ?? null,
        });
        return;
      }
      if (curve) process.stdout.write(formatCurve(model, curve, datasetName, flags, target));
      if (pictureLine) process.stdout.write(pictureLine);
    });
}

/** `--target`: an index or class name, one of the model's classes (the error names the flag). */
function parseTarget(model: Network, spec: string): number {
  try {
    return checkClassIndex(model, parseClass(model, spec));
  } catch (e) {
    if (e instanceof ArgumentError) throw new ArgumentError(`--target ${spec}: ${e.message}`);
    throw e;
  }
}

function describeMethod(flags: AttackFlags, targetName: string | undefined, epsilon: number): string {
  const aim = targetName === undefined ? 'untargeted' : `targeted at class ${targetName}`;
  if (flags.method === 'fgsm') return `FGSM, ${aim}`;
  const steps = flags.steps ?? 10;
  const size = flags.stepSize ?? defaultStepSize(epsilon, steps);
  return `PGD ${steps} steps of ${Number(size.toPrecision(3))}${flags.randomStart ? ', random start' : ''}, ${aim}`;
}

function formatCurve(model: Network, curve: AdversarialAccuracy, dataset: string, flags: AttackFlags, target: number | undefined): string {
  const targetName = target === undefined ? undefined : className(model, target);
  const method =
    flags.method === 'fgsm'
      ? 'FGSM'
      : `PGD (${curve.steps} steps of ${curve.stepSize === null || curve.stepSize === undefined ? '2.5·ε/steps' : curve.stepSize}${curve.randomStart ? ', random start' : ''})`;
  const lines = [`${method}, ${targetName === undefined ? 'untargeted' : `targeted at class ${targetName}`}, L∞ on pixels in [0, 1]: model ${model.name}, ${dataset} ${flags.split}, ${curve.count.toLocaleString('en-US')} images`];
  const header = ['  ε'.padEnd(10), 'accuracy'.padStart(9), '  correct'.padEnd(18), ...(target !== undefined ? [`  said ${targetName}`] : [])];
  lines.push(header.join('').trimEnd());
  for (const p of curve.points) {
    const row = [
      `  ${p.epsilon}`.padEnd(10),
      `${(p.accuracy * 100).toFixed(2)}%`.padStart(9),
      `  ${p.correct} / ${curve.count}`.padEnd(18),
      ...(p.targetRate !== undefined ? [`  ${(p.targetRate * 100).toFixed(2)}%`] : []),
    ];
    lines.push(row.join('').trimEnd());
  }
  return `${lines.join('\n')}\n`;
}
