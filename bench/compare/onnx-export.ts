/**
 * Exports a model spec (model-spec.ts) with its weights to an ONNX model (opset 13, NCHW input
 * [N, C, H, W] named 'input', class probabilities [N, classes] named 'probabilities'), for
 * onnxruntime. The protobuf encoding comes from the npm package `onnx-proto` (protobufjs code
 * generated from ONNX's own onnx.proto), passed in so that this file does not need it installed.
 *
 * Conversions at the boundary, as DESIGN.md asks: conv kernels [kH, kW, inC, outC] → OIHW; the
 * Dense after a Flatten gets its rows permuted from NHWC to NCHW flatten order; Dropout is dropped;
 * batch normalisation runs in inference mode on its moving statistics. Graph specs (skip
 * connections) become the same ONNX graph: each layer reads the values its `inbound` names.
 */
import { convKernelToOIHW, denseRowsToCHW, layerWeights, type ModelSpec, SPEC_INPUT } from './model-spec.js';

/** The `onnx` namespace of the npm package onnx-proto (untyped here: the package is optional). */
export type OnnxProto = any;

const OPSET = 13;
const IR_VERSION = 7; // the IR version of opset 13 (ONNX 1.8)

export function exportOnnx(onnx: OnnxProto, spec: ModelSpec, weights: Float32Array): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const A = onnx.AttributeProto.AttributeType;
  const nodes: any[] = [];
  const initializers: any[] = [];
  let current = 'input';
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;
  const tensor = (name: string, data: Float32Array, dims: number[]) => {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    initializers.push({ name, dataType: FLOAT, dims, rawData: bytes });
    return name;
  };
  const ints = (name: string, values: number[]) => ({ name, type: A.INTS, ints: values });
  const int = (name: string, value: number) => ({ name, type: A.INT, i: value });
  const float = (name: string, value: number) => ({ name, type: A.FLOAT, f: value });
  const node = (opType: string, inputs: string[], attribute: any[] = []) => {
    const output = fresh(opType.toLowerCase());
    nodes.push({ opType, input: inputs, output: [output], name: output, attribute });
    current = output;
    return output;
  };
  const activation = (name: string, alpha = 0.3) => {
    switch (name) {
      case 'linear':
        return;
      case 'relu':
        node('Relu', [current]);
        return;
      case 'leakyRelu':
        node('LeakyRelu', [current], [float('alpha', alpha)]);
        return;
      case 'sigmoid':
        node('Sigmoid', [current]);
        return;
      case 'tanh':
        node('Tanh', [current]);
        return;
      case 'softmax':
        node('Softmax', [current], [int('axis', -1)]);
        return;
      default:
        throw new Error(`activation '${name}' has no ONNX export`);
    }
  };

  // The ONNX value each spec layer's output is (graph specs read them by inbound name).
  const outputs = new Map<string, string>([[SPEC_INPUT, 'input']]);
  spec.layers.forEach((layer, index) => {
    current = outputs.get(layer.inbound[0])!;
    if (current === undefined) throw new Error(`layer '${layer.name}' reads '${layer.inbound[0]}', which comes later or does not exist`);
    switch (layer.kind) {
      case 'conv': {
        const w = layerWeights(spec, weights, index);
        const [top, bottom, left, right] = layer.pads;
        const inputs = [current, tensor(fresh('conv_w'), convKernelToOIHW(w.kernel!, w.kernelShape!), [layer.filters, layer.inShape[2], ...layer.kernel])];
        if (w.bias) inputs.push(tensor(fresh('conv_b'), w.bias, [layer.filters]));
        node('Conv', inputs, [ints('kernel_shape', layer.kernel), ints('strides', layer.strides), ints('dilations', layer.dilation), ints('pads', [top, left, bottom, right])]);
        activation(layer.activation);
        break;
      }
      case 'pool': {
        const [top, bottom, left, right] = layer.pads;
        const attrs = [ints('kernel_shape', layer.pool), ints('strides', layer.strides), ints('pads', [top, left, bottom, right])];
        // Fovea's average pooling does not count padding (count_include_pad = 0, ONNX's default).
        node(layer.op === 'max' ? 'MaxPool' : 'AveragePool', [current], attrs);
        break;
      }
      case 'flatten':
        node('Flatten', [current], [int('axis', 1)]);
        break;
      case 'dense': {
        const w = layerWeights(spec, weights, index);
        const kernel = layer.flattenedFrom ? denseRowsToCHW(w.kernel!, layer.flattenedFrom, layer.units) : w.kernel!;
        const inputs = [current, tensor(fresh('dense_w'), kernel, [layer.inputs, layer.units])];
        if (w.bias) inputs.push(tensor(fresh('dense_b'), w.bias, [layer.units]));
        node('Gemm', inputs);
        activation(layer.activation);
        break;
      }
      case 'dropout':
        break; // identity at inference
      case 'activation':
        activation(layer.activation, layer.alpha);
        break;
      case 'batchnorm': {
        // Inference: the moving statistics (ONNX's BatchNormalization in inference mode); channels are axis 1 in NCHW (and [N, C]).
        const w = layerWeights(spec, weights, index);
        const channels = layer.inShape[layer.inShape.length - 1];
        const scale = w.gamma ?? new Float32Array(channels).fill(1);
        const bias = w.beta ?? new Float32Array(channels);
        const inputs = [current, tensor(fresh('bn_scale'), scale, [channels]), tensor(fresh('bn_bias'), bias, [channels]), tensor(fresh('bn_mean'), w.movingMean!, [channels]), tensor(fresh('bn_var'), w.movingVariance!, [channels])];
        node('BatchNormalization', inputs, [float('epsilon', layer.epsilon)]);
        break;
      }
      case 'add': {
        const inputs = layer.inbound.map((name) => outputs.get(name)!);
        node(inputs.length === 2 ? 'Add' : 'Sum', inputs);
        break;
      }
      case 'globalAvgPool':
      case 'globalMaxPool':
        node(layer.kind === 'globalAvgPool' ? 'GlobalAveragePool' : 'GlobalMaxPool', [current]); // [N, C, 1, 1]
        if (!layer.keepdims) node('Flatten', [current], [int('axis', 1)]);
        break;
    }
    outputs.set(layer.name, current);
  });
  if (!spec.endsWithSoftmax) node('Softmax', [current], [int('axis', -1)]);
  // Name the graph output.
  nodes[nodes.length - 1].output = ['probabilities'];

  const [h, w, c] = spec.inputShape;
  const valueInfo = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'fovea-bench',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: spec.name,
      node: nodes,
      initializer: initializers,
      input: [valueInfo('input', ['N', c, h, w])],
      output: [valueInfo('probabilities', ['N', spec.numClasses])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
