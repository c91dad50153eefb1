import { ArgumentError, ShapeError } from '../errors.js';
import { batchMatmul, dynamicRouting, reshape, transpose } from '../ops/index.js';
import { formatShape, type Rng, type Shape, sizeOf, Tensor } from '../tensor/index.js';
import { describeCapsules } from './capsule-shape.js';
import { initialize } from './initializers.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription, type Parameter } from './layer.js';
import { positiveInt } from './options.js';

export interface RoutingCapsulesArgs {
  /** Output capsules (one per class for digit capsules). */
  capsules: number;
  /** Dimensions of each output capsule. */
  capsuleDim: number;
  /** Routing-by-agreement iterations (default 3, as in the paper). */
  routings?: number;
  /**
   * 'truncatedNormal' (default): N(0, kernelStddev²) redrawn outside ±2σ, as Sabour et al.'s own
   * implementation; or any initializer name (fans of the [in, inDim, capsules, capsuleDim] shape).
   */
  kernelInitializer?: string;
  /** Standard deviation of the truncated normal initializer (default 0.01). */
  kernelStddev?: number;
  name?: string;
}

/**
 * Capsules computed from capsules by routing by agreement (Sabour et al. 2017, §2): input
 * capsules u [N, inDim]; kernel W [N, inDim, capsules, capsuleDim]; each input capsule i predicts
 * every output capsule j as û_{j|i} = u_i·W[i, :, j, :] (one batched matrix product over the N
 * input capsules), then dynamicRouting combines the predictions. Output [capsules, capsuleDim].
 */
export class RoutingCapsules extends Layer {
  readonly type = 'RoutingCapsules';
  readonly capsules: number;
  readonly capsuleDim: number;
  readonly routings: number;
  readonly kernelInitializer: string;
  readonly kernelStddev: number;
  kernel: Parameter | null = null;

  constructor(args: RoutingCapsulesArgs) {
    super(args.name);
    const what = `RoutingCapsules${args.name ? ` '${args.name}'` : ''}`;
    this.capsules = positiveInt(args.capsules, `${what} capsules`);
    this.capsuleDim = positiveInt(args.capsuleDim, `${what} capsuleDim`);
    this.routings = positiveInt(args.routings ?? 3, `${what} routings (iterations of routing by agreement)`);
    this.kernelInitializer = args.kernelInitializer ?? 'truncatedNormal';
    this.kernelStddev = args.kernelStddev ?? 0.01;
    if (!(typeof this.kernelStddev === 'number' && this.kernelStddev > 0 && Number.isFinite(this.kernelStddev))) {
      throw new ArgumentError(`${what} kernelStddev must be a positive number, got ${JSON.stringify(args.kernelStddev)}`);
    }
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 2 || inputShape.some((d) => d < 1)) {
      throw new ShapeError(
        `layer '${this.name}' (RoutingCapsules) needs input capsules [count, dimension] with both at least 1, got ${formatShape(inputShape)}; put PrimaryCapsules (or another capsule layer) before it`,
      );
    }
    return [this.capsules, this.capsuleDim];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    const shape = [inputShape[0], inputShape[1], this.capsules, this.capsuleDim];
    this.kernel = this.addWeight('kernel', this.kernelInitializer === 'truncatedNormal' ? truncatedNormal(shape, this.kernelStddev, rng) : initialize(this.kernelInitializer, shape, rng));
  }

  call(u: Tensor, _context: CallContext): Tensor {
    const [B, N, inDim] = u.shape;
    const J = this.capsules;
    const D = this.capsuleDim;
    // Per input capsule i: [B, inDim] · [inDim, J·D] → predictions [N, B, J·D].
    const predictions = batchMatmul(transpose(u, [1, 0, 2]), reshape(this.kernel!.value, [N, inDim, J * D]));
    const uHat = transpose(reshape(predictions, [N, B, J, D]), [1, 2, 0, 3]);
    return dynamicRouting(uHat, this.routings);
  }

  override describe(): LayerDescription {
    const inputs = this.inputShape ? `${this.inputShape[0]}×${this.inputShape[1]}D → ` : '';
    return { detail: `${inputs}${describeCapsules([this.capsules], this.capsuleDim)}, ${this.routings} routing${this.routings === 1 ? '' : 's'}` };
  }

  getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      capsules: this.capsules,
      capsuleDim: this.capsuleDim,
      routings: this.routings,
      kernelInitializer: this.kernelInitializer,
      kernelStddev: this.kernelStddev,
    };
  }
}

/** N(0, stddev²) values redrawn until within ±2σ (TensorFlow's truncated_normal). */
function truncatedNormal(shape: Shape, stddev: number, rng: Rng): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    data[i] = z * stddev;
  }
  return new Tensor(data, shape);
}
