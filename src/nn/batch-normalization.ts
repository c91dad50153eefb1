import { ArgumentError, ShapeError } from '../errors.js';
import { batchNormInference, batchNormTraining, updateMovingAverage } from '../ops/index.js';
import { formatShape, type Rng, type Shape, Tensor } from '../tensor/index.js';
import { initialize } from './initializers.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription, type Parameter } from './layer.js';

export interface BatchNormalizationArgs {
  /** The channel axis; only the last one (−1, Keras' default for channels-last) is supported. */
  axis?: number;
  /** Weight of the old value in the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Learn a shift β (default true). */
  center?: boolean;
  /** Learn a scale γ (default true). */
  scale?: boolean;
  /** Multiplies the learning rate of β (default 1; see Parameter.learningRateScale). */
  betaLearningRateScale?: number;
  betaInitializer?: string;
  gammaInitializer?: string;
  movingMeanInitializer?: string;
  movingVarianceInitializer?: string;
  name?: string;
}

/**
 * Batch normalisation (Keras' BatchNormalization) over the last axis. Training normalises each
 * channel with the batch's mean and variance over every other axis and updates the moving
 * averages in place (moving ← moving·momentum + batch·(1 − momentum), the biased batch variance,
 * as Keras 3); inference uses the moving averages. Weights: gamma and beta (trainable),
 * moving_mean and moving_variance (not trainable, saved with the model).
 */
export class BatchNormalization extends Layer {
  readonly type = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaLearningRateScale: number;
  readonly betaInitializer: string;
  readonly gammaInitializer: string;
  readonly movingMeanInitializer: string;
  readonly movingVarianceInitializer: string;
  gamma: Parameter | null = null;
  beta: Parameter | null = null;
  movingMean: Parameter | null = null;
  movingVariance: Parameter | null = null;
  /** γ = 1 and β = 0 for a layer built without scale or center. */
  private fixedOnes: Tensor | null = null;
  private fixedZeros: Tensor | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args.name);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new ArgumentError(`BatchNormalization axis must be an integer, got ${JSON.stringify(args.axis)}`);
    this.momentum = args.momentum ?? 0.99;
    if (!(typeof this.momentum === 'number' && this.momentum >= 0 && this.momentum <= 1)) {
      throw new ArgumentError(`BatchNormalization momentum must be in [0, 1], got ${JSON.stringify(args.momentum)}`);
    }
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(typeof this.epsilon === 'number' && this.epsilon > 0 && Number.isFinite(this.epsilon))) {
      throw new ArgumentError(`BatchNormalization epsilon must be a positive number, got ${JSON.stringify(args.epsilon)}`);
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaLearningRateScale = args.betaLearningRateScale ?? 1;
    if (!(typeof this.betaLearningRateScale === 'number' && this.betaLearningRateScale > 0 && Number.isFinite(this.betaLearningRateScale))) {
      throw new ArgumentError(`BatchNormalization betaLearningRateScale must be a positive number, got ${JSON.stringify(args.betaLearningRateScale)}`);
    }
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
    this.movingMeanInitializer = args.movingMeanInitializer ?? 'zeros';
    this.movingVarianceInitializer = args.movingVarianceInitializer ?? 'ones';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 1) throw new ShapeError(`layer '${this.name}' (BatchNormalization) needs an input with a channel axis, got ${formatShape(inputShape)}`);
    // Axes count the batch axis, as in Keras: for input [H, W, C] the channels are axis 3 (or −1).
    if (this.axis !== -1 && this.axis !== inputShape.length) {
      throw new ShapeError(
        `layer '${this.name}' (BatchNormalization) with input ${formatShape(inputShape)}: only the last axis (−1 or ${inputShape.length}, the channels) can be normalised, got axis ${this.axis}`,
      );
    }
    return inputShape;
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    const channels = inputShape[inputShape.length - 1];
    this.gamma = this.scale ? this.addWeight('gamma', initialize(this.gammaInitializer, [channels], rng)) : null;
    this.beta = this.center ? this.addWeight('beta', initialize(this.betaInitializer, [channels], rng)) : null;
    if (this.beta && this.betaLearningRateScale !== 1) this.beta.learningRateScale = this.betaLearningRateScale;
    this.movingMean = this.addWeight('moving_mean', initialize(this.movingMeanInitializer, [channels], rng), false);
    this.movingVariance = this.addWeight('moving_variance', initialize(this.movingVarianceInitializer, [channels], rng), false);
    this.fixedOnes = this.scale ? null : new Tensor(new Float32Array(channels).fill(1), [channels]);
    this.fixedZeros = this.center ? null : new Tensor(new Float32Array(channels), [channels]);
  }

  call(x: Tensor, context: CallContext): Tensor {
    const gamma = this.gamma?.value ?? this.fixedOnes!;
    const beta = this.beta?.value ?? this.fixedZeros!;
    if (!context.training) return batchNormInference(x, gamma, beta, this.movingMean!.value, this.movingVariance!.value, this.epsilon);
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon);
    // In place, so the moving statistics stay in the Parameter's own (persistent) memory; a batch
    // whose statistics are not finite (a diverged step) leaves them as they were.
    const finite = (t: Tensor) => (t.data as Float32Array).every(Number.isFinite);
    if (finite(mean) && finite(variance)) {
      updateMovingAverage(this.movingMean!.value, mean, this.momentum);
      updateMovingAverage(this.movingVariance!.value, variance, this.momentum);
    }
    return y;
  }

  override describe(): LayerDescription {
    const parts: string[] = [];
    if (this.momentum !== 0.99) parts.push(`momentum=${this.momentum}`);
    if (this.epsilon !== 1e-3) parts.push(`ε=${this.epsilon}`);
    if (!this.scale) parts.push('no scale');
    if (!this.center) parts.push('no center');
    if (this.betaLearningRateScale !== 1) parts.push(`β lr×${this.betaLearningRateScale}`);
    return { detail: parts.join(',') };
  }

  getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...(this.betaLearningRateScale !== 1 ? { betaLearningRateScale: this.betaLearningRateScale } : {}),
      betaInitializer: this.betaInitializer,
      gammaInitializer: this.gammaInitializer,
      movingMeanInitializer: this.movingMeanInitializer,
      movingVarianceInitializer: this.movingVarianceInitializer,
    };
  }
}
