/**
 * Grad-CAM (Selvaraju et al. 2017): where in the image a convolution layer saw evidence for a
 * class. Each channel k of the layer's output A gets the weight α_k = the spatial mean of
 * d score / d A_k; the map is ReLU(Σ_k α_k A_k), at the layer's resolution, then resampled
 * bilinearly onto the image, each position over its receptive field's centre. The score is the class logit (capsule networks: the capsule length).
 */
import { valueAndGrads, watch } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';
import { formatShape, Tensor } from '../tensor/index.js';
import { normalizeBatch } from '../train/normalize.js';
import { asModelInput } from './image.js';
import { checkClassIndex, describeLayers, findLayer, hasSpatialOutput, isConvLayer, numClasses } from './layers.js';
import { alignedPlacement, mapPlacement, resampleToImage } from './map-geometry.js';
import { classScoreOf } from './saliency.js';

/**
 * The layer Grad-CAM looks at by default: the last Conv2D / DepthwiseConv2D whose output is
 * larger than 1×1 (else the last layer with such an output).
 */
export function defaultGradCamLayer(model: Network): Layer {
  const spatial = model.layers.filter((l) => hasSpatialOutput(l, true));
  const convs = spatial.filter(isConvLayer);
  const layer = convs[convs.length - 1] ?? spatial[spatial.length - 1];
  if (!layer) throw new ArgumentError(`model '${model.name}' has no layer with a spatial output larger than 1×1 for Grad-CAM; its layers are: ${describeLayers(model.layers)}`);
  return layer;
}

/** The layer called `name`, refused unless its output is a map [height, width, channels]. */
export function gradCamLayer(model: Network, name?: string): Layer {
  if (name === undefined) return defaultGradCamLayer(model);
  const layer = findLayer(model, name);
  if (!hasSpatialOutput(layer)) {
    const spatial = model.layers.filter((l) => hasSpatialOutput(l));
    throw new ArgumentError(
      `Grad-CAM needs a layer whose output is a map [height, width, channels]; layer '${name}' (${layer.type}) outputs ${formatShape(layer.outputShape ?? [])}; layers with maps: ${spatial.length ? describeLayers(spatial) : 'none'}`,
    );
  }
  return layer;
}

export interface GradCamResult {
  layer: string;
  classIndex: number;
  /** The class score at the image. */
  score: number;
  /** α_k, one per channel of the layer's output. */
  weights: Float32Array;
  /** ReLU(Σ_k α_k A_k) at the layer's resolution, [h, w]. */
  cam: Tensor;
  /**
   * `cam` resampled bilinearly onto the image, [H, W]: each map position over the centre of its
   * receptive field (see map-geometry.ts), so the maps of valid-padded layers are not stretched.
   */
  heatmap: Tensor;
}

/** Grad-CAM of `classIndex` for one image ([H, W, C] or [1, H, W, C], pixels in [0, 1]). */
export function gradCam(model: Network, image: Tensor, classIndex: number, layerName?: string): GradCamResult {
  numClasses(model);
  checkClassIndex(model, classIndex);
  const x = asModelInput(model, image, 'gradCam');
  const [, height, width] = x.shape;
  const layer = gradCamLayer(model, layerName);
  const input = normalizeBatch(x, model.inputNormalization);
  return getBackend().scope(() => {
    let features: Tensor | null = null;
    const { value, watched } = valueAndGrads(
      () =>
        classScoreOf(model, input, classIndex, (l, output) => {
          if (l === layer) features = watch(output);
        }),
      [],
    );
    const a = features as Tensor | null;
    if (!a) throw new ArgumentError(`layer '${layer.name}' did not run in the forward pass of model '${model.name}'`);
    const da = watched.get(a)!;
    const [, h, w, c] = a.shape;
    const weights = new Float32Array(c);
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) weights[k] += da.data[p * c + k];
    for (let k = 0; k < c; k++) weights[k] /= h * w;
    const cam = new Float32Array(h * w);
    for (let p = 0; p < h * w; p++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += weights[k] * a.data[p * c + k];
      cam[p] = s > 0 ? s : 0;
    }
    return {
      layer: layer.name,
      classIndex,
      score: value.item(),
      weights,
      cam: new Tensor(cam, [h, w]),
      heatmap: new Tensor(resampleToImage(cam, h, w, height, width, mapPlacement(model, layer) ?? alignedPlacement(h, w, height, width)), [height, width]),
    };
  });
}
