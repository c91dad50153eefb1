import { ShapeError } from '../errors.js';
import { biasAdd, biasRelu, matmul } from '../ops/index.js';
import { formatShape, type Rng, type Shape, type Tensor } from '../tensor/index.js';
import { type ActivationName, applyActivation, checkActivation } from './activation-fns.js';
import { initialize } from './initializers.js';
import { type CallContext, Layer, type Parameter, type LayerConfig, type LayerDescription } from './layer.js';
import { positiveInt } from './options.js';

export interface DenseArgs {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: string;
  biasInitializer?: string;
  name?: string;
}

/** Fully connected layer on [batch, features]: y = x·W + b, W [in, units]. */
export class Dense extends Layer {
  readonly type = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: string;
  readonly biasInitializer: string;
  kernel: Parameter | null = null;
  bias: Parameter | null = null;

  constructor(args: DenseArgs) {
    super(args.name);
    this.units = positiveInt(args.units, 'Dense units');
    this.activation = checkActivation(args.activation ?? 'linear');
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      throw new ShapeError(`layer '${this.name}' (Dense) needs a flat input [features], got ${formatShape(inputShape)}; add a Flatten layer before it`);
    }
    return [this.units];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    this.kernel = this.addWeight('kernel', initialize(this.kernelInitializer, [inputShape[0], this.units], rng));
    this.bias = this.useBias ? this.addWeight('bias', initialize(this.biasInitializer, [this.units], rng)) : null;
  }

  call(x: Tensor, context: CallContext): Tensor {
    if (this.bias && this.activation === 'relu') return biasRelu(matmul(x, this.kernel!.value), this.bias.value);
    return applyActivation(this.activation, this.callWithoutSoftmax(x, context));
  }

  override endsWithSoftmax(): boolean {
    return this.activation === 'softmax';
  }

  /** x·W + b, before the activation. */
  override callWithoutSoftmax(x: Tensor, _context: CallContext): Tensor {
    const y = matmul(x, this.kernel!.value);
    return this.bias ? biasAdd(y, this.bias.value) : y;
  }

  override describe(): LayerDescription {
    return { detail: this.activation === 'linear' ? '' : this.activation };
  }

  getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
  }
}
