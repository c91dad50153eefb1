import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, type Rng, type Shape, type Tensor } from '../tensor/index.js';

/**
 * A trainable (or frozen) weight of a layer. Optimizers update `value.data` in place; a backend
 * may replace `value` by a copy that lives in its own memory (same shape and values).
 */
export interface Parameter {
  /** Unique within a model: `<layer name>/<weight name>`, e.g. `conv2d/kernel`. */
  readonly name: string;
  value: Tensor;
  trainable: boolean;
  /**
   * Multiplies the optimizer's learning rate for this weight (default 1), leaving the weight
   * decay's shrink per step as it is: e.g. airbench trains batch-norm shifts 64× faster.
   */
  learningRateScale?: number;
}

export interface CallContext {
  training: boolean;
  rng: Rng;
  /** The batch's integer labels, when the caller has them (training): e.g. a capsule decoder masks by them. */
  labels?: Int32Array;
  /** The model's input batch as the first layer sees it (after normalisation): e.g. a reconstruction target. */
  modelInput?: Tensor;
  /**
   * Adds a term to the loss being minimised (Keras' `add_loss`), e.g. a reconstruction loss.
   * Present only while training; layers skip such terms when it is absent.
   */
  addLoss?: (loss: Tensor) => void;
}

/** What summary() shows for a layer beyond its shapes. */
export interface LayerDescription {
  filters?: number;
  padding?: string;
  detail?: string;
}

/** A JSON-serialisable description from which the layer can be rebuilt. */
export interface LayerConfig {
  type: string;
  name: string;
  [option: string]: unknown;
}

/**
 * A placeholder for the output of a layer in a graph model under construction: its shape
 * (without the batch axis), the layer that makes it and the placeholders that layer takes.
 * `input(shape)` makes the first one; `layer.apply(x)` makes the rest.
 */
export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    /** null for the model's input. */
    readonly layer: Layer | null,
    readonly inputs: readonly SymbolicTensor[],
  ) {}
}

/**
 * One layer. `build` is called once with the input shape (without the batch axis), checks it,
 * creates the weights and returns the output shape; `call` runs it on a batch.
 */
export abstract class Layer {
  abstract readonly type: string;
  name: string;
  inputShape: Shape | null = null;
  outputShape: Shape | null = null;
  protected weights: Parameter[] = [];

  /** How many inputs the layer takes: 1, or 'many' for layers that join tensors (Add, Concatenate). */
  readonly arity: 1 | 'many' = 1;
  /** The graph node this layer was applied as, if any (a layer is applied once). */
  private appliedAs: SymbolicTensor | null = null;

  constructor(name?: string) {
    this.name = name ?? '';
  }

  /**
   * Applies the layer to placeholder(s) of a graph model under construction: checks the shapes
   * now and returns the placeholder of its output. `new GraphModel({ inputs, outputs })` collects the
   * layers from there.
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor {
    const list = inputs instanceof SymbolicTensor ? [inputs] : [...inputs];
    const label = `${this.type}${this.name ? ` '${this.name}'` : ''}`;
    if (this.appliedAs) throw new ArgumentError(`${label} is already used in a graph; a layer is applied once (make another layer to apply it again)`);
    if (this.arity === 1 && list.length !== 1) throw new ArgumentError(`${label} takes one input, got ${list.length}`);
    if (this.arity === 'many' && list.length < 2) throw new ArgumentError(`${label} joins two or more inputs, got ${list.length}`);
    const shape = this.computeOutputShapeFromMany(list.map((t) => t.shape));
    this.appliedAs = new SymbolicTensor(shape, this, list);
    return this.appliedAs;
  }

  /** The output shape for several inputs; layers with arity 'many' override it. */
  computeOutputShapeFromMany(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length !== 1) throw new ShapeError(`${this.type} takes one input, got shapes ${inputShapes.map(formatShape).join(', ')}`);
    return this.computeOutputShape(inputShapes[0]);
  }

  /** `build` for several inputs (arity 'many'); one-input layers build on the only shape. */
  buildFromMany(inputShapes: readonly Shape[], rng: Rng): Shape {
    if (this.arity === 1) return this.build(inputShapes[0], rng);
    const output = this.computeOutputShapeFromMany(inputShapes);
    this.inputShape = inputShapes[0];
    this.outputShape = output;
    this.weights = [];
    return output;
  }

  /** `call` for several inputs; layers with arity 'many' override it. */
  callMany(inputs: readonly Tensor[], context: CallContext): Tensor {
    return this.call(inputs[0], context);
  }

  abstract computeOutputShape(inputShape: Shape): Shape;
  protected createWeights(_inputShape: Shape, _rng: Rng): void {}
  abstract call(x: Tensor, context: CallContext): Tensor;
  abstract getConfig(): LayerConfig;

  build(inputShape: Shape, rng: Rng): Shape {
    const output = this.computeOutputShape(inputShape);
    this.inputShape = inputShape;
    this.outputShape = output;
    this.weights = [];
    this.createWeights(inputShape, rng);
    return output;
  }

  parameters(): Parameter[] {
    return this.weights;
  }

  /**
   * Called by `fit` before the first step of every epoch (0-based, counted over the whole run,
   * also when a run resumes): a layer may stop training a weight from some epoch on by clearing
   * its `trainable` flag (PatchWhitening's bias). Most layers do nothing.
   */
  beginEpoch(_epoch: number): void {}

  /**
   * Called when the model is built, with the model's input shape (without the batch axis), for
   * layers that depend on it beyond their own input (a reconstruction decoder); throws ShapeError.
   */
  checkModelInput(_modelInputShape: Shape): void {}

  describe(): LayerDescription {
    return {};
  }

  /** True when the layer's output is a softmax, so training can take the logits instead. */
  endsWithSoftmax(): boolean {
    return false;
  }

  /** The layer's output before its final softmax (only called when endsWithSoftmax()). */
  callWithoutSoftmax(x: Tensor, context: CallContext): Tensor {
    return this.call(x, context);
  }

  protected addWeight(weightName: string, value: Tensor, trainable = true): Parameter {
    const parameter: Parameter = { name: `${this.name}/${weightName}`, value, trainable };
    this.weights.push(parameter);
    return parameter;
  }
}
