import { Command, Option } from 'commander';
import { ArgumentError } from '../errors.js';
import { checkClassIndex, className, classify, gradCam, heatmapFigure, inputGradient, numClasses, pictureFormat, saliencyFromGradient } from '../explain/index.js';
import type { Tensor } from '../tensor/index.js';
import { nonNegativeInteger } from './parse.js';
import { printJson } from './report.js';
import { openModelDir } from './resolve.js';
import { chooseImage, confidenceText, OUT_HELP, parseClass, splitOption, writeFigure } from './explain-common.js';

interface SaliencyFlags {
  dataset: string;
  index: number;
  split: 'train' | 'test';
  class?: string;
  method: 'gradient' | 'gradcam';
  layer?: string;
  out: string;
  json?: boolean;
}

export function registerSaliency(program: Command): void {
  program
    .command('saliency')
    .description('show which pixels a class score depends on: the gradient of the class logit with respect to the input (|∂score/∂pixel|, largest over the colour channels), or Grad-CAM over a convolution layer, laid over the image with the prediction written on the picture')
    .argument('<model-dir>', 'a saved model (its directory or model.json)')
    .option('--dataset <name|dir>', 'where the image comes from', 'mnist')
    .option('--index <n>', 'which image of the split', nonNegativeInteger, 0)
    .addOption(splitOption())
    .option('--class <c>', 'the class to explain, by index or name (default: the predicted class)')
    .addOption(new Option('--method <method>', 'gradient: input-gradient saliency (Simonyan et al. 2014); gradcam: Grad-CAM (Selvaraju et al. 2017)').choices(['gradient', 'gradcam']).default('gradient'))
    .option('--layer <name>', 'Grad-CAM only: the layer whose feature maps are weighted (default: the last convolution layer larger than 1×1)')
    .requiredOption('--out <file>', OUT_HELP)
    .option('--json', 'print one JSON object describing the result on stdout')
    .addHelpText('after', '\nThe class score is the logit, before the softmax (capsule networks: the class capsule\'s length). The map is drawn from 0\n(black) to its largest value (yellow); in the overlay, hotter pixels are more opaque.')
    .action(async (modelDir: string, flags: SaliencyFlags) => {
      const format = pictureFormat(flags.out);
      if (flags.layer !== undefined && flags.method !== 'gradcam') throw new ArgumentError(`--layer chooses Grad-CAM's layer; it needs --method gradcam (got --method ${flags.method})`);
      const model = await openModelDir(modelDir);
      numClasses(model);
      const requested = flags.class === undefined ? undefined : checkClassIndex(model, parseClass(model, flags.class));
      const chosen = await chooseImage(model, flags.dataset, flags.split, flags.index);
      const verdict = classify(model, chosen.image);
      const classIndex = requested ?? verdict.predictedClass;
      const name = className(model, classIndex);
      const predicted = className(model, verdict.predictedClass);
      let map: Tensor;
      let score: number;
      let layer: string | undefined;
      let camShape: number[] | undefined;
      if (flags.method === 'gradcam') {
        const cam = gradCam(model, chosen.image, classIndex, flags.layer);
        map = cam.heatmap;
        score = cam.score;
        layer = cam.layer;
        camShape = [...cam.cam.shape];
      } else {
        const g = inputGradient(model, chosen.image, classIndex);
        map = saliencyFromGradient(g.gradient);
        score = g.score;
      }
      let max = 0;
      for (const v of map.data) max = Math.max(max, v);
      const top = Array.from(verdict.probabilities, (p, c) => ({ classIndex: c, className: className(model, c), probability: p }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, 3);
      const scoreName = model.loss === 'margin' ? 'capsule length' : 'logit';
      const title = flags.method === 'gradcam' ? `Grad-CAM of class ${name} at layer '${layer}'` : `Saliency of class ${name}: |∂ ${scoreName} / ∂ pixel|`;
      const figure = heatmapFigure(chosen.image, map, { labels: format === 'svg',
        title,
        notes: [
          `predicted ${predicted} (${confidenceText(model, verdict.confidence)}) · label ${chosen.label} · ${chosen.dataset} ${chosen.split} image ${chosen.index}`,
          `top 3: ${top.map((t) => `${t.className} ${confidenceText(model, t.probability)}`).join(', ')} · ${scoreName} of class ${name}: ${score.toPrecision(4)}`,
        ],
        mapTitle: flags.method === 'gradcam' ? `Grad-CAM (${camShape!.join('×')} → ${map.shape.join('×')})` : 'saliency',
        legendCaption: flags.method === 'gradcam' ? 'ReLU(Σ α_k A_k), upsampled' : `|∂ ${scoreName} / ∂ pixel| (pixels in 0..1)`,
      });
      const written = await writeFigure(figure, flags.out);
      const result = {
        out: flags.out,
        format: written.format,
        width: written.width,
        height: written.height,
        method: flags.method,
        ...(layer !== undefined ? { layer, camShape } : {}),
        dataset: chosen.dataset,
        split: chosen.split,
        index: chosen.index,
        label: chosen.label,
        classIndex,
        className: name,
        score,
        predictedClass: verdict.predictedClass,
        predictedClassName: predicted,
        confidence: verdict.confidence,
        top,
        mapMax: max,
        inputChanges: chosen.changes,
      };
      if (flags.json) {
        printJson(result);
        return;
      }
      process.stdout.write(
        `wrote ${flags.out} (${written.width}×${written.height} px ${written.format}): ${flags.method === 'gradcam' ? `Grad-CAM at layer '${layer}' (${camShape!.join('×')})` : 'input-gradient saliency'} of class ${name} for ${chosen.dataset} ${chosen.split} image ${chosen.index}\n` +
          `  label ${chosen.label}; predicted ${predicted} (${confidenceText(model, verdict.confidence)}); ${scoreName} of class ${name} ${score.toPrecision(4)}; map max ${max.toPrecision(3)}\n`,
      );
    });
}
