import { ArgumentError, ShapeError } from '../errors.js';
import { Rng, type Shape, type Tensor } from '../tensor/index.js';
import type { CallContext, Layer } from './layer.js';
import { type BuildOptions, type ForwardOptions, Network, type NetworkConfig, uniqueLayerName } from './network.js';
import { formatSummary } from './summary.js';

export type { ForwardOptions, InputNormalization, TrainingHistory } from './network.js';

/** The architecture of a Sequential model as stored in model.json. */
export type SequentialConfig = NetworkConfig & { type: 'Sequential' };

/** A plain stack of layers, each feeding the next (Keras' Sequential). */
export class Sequential extends Network {
  private readonly stack: Layer[] = [];

  constructor(layers: Layer[] = [], options: { inputShape?: Shape; name?: string } = {}) {
    super(options.name ?? 'sequential', options.inputShape);
    for (const layer of layers) this.add(layer);
  }

  get layers(): readonly Layer[] {
    return this.stack;
  }

  add(layer: Layer): this {
    if (this.built) throw new ArgumentError(`model '${this.name}' is already built; add layers before building`);
    if (layer.arity !== 1) {
      throw new ArgumentError(`a ${layer.type} layer joins several inputs, which a Sequential model cannot give it; build a graph model instead (input() → layer.apply(…) → new GraphModel({ inputs, outputs }))`);
    }
    if (!layer.name) {
      layer.name = uniqueLayerName(layer.type, new Set(this.stack.map((l) => l.name)));
    } else if (this.stack.some((l) => l.name === layer.name)) {
      throw new ArgumentError(`model '${this.name}' already has a layer named '${layer.name}'`);
    }
    this.stack.push(layer);
    return this;
  }

  /**
   * Checks every layer's shapes and creates the weights, seeded. Shape errors name the layer,
   * its input shape and the formula.
   */
  build(options: BuildOptions = {}): this {
    const inputShape = options.inputShape ?? this.inputShape;
    if (!inputShape) throw new ShapeError(`model '${this.name}' needs an input shape, e.g. [28, 28, 1]`);
    if (this.stack.length === 0) throw new ArgumentError(`model '${this.name}' has no layers`);
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    let shape: Shape = inputShape;
    for (const layer of this.stack) shape = layer.build(shape, rng);
    for (const layer of this.stack) layer.checkModelInput(inputShape);
    this.inputShape = [...inputShape];
    this.built = true;
    return this;
  }

  get outputShape(): Shape {
    this.assertBuilt();
    return this.stack[this.stack.length - 1].outputShape!;
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.assertBuilt();
    this.checkInput(x);
    const context: CallContext = this.callContext(x, options);
    let y = x;
    const last = this.stack.length - 1;
    this.stack.forEach((layer, i) => {
      y = i === last && options.logits && layer.endsWithSoftmax() ? layer.callWithoutSoftmax(y, context) : layer.call(y, context);
      options.onLayerOutput?.(layer, y);
    });
    return y;
  }

  outputsProbabilities(): boolean {
    return this.stack.length > 0 && this.stack[this.stack.length - 1].endsWithSoftmax();
  }

  summary(): string {
    this.assertBuilt();
    return formatSummary(this.name, this.inputShape!, this.stack);
  }

  getConfig(): SequentialConfig {
    this.assertBuilt();
    return { type: 'Sequential', name: this.name, inputShape: [...this.inputShape!], layers: this.stack.map((l) => l.getConfig()) };
  }
}
