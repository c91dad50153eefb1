import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, Rng, type Shape, type Tensor } from '../tensor/index.js';
import { type CallContext, type Layer, SymbolicTensor } from './layer.js';
import { type BuildOptions, type ForwardOptions, Network, type NetworkConfig, uniqueLayerName } from './network.js';
import { formatSummary } from './summary.js';

/** The architecture of a graph model as stored in model.json: each layer names its inputs. */
export type GraphConfig = NetworkConfig & { type: 'Graph'; output: string };

/** The name graph configs use for the model's input in a layer's `inbound` list. */
export const GRAPH_INPUT = 'input';

/** The placeholder for a graph model's input: images of `shape` (without the batch axis). */
export function input(shape: Shape): SymbolicTensor {
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(`input shape must be positive integers without the batch axis, e.g. [32, 32, 3], got ${formatShape(shape)}`);
  }
  return new SymbolicTensor([...shape], null, []);
}

interface GraphNode {
  layer: Layer;
  /** Indices into the node list; −1 is the model's input. */
  inputs: number[];
}

/**
 * A model whose layers form a directed acyclic graph — residual and Inception-style networks —
 * built functionally (Keras' functional API):
 *
 *     const x = input([32, 32, 3]);
 *     const h = new Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }).apply(x);
 *     const y = add([x2, h]);   // a skip connection
 *     const model = new GraphModel({ inputs: x, outputs: logits, name: 'resnet' }).build({ seed: 0 });
 *
 * One input, one output. Layers run in the order they were applied (a topological order).
 */
export class GraphModel extends Network {
  private readonly nodes: GraphNode[];

  constructor(args: { inputs: SymbolicTensor; outputs: SymbolicTensor; name?: string }) {
    super(args.name ?? 'model', args.inputs.shape);
    if (args.inputs.layer !== null) throw new ArgumentError("a graph model's inputs must be the placeholder made by input(shape)");
    this.nodes = collectNodes(args.inputs, args.outputs);
    if (this.nodes.length === 0) throw new ArgumentError(`model '${this.name}' has no layers between its input and output`);
    const taken = new Set<string>();
    for (const { layer } of this.nodes) {
      if (!layer.name) layer.name = uniqueLayerName(layer.type, taken);
      else if (taken.has(layer.name)) throw new ArgumentError(`model '${this.name}' has two layers named '${layer.name}'`);
      if (layer.name === GRAPH_INPUT) throw new ArgumentError(`'${GRAPH_INPUT}' names the model's input; call the layer something else`);
      taken.add(layer.name);
    }
  }

  get layers(): readonly Layer[] {
    return this.nodes.map((n) => n.layer);
  }

  /** The names of the layers (or 'input') whose outputs feed `layer`. */
  inboundNames(layer: Layer): string[] {
    const node = this.nodes.find((n) => n.layer === layer);
    if (!node) throw new ArgumentError(`layer '${layer.name}' is not part of model '${this.name}'`);
    return node.inputs.map((i) => (i < 0 ? GRAPH_INPUT : this.nodes[i].layer.name));
  }

  build(options: BuildOptions = {}): this {
    if (options.inputShape && (options.inputShape.length !== this.inputShape!.length || options.inputShape.some((d, i) => d !== this.inputShape![i]))) {
      throw new ShapeError(`graph model '${this.name}' was made for input ${formatShape(this.inputShape!)}, asked to build for ${formatShape(options.inputShape)}`);
    }
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const shapes: Shape[] = [];
    for (const node of this.nodes) {
      shapes.push(node.layer.buildFromMany(node.inputs.map((i) => (i < 0 ? this.inputShape! : shapes[i])), rng));
    }
    for (const node of this.nodes) node.layer.checkModelInput(this.inputShape!);
    this.built = true;
    return this;
  }

  get outputShape(): Shape {
    this.assertBuilt();
    return this.nodes[this.nodes.length - 1].layer.outputShape!;
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.assertBuilt();
    this.checkInput(x);
    const context: CallContext = this.callContext(x, options);
    const values: Tensor[] = [];
    const last = this.nodes.length - 1;
    this.nodes.forEach(({ layer, inputs }, i) => {
      const xs = inputs.map((k) => (k < 0 ? x : values[k]));
      if (i === last && options.logits && layer.endsWithSoftmax()) values.push(layer.callWithoutSoftmax(xs[0], context));
      else values.push(layer.arity === 1 ? layer.call(xs[0], context) : layer.callMany(xs, context));
      options.onLayerOutput?.(layer, values[i]);
    });
    return values[last];
  }

  outputsProbabilities(): boolean {
    return this.nodes[this.nodes.length - 1].layer.endsWithSoftmax();
  }

  summary(): string {
    this.assertBuilt();
    return formatSummary(this.name, this.inputShape!, this.layers, (layer) => this.inboundNames(layer));
  }

  getConfig(): GraphConfig {
    this.assertBuilt();
    return {
      type: 'Graph',
      name: this.name,
      inputShape: [...this.inputShape!],
      layers: this.nodes.map(({ layer }) => ({ ...layer.getConfig(), inbound: this.inboundNames(layer) })),
      output: this.nodes[this.nodes.length - 1].layer.name,
    };
  }
}

/**
 * The layers between `input` and `output` in an order where every layer comes after its inputs,
 * the output last; each with the indices of its inputs. Layers that do not lead to the output are
 * left out.
 */
function collectNodes(inputPlaceholder: SymbolicTensor, output: SymbolicTensor): GraphNode[] {
  const order: SymbolicTensor[] = [];
  const state = new Map<SymbolicTensor, 'visiting' | 'done'>();
  // Iterative depth-first post-order (deep residual nets would overflow a recursive one).
  const stack: { t: SymbolicTensor; next: number }[] = [{ t: output, next: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.t.layer === null) {
      if (top.t !== inputPlaceholder) throw new ArgumentError('the graph reaches an input placeholder that is not the model\'s input: a graph model has exactly one input');
      stack.pop();
      continue;
    }
    if (top.next === 0) state.set(top.t, 'visiting');
    if (top.next < top.t.inputs.length) {
      const child = top.t.inputs[top.next++];
      const s = state.get(child);
      if (s === 'visiting') throw new ArgumentError('the graph has a cycle');
      if (s !== 'done') stack.push({ t: child, next: 0 });
      continue;
    }
    state.set(top.t, 'done');
    order.push(top.t);
    stack.pop();
  }
  const index = new Map(order.map((t, i) => [t, i]));
  return order.map((t) => ({ layer: t.layer!, inputs: t.inputs.map((i) => (i.layer === null ? -1 : index.get(i)!)) }));
}
