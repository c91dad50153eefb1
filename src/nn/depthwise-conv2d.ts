import { ShapeError } from '../errors.js';
import { conv2dInfo, depthwiseConv2d } from '../ops/index.js';
import { describePadding, formatShape, type Padding, type Rng, type Shape, type Tensor } from '../tensor/index.js';
import { type ActivationName, applyActivation, checkActivation } from './activation-fns.js';
import { initialize } from './initializers.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription, type Parameter } from './layer.js';
import { checkPadding, intPair, positiveInt } from './options.js';

export interface DepthwiseConv2DArgs {
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  /** Filters per input channel (default 1): the output has inC·depthMultiplier channels. */
  depthMultiplier?: number;
  dilationRate?: number | [number, number];
  activation?: ActivationName;
  useBias?: boolean;
  depthwiseInitializer?: string;
  biasInitializer?: string;
  name?: string;
}

/**
 * Depthwise 2-D convolution (Keras' DepthwiseConv2D): each input channel is convolved with its
 * own depthMultiplier filters; kernel [kH, kW, inC, depthMultiplier], output channel
 * c·depthMultiplier + m, optional bias [inC·depthMultiplier] and activation.
 */
export class DepthwiseConv2D extends Layer {
  readonly type = 'DepthwiseConv2D';
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly depthwiseInitializer: string;
  readonly biasInitializer: string;
  kernel: Parameter | null = null;
  bias: Parameter | null = null;

  constructor(args: DepthwiseConv2DArgs) {
    super(args.name);
    this.kernelSize = intPair(args.kernelSize, 'DepthwiseConv2D kernelSize');
    this.strides = intPair(args.strides ?? 1, 'DepthwiseConv2D strides');
    this.padding = checkPadding(args.padding ?? 'valid', 'DepthwiseConv2D padding');
    this.depthMultiplier = positiveInt(args.depthMultiplier ?? 1, 'DepthwiseConv2D depthMultiplier');
    this.dilationRate = intPair(args.dilationRate ?? 1, 'DepthwiseConv2D dilationRate');
    this.activation = checkActivation(args.activation ?? 'linear');
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`layer '${this.name}' (DepthwiseConv2D) needs input [height, width, channels], got ${formatShape(inputShape)}`);
    }
    const inC = inputShape[2];
    const outC = inC * this.depthMultiplier;
    const info = conv2dInfo([1, ...inputShape], [...this.kernelSize, 1, outC], { ...this.convOptions(), groups: inC }, `layer '${this.name}' (DepthwiseConv2D) with input ${formatShape(inputShape)}`);
    return [info.outH, info.outW, outC];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    const inC = inputShape[2];
    this.kernel = this.addWeight('depthwise_kernel', initialize(this.depthwiseInitializer, [...this.kernelSize, inC, this.depthMultiplier], rng));
    this.bias = this.useBias ? this.addWeight('bias', initialize(this.biasInitializer, [inC * this.depthMultiplier], rng)) : null;
  }

  private convOptions() {
    return { strides: this.strides, padding: this.padding, dilation: this.dilationRate };
  }

  call(x: Tensor, _context: CallContext): Tensor {
    return applyActivation(this.activation, depthwiseConv2d(x, this.kernel!.value, this.convOptions(), this.bias?.value));
  }

  override describe(): LayerDescription {
    const [kH, kW] = this.kernelSize;
    const [sH, sW] = this.strides;
    const dilation = this.dilationRate[0] > 1 || this.dilationRate[1] > 1 ? `,d=${this.dilationRate.join('×')}` : '';
    const multiplier = this.depthMultiplier > 1 ? `,×${this.depthMultiplier}` : '';
    const act = this.activation === 'linear' ? '' : ` ${this.activation}`;
    return {
      filters: this.outputShape ? this.outputShape[2] : undefined,
      padding: describePadding(this.padding),
      detail: `f=${kH === kW ? kH : `${kH}×${kW}`},s=${sH === sW ? sH : `${sH}×${sW}`}${dilation}${multiplier}${act}`,
    };
  }

  getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      depthMultiplier: this.depthMultiplier,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      depthwiseInitializer: this.depthwiseInitializer,
      biasInitializer: this.biasInitializer,
    };
  }
}
