import { ShapeError } from '../errors.js';
import { capsuleLength, reshape, squash } from '../ops/index.js';
import { formatShape, type Shape, sizeOf, type Tensor } from '../tensor/index.js';
import { describeCapsules } from './capsule-shape.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription } from './layer.js';
import { positiveInt } from './options.js';

export { CapsuleDecoder, type CapsuleDecoderArgs } from './capsule-decoder.js';
export { PrimaryCapsules, type PrimaryCapsulesArgs } from './primary-capsules.js';
export { RoutingCapsules, type RoutingCapsulesArgs } from './routing-capsules.js';

export interface SquashArgs {
  /**
   * Regroup the input into capsules of this many dimensions first: [..., C] → [size/capsuleDim,
   * capsuleDim] (e.g. a Conv2D's feature map into primary capsules). Absent: squash the last axis
   * as it is.
   */
  capsuleDim?: number;
  name?: string;
}

/** The capsule non-linearity v = ‖s‖²/(1 + ‖s‖²)·s/‖s‖ over the last axis, as a layer. */
export class Squash extends Layer {
  readonly type = 'Squash';
  readonly capsuleDim: number | null;

  constructor(args: SquashArgs = {}) {
    super(args.name);
    this.capsuleDim = args.capsuleDim === undefined ? null : positiveInt(args.capsuleDim, `Squash${args.name ? ` '${args.name}'` : ''} capsuleDim`);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 1 || inputShape.some((d) => d < 1)) {
      throw new ShapeError(`layer '${this.name}' (Squash) needs capsule vectors along the last axis, every size at least 1, got ${formatShape(inputShape)}`);
    }
    if (this.capsuleDim === null) return inputShape;
    const channels = inputShape[inputShape.length - 1];
    if (channels % this.capsuleDim !== 0) {
      throw new ShapeError(`layer '${this.name}' (Squash) with input ${formatShape(inputShape)}: capsuleDim ${this.capsuleDim} must divide the ${channels} channels of the last axis`);
    }
    return [sizeOf(inputShape) / this.capsuleDim, this.capsuleDim];
  }

  call(x: Tensor, _context: CallContext): Tensor {
    if (this.capsuleDim === null) return squash(x);
    return squash(reshape(x, [x.shape[0], -1, this.capsuleDim]));
  }

  override describe(): LayerDescription {
    if (this.capsuleDim === null || !this.inputShape) return { detail: this.capsuleDim === null ? '' : `${this.capsuleDim}D` };
    const grid = [...this.inputShape.slice(0, -1), this.inputShape[this.inputShape.length - 1] / this.capsuleDim];
    return { detail: describeCapsules(grid, this.capsuleDim) };
  }

  getConfig(): LayerConfig {
    return { type: this.type, name: this.name, ...(this.capsuleDim === null ? {} : { capsuleDim: this.capsuleDim }) };
  }
}

/** Each capsule's length ‖v‖: [..., capsules, D] → [..., capsules]; for output capsules, the class scores. */
export class CapsuleLength extends Layer {
  readonly type = 'CapsuleLength';

  constructor(args: { name?: string } = {}) {
    super(args.name);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 2 || inputShape.some((d) => d < 1)) {
      throw new ShapeError(`layer '${this.name}' (CapsuleLength) needs capsules [count, dimension], got ${formatShape(inputShape)}`);
    }
    return inputShape.slice(0, -1);
  }

  call(x: Tensor, _context: CallContext): Tensor {
    return capsuleLength(x);
  }

  override describe(): LayerDescription {
    return { detail: this.inputShape ? `‖v‖ of ${describeCapsules(this.inputShape.slice(0, -1), this.inputShape[this.inputShape.length - 1])}` : '' };
  }

  getConfig(): LayerConfig {
    return { type: this.type, name: this.name };
  }
}
