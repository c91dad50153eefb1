import { ArgumentError, ShapeError } from '../errors.js';
import { add as addOp, concat, concatShape } from '../ops/index.js';
import { formatShape, type Shape, type Tensor } from '../tensor/index.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription, type SymbolicTensor } from './layer.js';

/** Layers that join several inputs into one: they only run inside graph models. */
abstract class MergeLayer extends Layer {
  override readonly arity = 'many' as const;

  computeOutputShape(inputShape: Shape): Shape {
    throw new ShapeError(`${this.type} '${this.name}' joins several inputs, got one of shape ${formatShape(inputShape)}`);
  }

  call(_x: Tensor, _context: CallContext): Tensor {
    throw new ArgumentError(`${this.type} '${this.name}' joins several inputs; call it through a graph model`);
  }
}

/** Element-wise sum of inputs of one shape: the skip connection of a residual block. */
export class Add extends MergeLayer {
  readonly type = 'Add';

  constructor(args: { name?: string } = {}) {
    super(args.name);
  }

  override computeOutputShapeFromMany(shapes: readonly Shape[]): Shape {
    for (const s of shapes) {
      if (s.length !== shapes[0].length || s.some((d, i) => d !== shapes[0][i])) {
        throw new ShapeError(`Add${this.name ? ` '${this.name}'` : ''} needs inputs of one shape, got ${shapes.map(formatShape).join(' and ')}`);
      }
    }
    return [...shapes[0]];
  }

  override callMany(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return inputs.slice(1).reduce((sum, x) => addOp(sum, x), inputs[0]);
  }

  getConfig(): LayerConfig {
    return { type: this.type, name: this.name };
  }
}

/** Joins inputs along one axis (default the last: channels), as in Inception and DenseNet blocks. */
export class Concatenate extends MergeLayer {
  readonly type = 'Concatenate';
  readonly axis: number;

  constructor(args: { axis?: number; name?: string } = {}) {
    super(args.name);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) throw new ArgumentError(`Concatenate axis must be a non-zero integer (axis 0 is the batch), got ${JSON.stringify(args.axis)}`);
    this.axis = axis;
  }

  /** The axis without the batch: −1 stays −1, 3 (NHWC channels) becomes 2. */
  private axisWithoutBatch(rank: number): number {
    return this.axis < 0 ? rank + this.axis : this.axis - 1;
  }

  override computeOutputShapeFromMany(shapes: readonly Shape[]): Shape {
    return concatShape(shapes, this.axisWithoutBatch(shapes[0].length), `Concatenate${this.name ? ` '${this.name}'` : ''}`);
  }

  override callMany(inputs: readonly Tensor[], _context: CallContext): Tensor {
    return concat(inputs, this.axis);
  }

  override describe(): LayerDescription {
    return { detail: `axis=${this.axis}` };
  }

  getConfig(): LayerConfig {
    return { type: this.type, name: this.name, axis: this.axis };
  }
}

/** `add([a, b])`: applies a new Add layer to graph placeholders. */
export function add(inputs: readonly SymbolicTensor[], args: { name?: string } = {}): SymbolicTensor {
  return new Add(args).apply(inputs);
}

/** `concatenate([a, b])`: applies a new Concatenate layer to graph placeholders. */
export function concatenate(inputs: readonly SymbolicTensor[], args: { axis?: number; name?: string } = {}): SymbolicTensor {
  return new Concatenate(args).apply(inputs);
}
