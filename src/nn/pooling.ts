import { ShapeError } from '../errors.js';
import { avgPool2d, maxPool2d, pool2dInfo } from '../ops/index.js';
import { describePadding, formatShape, type Padding, type Shape, type Tensor } from '../tensor/index.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription } from './layer.js';
import { checkPadding, intPair } from './options.js';

export interface Pool2DArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  name?: string;
}

abstract class Pool2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: Pool2DArgs = {}) {
    super(args.name);
    this.poolSize = intPair(args.poolSize ?? 2, 'poolSize');
    this.strides = intPair(args.strides ?? this.poolSize, 'pool strides');
    this.padding = checkPadding(args.padding ?? 'valid', 'pool padding');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ShapeError(`layer '${this.name}' (${this.type}) needs input [height, width, channels], got ${formatShape(inputShape)}`);
    }
    const info = pool2dInfo([1, ...inputShape], this.poolOptions(), `layer '${this.name}' (${this.type}) with input ${formatShape(inputShape)}`);
    return [info.outH, info.outW, inputShape[2]];
  }

  protected poolOptions() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  override describe(): LayerDescription {
    const [pH, pW] = this.poolSize;
    const [sH, sW] = this.strides;
    return { padding: describePadding(this.padding), detail: `f=${pH === pW ? pH : `${pH}×${pW}`},s=${sH === sW ? sH : `${sH}×${sW}`}` };
  }

  getConfig(): LayerConfig {
    return { type: this.type, name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export class MaxPool2D extends Pool2D {
  readonly type = 'MaxPool2D';
  call(x: Tensor, _context: CallContext): Tensor {
    return maxPool2d(x, this.poolOptions());
  }
}

export class AvgPool2D extends Pool2D {
  readonly type = 'AvgPool2D';
  call(x: Tensor, _context: CallContext): Tensor {
    return avgPool2d(x, this.poolOptions());
  }
}
