import type { Rng, Shape, Tensor } from '../tensor/index.js';

/**
 * A trainable (or frozen) weight of a layer. Optimizers update `value.data` in place; a backend
 * may replace `value` by a copy that lives in its own memory (same shape and values).
 */
export interface Parameter {
  /** Unique within a model: `<layer name>/<weight name>`, e.g. `conv2d/kernel`. */
  readonly name: string;
  value: Tensor;
  trainable: boolean;
}

export interface CallContext {
  training: boolean;
  rng: Rng;
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
 * One layer. `build` is called once with the input shape (without the batch axis), checks it,
 * creates the weights and returns the output shape; `call` runs it on a batch.
 */
export abstract class Layer {
  abstract readonly type: string;
  name: string;
  inputShape: Shape | null = null;
  outputShape: Shape | null = null;
  protected weights: Parameter[] = [];

  constructor(name?: string) {
    this.name = name ?? '';
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
