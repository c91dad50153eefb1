import { ShapeError } from '../errors.js';
import { biasRelu, conv2d, conv2dInfo } from '../ops/index.js';
import { describePadding, formatShape, type Padding, type Rng, type Shape, type Tensor } from '../tensor/index.js';
import { type ActivationName, applyActivation, checkActivation } from './activation-fns.js';
import { initialize } from './initializers.js';
import { type CallContext, Layer, type Parameter, type LayerConfig, type LayerDescription } from './layer.js';
import { checkPadding, intPair, positiveInt } from './options.js';

export interface Conv2DArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dilationRate?: number | [number, number];
  /** Channel groups: input channels and filters are split into this many independent convolutions (default 1). */
  groups?: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: string;
  biasInitializer?: string;
  name?: string;
}

/** 2-D convolution layer: kernel [kH, kW, inC, filters], optional bias, optional activation. */
export class Conv2D extends Layer {
  readonly type = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly groups: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: string;
  readonly biasInitializer: string;
  kernel: Parameter | null = null;
  bias: Parameter | null = null;

  constructor(args: Conv2DArgs) {
    super(args.name);
    this.filters = positiveInt(args.filters, 'Conv2D filters');
    this.kernelSize = intPair(args.kernelSize, 'Conv2D kernelSize');
    this.strides = intPair(args.strides ?? 1, 'Conv2D strides');
    this.padding = checkPadding(args.padding ?? 'valid', 'Conv2D padding');
    this.dilationRate = intPair(args.dilationRate ?? 1, 'Conv2D dilationRate');
    this.groups = positiveInt(args.groups ?? 1, 'Conv2D groups');
    this.activation = checkActivation(args.activation ?? 'linear');
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`layer '${this.name}' (Conv2D) needs input [height, width, channels], got ${formatShape(inputShape)}`);
    }
    const inC = inputShape[2];
    if (inC % this.groups !== 0 || this.filters % this.groups !== 0) {
      throw new ShapeError(
        `layer '${this.name}' (Conv2D) with input ${formatShape(inputShape)}: groups = ${this.groups} must divide both the ${inC} input channels and the ${this.filters} filters`,
      );
    }
    const info = conv2dInfo([1, ...inputShape], [...this.kernelSize, inC / this.groups, this.filters], this.convOptions(), `layer '${this.name}' (Conv2D) with input ${formatShape(inputShape)}`);
    return [info.outH, info.outW, this.filters];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    this.kernel = this.addWeight('kernel', initialize(this.kernelInitializer, [...this.kernelSize, inputShape[2] / this.groups, this.filters], rng));
    this.bias = this.useBias ? this.addWeight('bias', initialize(this.biasInitializer, [this.filters], rng)) : null;
  }

  private convOptions() {
    return { strides: this.strides, padding: this.padding, dilation: this.dilationRate, groups: this.groups };
  }

  call(x: Tensor, _context: CallContext): Tensor {
    if (this.bias && this.activation === 'relu') return biasRelu(conv2d(x, this.kernel!.value, this.convOptions()), this.bias.value);
    return applyActivation(this.activation, conv2d(x, this.kernel!.value, this.convOptions(), this.bias?.value));
  }

  override describe(): LayerDescription {
    const [kH, kW] = this.kernelSize;
    const [sH, sW] = this.strides;
    const dilation = (this.dilationRate[0] > 1 || this.dilationRate[1] > 1 ? `,d=${this.dilationRate.join('×')}` : '') + (this.groups > 1 ? `,g=${this.groups}` : '');
    const act = this.activation === 'linear' ? '' : ` ${this.activation}`;
    return { filters: this.filters, padding: describePadding(this.padding), detail: `f=${kH === kW ? kH : `${kH}×${kW}`},s=${sH === sW ? sH : `${sH}×${sW}`}${dilation}${act}` };
  }

  getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      ...(this.groups > 1 ? { groups: this.groups } : {}),
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
  }
}
