/**
 * Grad-CAM (Selvaraju et al. 2017): where in the image a convolution layer saw evidence for a
 * class. Each channel k of the layer's output A gets the weight α_k = the spatial mean of
 * d score / d A_k; the map is ReLU(Σ_k α_k A_k), at the layer's resolution, then upsampled
 * bilinearly to the image. The score is the class logit (capsule networks: the capsule length).
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
  /** `cam` upsampled bilinearly to the image, [H, W]. */
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
      heatmap: new Tensor(upsampleBilinear(cam, h, w, height, width), [height, width]),
    };
  });
}

/**
 * Bilinear resize of a map [h, w] to [height, width] with pixel centres aligned (as OpenCV's
 * `resize` and TensorFlow's `resize` do): output pixel centre (y + ½)·h/height − ½ in the source,
 * clamped at the edges.
 */
export function upsampleBilinear(map: ArrayLike<number>, h: number, w: number, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width);
  const axis = (n: number, src: number) =>
    Array.from({ length: n }, (_, o) => {
      const s = Math.min(src - 1, Math.max(0, ((o + 0.5) * src) / n - 0.5));
      const i0 = Math.floor(s);
      return { i0, i1: Math.min(src - 1, i0 + 1), f: s - i0 };
    });
  const rows = axis(height, h);
  const cols = axis(width, w);
  for (let y = 0; y < height; y++) {
    const { i0: y0, i1: y1, f: fy } = rows[y];
    for (let x = 0; x < width; x++) {
      const { i0: x0, i1: x1, f: fx } = cols[x];
      const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
      const bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
