import { noGrad } from '../autograd/tape.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, Rng, type Shape, type Tensor } from '../tensor/index.js';
import type { CallContext, Layer, LayerConfig, Parameter } from './layer.js';

/** How raw pixels become model inputs: x = (pixel·scale − mean[c]) / std[c]. */
export interface InputNormalization {
  scale: number;
  mean: number[];
  std: number[];
}

/**
 * What a model is trained to minimise, which also says what its outputs are: `crossentropy`
 * (softmax cross-entropy; outputs are logits or probabilities) or `margin` (the capsule networks'
 * margin loss; outputs are capsule lengths in [0, 1], one per class).
 */
export type ModelLoss = 'crossentropy' | 'margin';
export const modelLosses: readonly ModelLoss[] = ['crossentropy', 'margin'];

export interface TrainingHistory {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  [metric: string]: number[] | undefined;
}

export interface ForwardOptions {
  training?: boolean;
  rng?: Rng;
  /** Return the logits instead of the final softmax (for cross-entropy from logits). */
  logits?: boolean;
  /** The batch's labels, passed to layers that use them while training (see CallContext). */
  labels?: Int32Array;
  /** Receives the extra loss terms layers add while training (see CallContext.addLoss). */
  addLoss?: (loss: Tensor) => void;
  /** Called with every layer's output as the pass goes (feature maps, capsule vectors). */
  onLayerOutput?: (layer: Layer, output: Tensor) => void;
}

export interface BuildOptions {
  inputShape?: Shape;
  seed?: number;
  rng?: Rng;
}

/** A layer config as stored in a model's architecture; graph models add the names of its inputs. */
export type NetworkLayerConfig = LayerConfig & { inbound?: string[] };

export interface NetworkConfig {
  /** `Sequential` (each layer feeds the next) or `Graph` (each layer names its inputs). */
  type: 'Sequential' | 'Graph';
  name: string;
  inputShape: number[];
  layers: NetworkLayerConfig[];
  /** Graph models: the layer whose output is the model's output. */
  output?: string;
}

export function snakeCase(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A fresh layer name: the layer type in snake case, numbered when taken (`conv2d`, `conv2d_1`). */
export function uniqueLayerName(type: string, taken: ReadonlySet<string>): string {
  const base = snakeCase(type);
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}

/**
 * What every model has, whatever its wiring: layers, weights, class names, input
 * normalisation, training history, and inference. `Sequential` and `GraphModel` extend it;
 * training, evaluation and model files take any `Network`.
 */
export abstract class Network {
  readonly name: string;
  inputShape: Shape | null;
  classNames: string[] | null = null;
  inputNormalization: InputNormalization = { scale: 1 / 255, mean: [0], std: [1] };
  history: TrainingHistory = { epoch: [], loss: [], accuracy: [] };
  /** The loss `fit` minimises and `evaluate` reports (stored in model.json). */
  loss: ModelLoss = 'crossentropy';
  protected built = false;

  constructor(name: string, inputShape?: Shape) {
    this.name = name;
    this.inputShape = inputShape ? [...inputShape] : null;
  }

  /** Every layer, in the order they run. */
  abstract get layers(): readonly Layer[];
  /** Checks every layer's shapes and creates the weights, seeded. */
  abstract build(options?: BuildOptions): this;
  abstract get outputShape(): Shape;
  /** Runs the model on a batch [batch, ...inputShape]; records on the tape when one is active. */
  abstract forward(x: Tensor, options?: ForwardOptions): Tensor;
  /**
   * The context every layer of one forward pass gets: training flag, generator, and what
   * `options` passes on (labels, the loss collector), with the input batch itself.
   */
  protected callContext(x: Tensor, options: ForwardOptions): CallContext {
    const context: CallContext = { training: options.training ?? false, rng: options.rng ?? new Rng(0), modelInput: x };
    if (options.labels) context.labels = options.labels;
    if (options.addLoss) context.addLoss = options.addLoss;
    return context;
  }

  /** Whether the output layer ends in a softmax (so outputs are class probabilities). */
  abstract outputsProbabilities(): boolean;
  /** The course's architecture table. */
  abstract summary(): string;
  abstract getConfig(): NetworkConfig;

  get isBuilt(): boolean {
    return this.built;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.trainable);
  }

  countParameters(): number {
    return this.parameters().reduce((n, p) => n + p.value.size, 0);
  }

  /** The layer called `name`; the error lists the names there are. */
  getLayer(name: string): Layer {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer) throw new ArgumentError(`model '${this.name}' has no layer named '${name}'; its layers are: ${this.layers.map((l) => l.name).join(', ')}`);
    return layer;
  }

  /** Inference on a batch, without recording gradients. */
  predictBatch(x: Tensor): Tensor {
    return noGrad(() => this.forward(x, { training: false }));
  }

  protected checkInput(x: Tensor): void {
    const expected = this.inputShape!;
    if (x.rank !== expected.length + 1 || expected.some((d, i) => x.shape[i + 1] !== d)) {
      throw new ShapeError(`model '${this.name}' expects input [batch, ${expected.join(', ')}], got ${formatShape(x.shape)}`);
    }
  }

  protected assertBuilt(): void {
    if (!this.built) throw new ArgumentError(`model '${this.name}' is not built yet: call build({ inputShape }) first`);
  }
}
