import { ShapeError } from '../errors.js';
import { conv2d, conv2dInfo, reshape, squash } from '../ops/index.js';
import { describePadding, formatShape, type Padding, type Rng, type Shape, type Tensor } from '../tensor/index.js';
import { describeCapsules } from './capsule-shape.js';
import { initialize } from './initializers.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription, type Parameter } from './layer.js';
import { checkPadding, intPair, positiveInt } from './options.js';

export interface PrimaryCapsulesArgs {
  /** Capsule types: each position of the output grid holds this many capsules. */
  capsules: number;
  /** Dimensions of each capsule vector. */
  capsuleDim: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  kernelInitializer?: string;
  biasInitializer?: string;
  name?: string;
}

/**
 * Primary capsules (Sabour et al. 2017, §4): a convolution with capsules·capsuleDim filters
 * (kernel [kH, kW, inC, capsules·capsuleDim], bias), whose channels at each output position
 * are read as `capsules` vectors of capsuleDim, squashed: [H, W, C] → [H'·W'·capsules, capsuleDim],
 * capsule (h, w, c) at index (h·W' + w)·capsules + c.
 */
export class PrimaryCapsules extends Layer {
  readonly type = 'PrimaryCapsules';
  readonly capsules: number;
  readonly capsuleDim: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly kernelInitializer: string;
  readonly biasInitializer: string;
  kernel: Parameter | null = null;
  bias: Parameter | null = null;
  /** The convolution's output grid [H', W'], known once built. */
  private grid: [number, number] | null = null;

  constructor(args: PrimaryCapsulesArgs) {
    super(args.name);
    const what = `PrimaryCapsules${args.name ? ` '${args.name}'` : ''}`;
    this.capsules = positiveInt(args.capsules, `${what} capsules`);
    this.capsuleDim = positiveInt(args.capsuleDim, `${what} capsuleDim`);
    this.kernelSize = intPair(args.kernelSize, `${what} kernelSize`);
    this.strides = intPair(args.strides ?? 1, `${what} strides`);
    this.padding = checkPadding(args.padding ?? 'valid', `${what} padding`);
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  get filters(): number {
    return this.capsules * this.capsuleDim;
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`layer '${this.name}' (PrimaryCapsules) needs a feature map [height, width, channels], got ${formatShape(inputShape)}`);
    }
    const info = conv2dInfo([1, ...inputShape], [...this.kernelSize, inputShape[2], this.filters], this.convOptions(), `layer '${this.name}' (PrimaryCapsules) with input ${formatShape(inputShape)}`);
    return [info.outH * info.outW * this.capsules, this.capsuleDim];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    const info = conv2dInfo([1, ...inputShape], [...this.kernelSize, inputShape[2], this.filters], this.convOptions());
    this.grid = [info.outH, info.outW];
    this.kernel = this.addWeight('kernel', initialize(this.kernelInitializer, [...this.kernelSize, inputShape[2], this.filters], rng));
    this.bias = this.addWeight('bias', initialize(this.biasInitializer, [this.filters], rng));
  }

  private convOptions() {
    return { strides: this.strides, padding: this.padding };
  }

  call(x: Tensor, _context: CallContext): Tensor {
    const y = conv2d(x, this.kernel!.value, this.convOptions(), this.bias!.value);
    return squash(reshape(y, [x.shape[0], -1, this.capsuleDim]));
  }

  override describe(): LayerDescription {
    const [kH, kW] = this.kernelSize;
    const [sH, sW] = this.strides;
    const capsules = this.grid ? `${describeCapsules([...this.grid, this.capsules], this.capsuleDim)}, ` : '';
    return { filters: this.filters, padding: describePadding(this.padding), detail: `${capsules}f=${kH === kW ? kH : `${kH}×${kW}`},s=${sH === sW ? sH : `${sH}×${sW}`}` };
  }

  getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      capsules: this.capsules,
      capsuleDim: this.capsuleDim,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
  }
}
