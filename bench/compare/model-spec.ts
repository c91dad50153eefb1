/**
 * A Fovea Sequential model described as plain data, so that every other library in the comparison
 * (TensorFlow.js, ConvNetJS, ONNX, PyTorch in a Python process) can rebuild the same network and
 * load the same initial weights. Layouts are Fovea's: NHWC activations, conv kernels
 * [kH, kW, inC, outC], dense kernels [in, out]; converting them is each builder's job.
 */
import { ArgumentError } from '../../src/errors.js';
import { Activation, type ActivationName, AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D, type Network, Sequential } from '../../src/nn/index.js';
import { resolveWindow2D } from '../../src/tensor/index.js';

/** Explicit padding of a 2-D window, in pixels: [top, bottom, left, right]. */
export type Pads = [number, number, number, number];

export type LayerSpec =
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
  | { kind: 'activation'; activation: ActivationName; alpha: number };

export interface WeightSpec {
  /** Index into `layers`. */
  layer: number;
  name: 'kernel' | 'bias';
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

/** The spec of a built model and its weights concatenated in spec order (float32). */
export function describeModel(model: Network): { spec: ModelSpec; weights: Float32Array } {
  if (!(model instanceof Sequential)) {
    throw new Error(`model '${model.name}' is a graph model: the comparison harness describes only Sequential models to the other libraries`);
  }
  if (!model.inputShape) throw new ArgumentError(`model '${model.name}' is not built`);
  const layers: LayerSpec[] = [];
  const weights: WeightSpec[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  let lastFlatten: [number, number, number] | null = null;
  const addWeight = (layer: number, name: 'kernel' | 'bias', data: ArrayLike<number>, shape: readonly number[]) => {
    weights.push({ layer, name, shape: [...shape], offset });
    chunks.push(Float32Array.from(data));
    offset += data.length;
  };
  for (const layer of model.layers) {
    const inShape = [...layer.inputShape!];
    const outShape = [...layer.outputShape!];
    const index = layers.length;
    if (layer instanceof Conv2D) {
      const w = resolveWindow2D(layer.name, inShape[0], inShape[1], layer.kernelSize, layer.strides, layer.padding, layer.dilationRate);
      layers.push({
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
      lastFlatten = null;
    } else if (layer instanceof MaxPool2D || layer instanceof AvgPool2D) {
      const w = resolveWindow2D(layer.name, inShape[0], inShape[1], layer.poolSize, layer.strides, layer.padding);
      layers.push({ kind: 'pool', op: layer instanceof MaxPool2D ? 'max' : 'avg', pool: [...layer.poolSize], strides: [...layer.strides], pads: padsOf(w), padding: paddingName(layer.padding), inShape, outShape });
      lastFlatten = null;
    } else if (layer instanceof Flatten) {
      layers.push({ kind: 'flatten', inShape });
      lastFlatten = inShape.length === 3 ? [inShape[0], inShape[1], inShape[2]] : null;
    } else if (layer instanceof Dense) {
      layers.push({ kind: 'dense', units: layer.units, inputs: inShape[0], activation: layer.activation, useBias: layer.useBias, flattenedFrom: lastFlatten });
      addWeight(index, 'kernel', layer.kernel!.value.data, layer.kernel!.value.shape);
      if (layer.bias) addWeight(index, 'bias', layer.bias.value.data, layer.bias.value.shape);
      lastFlatten = null;
    } else if (layer instanceof Dropout) {
      layers.push({ kind: 'dropout', rate: layer.rate });
    } else if (layer instanceof Activation) {
      layers.push({ kind: 'activation', activation: layer.activation, alpha: layer.alpha });
      if (layer.activation !== 'linear') lastFlatten = null;
    } else {
      throw new ArgumentError(`layer '${layer.name}' (${layer.type}) is not supported by the comparison benchmark`);
    }
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
 * The layers with the final softmax removed (so the network outputs logits): the last Dense's
 * activation becomes linear, or a final softmax Activation layer is dropped.
 */
export function logitLayers(spec: ModelSpec): LayerSpec[] {
  const layers = spec.layers.map((l) => ({ ...l })) as LayerSpec[];
  if (!spec.endsWithSoftmax) return layers;
  const last = layers[layers.length - 1];
  if (last.kind === 'activation') return layers.slice(0, -1);
  if (last.kind === 'dense') last.activation = 'linear';
  return layers;
}

/** The weights of layer `index` by name, as views into `all`. */
export function layerWeights(spec: ModelSpec, all: Float32Array, index: number): { kernel?: Float32Array; bias?: Float32Array; kernelShape?: number[] } {
  const out: { kernel?: Float32Array; bias?: Float32Array; kernelShape?: number[] } = {};
  for (const w of spec.weights) {
    if (w.layer !== index) continue;
    const size = w.shape.reduce((a, b) => a * b, 1);
    const view = all.subarray(w.offset, w.offset + size);
    if (w.name === 'kernel') {
      out.kernel = view;
      out.kernelShape = w.shape;
    } else out.bias = view;
  }
  return out;
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
