import { ArgumentError } from '../errors.js';
import { dropout, flatten, scale } from '../ops/index.js';
import { type Shape, sizeOf, type Tensor } from '../tensor/index.js';
import { type ActivationName, applyActivation, checkActivation } from './activation-fns.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription } from './layer.js';

/** [batch, ...] → [batch, features]. */
export class Flatten extends Layer {
  readonly type = 'Flatten';
  constructor(args: { name?: string } = {}) {
    super(args.name);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return [sizeOf(inputShape)];
  }
  call(x: Tensor, _context: CallContext): Tensor {
    return flatten(x);
  }
  getConfig(): LayerConfig {
    return { type: this.type, name: this.name };
  }
}

/** Drops a fraction `rate` of its inputs while training (inverted dropout); identity at inference. */
export class Dropout extends Layer {
  readonly type = 'Dropout';
  readonly rate: number;
  constructor(args: { rate: number; name?: string }) {
    super(args.name);
    if (!(typeof args.rate === 'number' && args.rate >= 0 && args.rate < 1)) {
      throw new ArgumentError(`Dropout rate must be in [0, 1), got ${JSON.stringify(args.rate)}`);
    }
    this.rate = args.rate;
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(x: Tensor, context: CallContext): Tensor {
    return dropout(x, this.rate, context.rng, context.training);
  }
  override describe(): LayerDescription {
    return { detail: `rate=${this.rate}` };
  }
  getConfig(): LayerConfig {
    return { type: this.type, name: this.name, rate: this.rate };
  }
}

/** An activation function as a layer of its own. */
export class Activation extends Layer {
  readonly type = 'Activation';
  readonly activation: ActivationName;
  readonly alpha: number;
  constructor(args: { activation: ActivationName; alpha?: number; name?: string }) {
    super(args.name);
    this.activation = checkActivation(args.activation);
    this.alpha = args.alpha ?? 0.3;
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(x: Tensor, _context: CallContext): Tensor {
    return applyActivation(this.activation, x, this.alpha);
  }
  override endsWithSoftmax(): boolean {
    return this.activation === 'softmax';
  }
  override callWithoutSoftmax(x: Tensor, _context: CallContext): Tensor {
    return x;
  }
  override describe(): LayerDescription {
    return { detail: this.activation };
  }
  getConfig(): LayerConfig {
    const config: LayerConfig = { type: this.type, name: this.name, activation: this.activation };
    if (this.activation === 'leakyRelu') config.alpha = this.alpha;
    return config;
  }
}

/** Multiplies its input by a constant (Keras' Rescaling without offset), e.g. airbench's 1/9 on the logits. */
export class Rescaling extends Layer {
  readonly type = 'Rescaling';
  readonly scale: number;
  constructor(args: { scale: number; name?: string }) {
    super(args.name);
    if (!(typeof args.scale === 'number' && Number.isFinite(args.scale))) {
      throw new ArgumentError(`Rescaling scale must be a finite number, got ${JSON.stringify(args.scale)}`);
    }
    this.scale = args.scale;
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(x: Tensor, _context: CallContext): Tensor {
    return scale(x, this.scale);
  }
  override describe(): LayerDescription {
    return { detail: `×${this.scale.toPrecision(4).replace(/\.?0+$/, '')}` };
  }
  getConfig(): LayerConfig {
    return { type: this.type, name: this.name, scale: this.scale };
  }
}
