/**
 * A Fovea model — Sequential or graph (GraphModel: residual connections) — described as plain
 * data, so that every other library in the comparison (TensorFlow.js, ConvNetJS, ONNX, PyTorch in
 * a Python process) can rebuild the same network and load the same initial weights. Layouts are
 * Fovea's: NHWC activations, conv kernels [kH, kW, inC, outC], dense kernels [in, out]; converting
 * them is each builder's job.
 *
 * Layers come in a topological order (every layer after the layers that feed it); the last one is
 * the model's output. Each names the layers it takes its input from (`inbound`, 'input' for the
 * model's input): in a Sequential model, the layer before it. `isChain` tells builders that can only
 * stack layers (ConvNetJS, tf.sequential) whether they can build the model.
 */
import { ArgumentError } from '../../src/errors.js';
import {
  Activation,
  type ActivationName,
  Add,
  AvgPool2D,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  GraphModel,
  type Layer,
  MaxPool2D,
  type Network,
  Sequential,
} from '../../src/nn/index.js';
import { resolveWindow2D } from '../../src/tensor/index.js';

/** Explicit padding of a 2-D window, in pixels: [top, bottom, left, right]. */
export type Pads = [number, number, number, number];

/** The name `inbound` uses for the model's input. */
export const SPEC_INPUT = 'input';

/** What a layer computes (LayerSpec without its place in the graph). */
export type LayerBody =
  | {
      kind: 'conv';
      filters: number;
      kernel: [number, number];
      strides: [number, number];
      dilation: [number, number];
      pads: Pads;
      /** Fovea's padding name when it is one ('same' / 'valid'), else 'explicit'. */
      padding: 'same' | 'valid' | 'explicit';
      activation: ActivationName;
      useBias: boolean;
      inShape: number[];
      outShape: number[];
    }
  | { kind: 'pool'; op: 'max' | 'avg'; pool: [number, number]; strides: [number, number]; pads: Pads; padding: 'same' | 'valid' | 'explicit'; inShape: number[]; outShape: number[] }
  | { kind: 'flatten'; inShape: number[] }
  | {
      kind: 'dense';
      units: number;
      inputs: number;
      activation: ActivationName;
      useBias: boolean;
      /** When the input comes from flattening an [h, w, c] map (NHWC order): NCHW libraries permute the kernel's rows. */
      flattenedFrom: [number, number, number] | null;
    }
  | { kind: 'dropout'; rate: number }
  | { kind: 'activation'; activation: ActivationName; alpha: number }
  | {
      /**
       * Batch normalisation over the last (channel) axis, Fovea's (Keras') semantics: training
       * normalises with the batch's mean and biased variance and updates
       * moving ← momentum·moving + (1 − momentum)·batch; inference uses the moving statistics.
       * PyTorch's momentum is 1 − this one. Weights: gamma (when `scale`), beta (when `center`),
       * movingMean, movingVariance, each [channels].
       */
      kind: 'batchnorm';
      epsilon: number;
      momentum: number;
      center: boolean;
      scale: boolean;
      inShape: number[];
    }
  | { kind: 'add'; inShape: number[] }
  | {
      /** Mean or maximum of each channel over the whole map: [h, w, c] → [c] (keepdims: [1, 1, c]). */
      kind: 'globalAvgPool' | 'globalMaxPool';
      keepdims: boolean;
      inShape: number[];
    };

export type LayerSpec = LayerBody & {
  /** The Fovea layer's name (unique in the model). */
  name: string;
  /** The names of the layers whose outputs it takes, in order ('input': the model's input). */
  inbound: string[];
};

export type WeightName = 'kernel' | 'bias' | 'gamma' | 'beta' | 'movingMean' | 'movingVariance';

export interface WeightSpec {
  /** Index into `layers`. */
  layer: number;
  /** kernel, bias (conv, dense); gamma, beta, movingMean, movingVariance (batchnorm, in that order). */
  name: WeightName;
  shape: number[];
  /** Offset in float32 elements into the weights file. */
  offset: number;
}

export interface ModelSpec {
  name: string;
  inputShape: number[];
  numClasses: number;
  parameters: number;
  layers: LayerSpec[];
  weights: WeightSpec[];
  /**
   * Whether the network ends in a softmax (on its last Dense or as a final Activation layer).
   * Every library trains on the logits (softmax cross-entropy) and applies the softmax at inference.
   */
  endsWithSoftmax: boolean;
}

function padsOf(w: { padTop: number; padBottom: number; padLeft: number; padRight: number }): Pads {
  return [w.padTop, w.padBottom, w.padLeft, w.padRight];
}

function paddingName(p: unknown): 'same' | 'valid' | 'explicit' {
  return p === 'same' || p === 'valid' ? p : 'explicit';
}

/** The layers of a Sequential or graph model in a topological order, each with the names of its inputs. */
function layersWithInbound(model: Network): { layer: Layer; inbound: string[] }[] {
  if (model instanceof GraphModel) return model.layers.map((layer) => ({ layer, inbound: model.inboundNames(layer) }));
  if (model instanceof Sequential) return model.layers.map((layer, i) => ({ layer, inbound: [i === 0 ? SPEC_INPUT : model.layers[i - 1].name] }));
  throw new ArgumentError(`model '${model.name}' is neither a Sequential nor a graph model: the comparison harness cannot describe it`);
}

/** The spec of a built model and its weights concatenated in spec order (float32). */
export function describeModel(model: Network): { spec: ModelSpec; weights: Float32Array } {
  if (!model.inputShape) throw new ArgumentError(`model '${model.name}' is not built`);
  const layers: LayerSpec[] = [];
  const weights: WeightSpec[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  /**
   * Per layer output (and 'input'): the [h, w, c] map it is a flattening of, in NHWC order, when
   * it is one (a Flatten, and whatever only passes such a vector on) — a Dense reading it gets
   * `flattenedFrom`, so that NCHW libraries can permute its kernel's rows.
   */
  const flatOrigin = new Map<string, [number, number, number] | null>([[SPEC_INPUT, null]]);
  const addWeight = (layer: number, name: WeightName, data: ArrayLike<number>, shape: readonly number[]) => {
    weights.push({ layer, name, shape: [...shape], offset });
    chunks.push(Float32Array.from(data));
    offset += data.length;
  };
  for (const { layer, inbound } of layersWithInbound(model)) {
    const inShape = [...layer.inputShape!];
    const outShape = [...layer.outputShape!];
    const index = layers.length;
    const place = { name: layer.name, inbound };
    const origins = inbound.map((n) => flatOrigin.get(n) ?? null);
    /** The input's flattening origin, for layers that pass a flattened vector on element for element. */
    const passedOn = origins[0];
    let origin: [number, number, number] | null = null;
    if (layer instanceof Conv2D) {
      const w = resolveWindow2D(layer.name, inShape[0], inShape[1], layer.kernelSize, layer.strides, layer.padding, layer.dilationRate);
      layers.push({
        ...place,
        kind: 'conv',
        filters: layer.filters,
        kernel: [...layer.kernelSize],
        strides: [...layer.strides],
        dilation: [...layer.dilationRate],
        pads: padsOf(w),
        padding: paddingName(layer.padding),
        activation: layer.activation,
        useBias: layer.useBias,
        inShape,
        outShape,
      });
      addWeight(index, 'kernel', layer.kernel!.value.data, layer.kernel!.value.shape);
      if (layer.bias) addWeight(index, 'bias', layer.bias.value.data, layer.bias.value.shape);
    } else if (layer instanceof MaxPool2D || layer instanceof AvgPool2D) {
      const w = resolveWindow2D(layer.name, inShape[0], inShape[1], layer.poolSize, layer.strides, layer.padding);
      layers.push({ ...place, kind: 'pool', op: layer instanceof MaxPool2D ? 'max' : 'avg', pool: [...layer.poolSize], strides: [...layer.strides], pads: padsOf(w), padding: paddingName(layer.padding), inShape, outShape });
    } else if (layer instanceof Flatten) {
      layers.push({ ...place, kind: 'flatten', inShape });
      origin = inShape.length === 3 ? [inShape[0], inShape[1], inShape[2]] : null;
    } else if (layer instanceof Dense) {
      layers.push({ ...place, kind: 'dense', units: layer.units, inputs: inShape[0], activation: layer.activation, useBias: layer.useBias, flattenedFrom: passedOn });
      addWeight(index, 'kernel', layer.kernel!.value.data, layer.kernel!.value.shape);
      if (layer.bias) addWeight(index, 'bias', layer.bias.value.data, layer.bias.value.shape);
    } else if (layer instanceof Dropout) {
      layers.push({ ...place, kind: 'dropout', rate: layer.rate });
      origin = passedOn;
    } else if (layer instanceof Activation) {
      layers.push({ ...place, kind: 'activation', activation: layer.activation, alpha: layer.alpha });
      if (layer.activation === 'linear') origin = passedOn;
    } else if (layer instanceof BatchNormalization) {
      // Its weights are per feature in Fovea's order: on a flattened map, NCHW libraries would have to permute them too.
      if (passedOn) throw new ArgumentError(`layer '${layer.name}' (BatchNormalization) normalises a flattened feature map: not supported by the comparison benchmark`);
      layers.push({ ...place, kind: 'batchnorm', epsilon: layer.epsilon, momentum: layer.momentum, center: layer.center, scale: layer.scale, inShape });
      if (layer.gamma) addWeight(index, 'gamma', layer.gamma.value.data, layer.gamma.value.shape);
      if (layer.beta) addWeight(index, 'beta', layer.beta.value.data, layer.beta.value.shape);
      addWeight(index, 'movingMean', layer.movingMean!.value.data, layer.movingMean!.value.shape);
      addWeight(index, 'movingVariance', layer.movingVariance!.value.data, layer.movingVariance!.value.shape);
    } else if (layer instanceof Add) {
      const same = origins.every((o) => (o === null && passedOn === null) || (o !== null && passedOn !== null && o.join() === passedOn.join()));
      if (!same) throw new ArgumentError(`layer '${layer.name}' (Add) adds flattened and unflattened vectors: not supported by the comparison benchmark`);
      layers.push({ ...place, kind: 'add', inShape });
      origin = passedOn;
    } else if (layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D) {
      layers.push({ ...place, kind: layer instanceof GlobalAveragePooling2D ? 'globalAvgPool' : 'globalMaxPool', keepdims: layer.keepdims, inShape });
    } else {
      throw new ArgumentError(`layer '${layer.name}' (${layer.type}) is not supported by the comparison benchmark`);
    }
    flatOrigin.set(layer.name, origin);
  }
  const all = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const last = layers[layers.length - 1];
  const endsWithSoftmax = (last.kind === 'dense' || last.kind === 'activation') && last.activation === 'softmax';
  return {
    spec: {
      name: model.name,
      inputShape: [...model.inputShape],
      numClasses: model.outputShape[model.outputShape.length - 1],
      parameters: model.countParameters(),
      layers,
      weights,
      endsWithSoftmax,
    },
    weights: all,
  };
}

/**
 * Whether every layer takes exactly the output of the layer before it (the first: the model's
 * input) — what a layer stack (tf.sequential, ConvNetJS, nn.Sequential) can express.
 */
export function isChain(spec: ModelSpec): boolean {
  return spec.layers.every((l, i) => l.inbound.length === 1 && l.inbound[0] === (i === 0 ? SPEC_INPUT : spec.layers[i - 1].name));
}

/** Whether a weight is trained (the moving statistics of batch normalisation are not). */
export function isTrainable(name: WeightName): boolean {
  return name !== 'movingMean' && name !== 'movingVariance';
}

/**
 * The layers with the final softmax removed (so the network outputs logits): the last Dense's
 * activation becomes linear, or a final softmax Activation layer is dropped (the last layer is the
 * output, which no other layer reads).
 */
export function logitLayers(spec: ModelSpec): LayerSpec[] {
  const layers = spec.layers.map((l) => ({ ...l })) as LayerSpec[];
  if (!spec.endsWithSoftmax) return layers;
  const last = layers[layers.length - 1];
  if (last.kind === 'activation') return layers.slice(0, -1);
  if (last.kind === 'dense') last.activation = 'linear';
  return layers;
}

export type LayerWeights = { [K in WeightName]?: Float32Array } & { kernelShape?: number[] };

/** The weights of layer `index` by name, as views into `all`. */
export function layerWeights(spec: ModelSpec, all: Float32Array, index: number): LayerWeights {
  const out: LayerWeights = {};
  for (const w of spec.weights) {
    if (w.layer !== index) continue;
    const size = w.shape.reduce((a, b) => a * b, 1);
    out[w.name] = all.subarray(w.offset, w.offset + size);
    if (w.name === 'kernel') out.kernelShape = w.shape;
  }
  return out;
}

/** The weight specs of layer `index`, in spec order (the order Keras-style libraries list them in). */
export function layerWeightSpecs(spec: ModelSpec, index: number): WeightSpec[] {
  return spec.weights.filter((w) => w.layer === index);
}

/** Conv kernel [kH, kW, inC, outC] → [outC, inC, kH, kW] (ONNX, PyTorch). */
export function convKernelToOIHW(k: Float32Array, [kH, kW, inC, outC]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kH; y++)
    for (let x = 0; x < kW; x++)
      for (let i = 0; i < inC; i++)
        for (let o = 0; o < outC; o++) out[((o * inC + i) * kH + y) * kW + x] = k[((y * kW + x) * inC + i) * outC + o];
  return out;
}

/**
 * Dense kernel [in, out] whose rows are in NHWC flatten order (h, w, c) → the same kernel with rows
 * in NCHW flatten order (c, h, w), for libraries that flatten channels-first feature maps.
 */
export function denseRowsToCHW(k: Float32Array, [h, w, c]: [number, number, number], units: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        const from = ((y * w + x) * c + ch) * units;
        const to = ((ch * h + y) * w + x) * units;
        out.set(k.subarray(from, from + units), to);
      }
  return out;
}

/** NHWC images → NCHW. */
export function nhwcToNchw(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
  return out;
}
