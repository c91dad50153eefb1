/**
 * Where a layer's map lies on the image: map position i along an axis is centred on image pixel
 * offset + i·jump (receptive-field centres). Each window layer (convolution, pooling) on the path
 * from the input moves the offset by ((k − 1)·d / 2 − padBefore)·jump and multiplies the jump by
 * its stride. A valid-padded 3×3 convolution thus puts map pixel 0 over image pixel 1, where a
 * plain resize would put it over pixel 0 and stretch the rest.
 */
import { Conv2D } from '../nn/conv2d.js';
import { DepthwiseConv2D } from '../nn/depthwise-conv2d.js';
import { GRAPH_INPUT, GraphModel } from '../nn/graph.js';
import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';
import { AvgPool2D, MaxPool2D } from '../nn/pooling.js';
import { resolveWindow2D, type Shape } from '../tensor/index.js';

export interface AxisPlacement {
  /** Image coordinate (pixel index) of map position 0's centre. */
  offset: number;
  /** Image pixels between neighbouring map positions. */
  jump: number;
}

export interface MapPlacement {
  y: AxisPlacement;
  x: AxisPlacement;
}

/**
 * The placement of `layer`'s output on the model's input, following each layer's first input back
 * to the model's input (the branches of a residual block are aligned alike). Null when a layer on
 * the way changes the map size in a way this does not model (then a resize with aligned pixel
 * centres is the fallback).
 */
export function mapPlacement(model: Network, layer: Layer): MapPlacement | null {
  const path = pathFromInput(model, layer);
  if (!path || !model.inputShape) return null;
  const y = { offset: 0, jump: 1 };
  const x = { offset: 0, jump: 1 };
  let shape: Shape = model.inputShape;
  for (const l of path) {
    const out = l.outputShape;
    if (!out || out.length !== 3 || shape.length !== 3) return null;
    const window = windowOf(l);
    if (window) {
      const w = resolveWindow2D(l.name, shape[0], shape[1], window.kernel, window.strides, window.padding, window.dilation);
      y.offset += (((w.kH - 1) * w.dilationH) / 2 - w.padTop) * y.jump;
      x.offset += (((w.kW - 1) * w.dilationW) / 2 - w.padLeft) * x.jump;
      y.jump *= w.strideH;
      x.jump *= w.strideW;
    } else if (out[0] !== shape[0] || out[1] !== shape[1]) {
      return null;
    }
    shape = out;
  }
  return { y, x };
}

function windowOf(layer: Layer) {
  if (layer instanceof Conv2D || layer instanceof DepthwiseConv2D) {
    return { kernel: layer.kernelSize, strides: layer.strides, padding: layer.padding, dilation: layer.dilationRate };
  }
  if (layer instanceof MaxPool2D || layer instanceof AvgPool2D) {
    return { kernel: layer.poolSize, strides: layer.strides, padding: layer.padding, dilation: [1, 1] as [number, number] };
  }
  return null;
}

/** The layers from the input to `layer` (inclusive) along first inputs; null if it is not found. */
function pathFromInput(model: Network, layer: Layer): Layer[] | null {
  const layers = model.layers;
  if (!layers.includes(layer)) return null;
  if (!(model instanceof GraphModel)) return layers.slice(0, layers.indexOf(layer) + 1);
  const path: Layer[] = [];
  let current: Layer | undefined = layer;
  while (current) {
    path.unshift(current);
    const first: string | undefined = model.inboundNames(current)[0];
    if (first === undefined || first === GRAPH_INPUT) return path;
    current = layers.find((l) => l.name === first);
    if (path.length > layers.length) return null;
  }
  return null;
}

/**
 * Resamples a map [h, w] onto the image [height, width] bilinearly: image pixel y reads map
 * position (y − offset) / jump, clamped to the map.
 */
export function resampleToImage(map: ArrayLike<number>, h: number, w: number, height: number, width: number, placement: MapPlacement): Float32Array {
  const axis = (n: number, src: number, p: AxisPlacement) =>
    Array.from({ length: n }, (_, o) => {
      const s = Math.min(src - 1, Math.max(0, (o - p.offset) / p.jump));
      const i0 = Math.floor(s);
      return { i0, i1: Math.min(src - 1, i0 + 1), f: s - i0 };
    });
  const rows = axis(height, h, placement.y);
  const cols = axis(width, w, placement.x);
  const out = new Float32Array(height * width);
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

/**
 * The placement of a resize with pixel centres aligned (as OpenCV's `resize` and TensorFlow's
 * `resize` do): image pixel y reads map position (y + ½)·h/height − ½.
 */
export function alignedPlacement(h: number, w: number, height: number, width: number): MapPlacement {
  const axis = (src: number, n: number): AxisPlacement => ({ offset: (n / src - 1) / 2, jump: n / src });
  return { y: axis(h, height), x: axis(w, width) };
}

/** Bilinear resize of a map [h, w] to [height, width] with pixel centres aligned, clamped at the edges. */
export function upsampleBilinear(map: ArrayLike<number>, h: number, w: number, height: number, width: number): Float32Array {
  return resampleToImage(map, h, w, height, width, alignedPlacement(h, w, height, width));
}
