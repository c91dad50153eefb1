import { ArgumentError, ShapeError } from '../errors.js';
import { biasAdd, biasRelu, maskCapsules, matmul, reshape, scale, sigmoid, sumSquaredError } from '../ops/index.js';
import { formatShape, type Rng, type Shape, shapesEqual, sizeOf, type Tensor } from '../tensor/index.js';
import { describeCapsules } from './capsule-shape.js';
import { initialize } from './initializers.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription, type Parameter } from './layer.js';
import { positiveInt } from './options.js';

export interface CapsuleDecoderArgs {
  /** Sizes of the hidden ReLU layers (default [512, 1024], as in the paper). */
  units?: number[];
  /** Weight of the reconstruction loss added to the model's loss (default 0.0005). */
  weight?: number;
  /**
   * The model's input shape [H, W, C], which the decoder reconstructs: its last layer has
   * H·W·C sigmoid outputs. Needed to build (the zoo passes the model's inputShape).
   */
  imageShape?: number[];
  kernelInitializer?: string;
  name?: string;
}

interface DenseWeights {
  kernel: Parameter;
  bias: Parameter;
}

/**
 * The capsule network's reconstruction decoder (Sabour et al. 2017, §4.1), as a pass-through
 * layer placed after the output capsules: `call` returns its input [capsules, D] unchanged, and
 * while training (when the context has `addLoss`) it masks the capsules by the labels (keeping
 * only the true class's), decodes them with dense ReLU layers of `units` and a sigmoid layer of
 * imageShape's size, and adds weight·sumSquaredError(reconstruction, model input) to the loss.
 * The target is the model's input as the first layer sees it, after input normalisation.
 */
export class CapsuleDecoder extends Layer {
  readonly type = 'CapsuleDecoder';
  readonly units: number[];
  readonly weight: number;
  readonly imageShape: number[] | null;
  readonly kernelInitializer: string;
  private dense: DenseWeights[] = [];

  constructor(args: CapsuleDecoderArgs = {}) {
    super(args.name);
    const what = `CapsuleDecoder${args.name ? ` '${args.name}'` : ''}`;
    const units = args.units ?? [512, 1024];
    if (!Array.isArray(units)) throw new ArgumentError(`${what} units must be a list of layer sizes, got ${JSON.stringify(units)}`);
    this.units = units.map((u, i) => positiveInt(u, `${what} units[${i}]`));
    this.weight = args.weight ?? 0.0005;
    if (!(typeof this.weight === 'number' && this.weight >= 0 && Number.isFinite(this.weight))) {
      throw new ArgumentError(`${what} weight must be a non-negative number, got ${JSON.stringify(args.weight)}`);
    }
    if (args.imageShape !== undefined && !(Array.isArray(args.imageShape) && args.imageShape.length > 0)) {
      throw new ArgumentError(`${what} imageShape must be the model's input shape, e.g. [28, 28, 1], got ${JSON.stringify(args.imageShape)}`);
    }
    this.imageShape = args.imageShape ? args.imageShape.map((d, i) => positiveInt(d, `${what} imageShape[${i}]`)) : null;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 2 || inputShape.some((d) => d < 1)) {
      throw new ShapeError(`layer '${this.name}' (CapsuleDecoder) needs output capsules [count, dimension], got ${formatShape(inputShape)}; put it after RoutingCapsules`);
    }
    if (!this.imageShape) {
      throw new ArgumentError(`layer '${this.name}' (CapsuleDecoder) needs imageShape, the model's input shape it reconstructs (e.g. imageShape: [28, 28, 1])`);
    }
    return inputShape;
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    const sizes = [sizeOf(inputShape), ...this.units, sizeOf(this.imageShape!)];
    this.dense = sizes.slice(1).map((out, i) => {
      const prefix = i < this.units.length ? `hidden_${i}` : 'output';
      return {
        kernel: this.addWeight(`${prefix}/kernel`, initialize(this.kernelInitializer, [sizes[i], out], rng)),
        bias: this.addWeight(`${prefix}/bias`, initialize('zeros', [out], rng)),
      };
    });
  }

  /**
   * Throws a ShapeError unless `inputShape` (a model's input shape, without the batch axis) is the
   * image shape this decoder reconstructs. Models call it when they are built.
   */
  override checkModelInput(modelInputShape: Shape): void {
    this.checkImageShape(modelInputShape);
  }

  checkImageShape(inputShape: Shape): void {
    if (this.imageShape && !shapesEqual(inputShape, this.imageShape)) {
      throw new ShapeError(
        `layer '${this.name}' (CapsuleDecoder) reconstructs images ${formatShape(this.imageShape)} (${sizeOf(this.imageShape)} values) but the model's input is ${formatShape(inputShape)}; give it imageShape: ${formatShape(inputShape)}`,
      );
    }
  }

  call(v: Tensor, context: CallContext): Tensor {
    if (!context.addLoss) return v;
    const where = `layer '${this.name}' (CapsuleDecoder)`;
    if (!context.labels) throw new ArgumentError(`${where} needs the batch's labels while training, to mask the capsules by the true class`);
    if (!context.modelInput) throw new ArgumentError(`${where} needs the model's input while training, the target of its reconstruction`);
    this.checkImageShape(context.modelInput.shape.slice(1));
    const reconstruction = this.reconstruct(v, context.labels);
    context.addLoss(scale(sumSquaredError(reconstruction, context.modelInput), this.weight));
    return v;
  }

  /** Images [B, ...imageShape] decoded from capsules v [B, J, D], each masked to its capsule classes[b] (no loss added). */
  reconstruct(v: Tensor, classes: Int32Array): Tensor {
    if (this.dense.length === 0) throw new ArgumentError(`layer '${this.name}' (CapsuleDecoder) is not built yet`);
    const batch = v.shape[0];
    let h = reshape(maskCapsules(v, classes), [batch, -1]);
    const last = this.dense.length - 1;
    this.dense.forEach(({ kernel, bias }, i) => {
      const z = matmul(h, kernel.value);
      h = i < last ? biasRelu(z, bias.value) : sigmoid(biasAdd(z, bias.value));
    });
    return reshape(h, [batch, ...this.imageShape!]);
  }

  override describe(): LayerDescription {
    const steps = [
      ...(this.inputShape ? [`masked ${describeCapsules([this.inputShape[0]], this.inputShape[1])}`] : []),
      ...this.units.map(String),
      ...(this.imageShape ? [`${sizeOf(this.imageShape)} sigmoid (${this.imageShape.join('×')})`] : []),
    ];
    return { detail: `${steps.join(' → ')}, loss ×${this.weight}` };
  }

  getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      units: [...this.units],
      weight: this.weight,
      ...(this.imageShape ? { imageShape: [...this.imageShape] } : {}),
      kernelInitializer: this.kernelInitializer,
    };
  }
}
