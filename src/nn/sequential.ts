import { noGrad } from '../autograd/tape.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, Rng, type Shape, Tensor } from '../tensor/index.js';
import type { CallContext, Layer, LayerConfig, Parameter } from './layer.js';
import { formatSummary } from './summary.js';

/** How raw pixels become model inputs: x = (pixel·scale − mean[c]) / std[c]. */
export interface InputNormalization {
  scale: number;
  mean: number[];
  std: number[];
}

export interface TrainingHistory {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  [metric: string]: number[] | undefined;
}

export interface SequentialConfig {
  type: 'Sequential';
  name: string;
  inputShape: number[];
  layers: LayerConfig[];
}

export interface ForwardOptions {
  training?: boolean;
  rng?: Rng;
  /** Return the logits instead of the final softmax (for cross-entropy from logits). */
  logits?: boolean;
}

function snakeCase(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A plain stack of layers, each feeding the next (Keras' Sequential). */
export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  inputShape: Shape | null;
  classNames: string[] | null = null;
  inputNormalization: InputNormalization = { scale: 1 / 255, mean: [0], std: [1] };
  history: TrainingHistory = { epoch: [], loss: [], accuracy: [] };
  private built = false;

  constructor(layers: Layer[] = [], options: { inputShape?: Shape; name?: string } = {}) {
    this.name = options.name ?? 'sequential';
    this.inputShape = options.inputShape ? [...options.inputShape] : null;
    for (const layer of layers) this.add(layer);
  }

  add(layer: Layer): this {
    if (this.built) throw new ArgumentError(`model '${this.name}' is already built; add layers before building`);
    if (!layer.name) {
      const base = snakeCase(layer.type);
      const taken = new Set(this.layers.map((l) => l.name));
      let name = base;
      for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
      layer.name = name;
    } else if (this.layers.some((l) => l.name === layer.name)) {
      throw new ArgumentError(`model '${this.name}' already has a layer named '${layer.name}'`);
    }
    this.layers.push(layer);
    return this;
  }

  get isBuilt(): boolean {
    return this.built;
  }

  /**
   * Checks every layer's shapes and creates the weights, seeded. Shape errors name the layer,
   * its input shape and the formula.
   */
  build(options: { inputShape?: Shape; seed?: number; rng?: Rng } = {}): this {
    const inputShape = options.inputShape ?? this.inputShape;
    if (!inputShape) throw new ShapeError(`model '${this.name}' needs an input shape, e.g. [28, 28, 1]`);
    if (this.layers.length === 0) throw new ArgumentError(`model '${this.name}' has no layers`);
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    let shape: Shape = inputShape;
    for (const layer of this.layers) shape = layer.build(shape, rng);
    this.inputShape = [...inputShape];
    this.built = true;
    return this;
  }

  get outputShape(): Shape {
    this.assertBuilt();
    return this.layers[this.layers.length - 1].outputShape!;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.trainable);
  }

  /** Runs the model on a batch [batch, ...inputShape]; records on the tape when one is active. */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.assertBuilt();
    const expected = this.inputShape!;
    if (x.rank !== expected.length + 1 || expected.some((d, i) => x.shape[i + 1] !== d)) {
      throw new ShapeError(`model '${this.name}' expects input [batch, ${expected.join(', ')}], got ${formatShape(x.shape)}`);
    }
    const context: CallContext = { training: options.training ?? false, rng: options.rng ?? new Rng(0) };
    let y = x;
    const last = this.layers.length - 1;
    this.layers.forEach((layer, i) => {
      y = i === last && options.logits && layer.endsWithSoftmax() ? layer.callWithoutSoftmax(y, context) : layer.call(y, context);
    });
    return y;
  }

  /** Whether the last layer ends in a softmax (so outputs are class probabilities). */
  outputsProbabilities(): boolean {
    return this.layers.length > 0 && this.layers[this.layers.length - 1].endsWithSoftmax();
  }

  /** Inference on a batch, without recording gradients. */
  predictBatch(x: Tensor): Tensor {
    return noGrad(() => this.forward(x, { training: false }));
  }

  countParameters(): number {
    return this.parameters().reduce((n, p) => n + p.value.size, 0);
  }

  summary(): string {
    this.assertBuilt();
    return formatSummary(this.name, this.inputShape!, this.layers);
  }

  getConfig(): SequentialConfig {
    this.assertBuilt();
    return { type: 'Sequential', name: this.name, inputShape: [...this.inputShape!], layers: this.layers.map((l) => l.getConfig()) };
  }

  private assertBuilt(): void {
    if (!this.built) throw new ArgumentError(`model '${this.name}' is not built yet: call build({ inputShape }) first`);
  }
}
