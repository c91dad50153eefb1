import { ArgumentError, ShapeError } from '../errors.js';
import { biasAdd, conv2d } from '../ops/index.js';
import { formatShape, type Rng, type Shape, Tensor } from '../tensor/index.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription, type Parameter } from './layer.js';
import { positiveInt } from './options.js';
import { symmetricEigen } from './symmetric-eigen.js';

export interface PatchWhiteningArgs {
  /** Side of the square patches (default 2). */
  kernelSize?: number;
  /** Added to each eigenvalue before dividing by its root, so near-empty directions are not blown up (default 5e-4). */
  epsilon?: number;
  /** True once `adapt` has set the filters (saved models record it; training does not adapt them again). */
  adapted?: boolean;
  /** Train the bias for this many epochs of a run, then freeze it (airbench: 3); default: always trained. */
  biasEpochs?: number;
  name?: string;
}

/**
 * A fixed first convolution that whitens image patches (airbench's "whitening initialization",
 * after Coates & Ng 2012): `adapt` takes training images, estimates the covariance Σ of their
 * k×k×C patches and sets 2·k²·C filters, each eigenvector u of Σ scaled by 1/√(λ + ε) and its
 * negation, so that the responses to real patches are decorrelated with unit variance (the pair
 * keeps both signs through a following ReLU). Valid padding, stride 1: [H, W, C] →
 * [H−k+1, W−k+1, 2k²C]. The filters are not trained; the bias is (for `biasEpochs` epochs when set). `fit` adapts the layer on the
 * first 5,000 training images (after the input normalisation) when it must be the model's first layer.
 */
export class PatchWhitening extends Layer {
  readonly type = 'PatchWhitening';
  readonly kernelSize: number;
  readonly epsilon: number;
  adapted: boolean;
  readonly biasEpochs: number | null;
  kernel: Parameter | null = null;
  bias: Parameter | null = null;

  constructor(args: PatchWhiteningArgs = {}) {
    super(args.name);
    this.kernelSize = positiveInt(args.kernelSize ?? 2, 'PatchWhitening kernelSize');
    this.epsilon = args.epsilon ?? 5e-4;
    if (!(typeof this.epsilon === 'number' && this.epsilon > 0 && Number.isFinite(this.epsilon))) {
      throw new ArgumentError(`PatchWhitening epsilon must be a positive number, got ${JSON.stringify(args.epsilon)}`);
    }
    this.adapted = args.adapted ?? false;
    this.biasEpochs = args.biasEpochs ?? null;
    if (this.biasEpochs !== null && !(Number.isInteger(this.biasEpochs) && this.biasEpochs >= 0)) {
      throw new ArgumentError(`PatchWhitening biasEpochs must be a whole number ≥ 0, got ${JSON.stringify(args.biasEpochs)}`);
    }
  }

  /** Freezes the bias from epoch `biasEpochs` on (then training skips this layer's backward pass). */
  override beginEpoch(epoch: number): void {
    if (this.bias) this.bias.trainable = this.biasEpochs === null || epoch < this.biasEpochs;
  }

  /** Length of one flattened patch: k·k·C. */
  private patchLength(channels: number): number {
    return this.kernelSize * this.kernelSize * channels;
  }

  computeOutputShape(inputShape: Shape): Shape {
    const k = this.kernelSize;
    if (inputShape.length !== 3 || inputShape[0] < k || inputShape[1] < k) {
      throw new ShapeError(`layer '${this.name}' (PatchWhitening, ${k}×${k} patches) needs input [height ≥ ${k}, width ≥ ${k}, channels], got ${formatShape(inputShape)}`);
    }
    return [inputShape[0] - k + 1, inputShape[1] - k + 1, 2 * this.patchLength(inputShape[2])];
  }

  protected override createWeights(inputShape: Shape, _rng: Rng): void {
    const k = this.kernelSize;
    const channels = inputShape[2];
    const filters = 2 * this.patchLength(channels);
    this.kernel = this.addWeight('kernel', new Tensor(new Float32Array(k * k * channels * filters), [k, k, channels, filters]), false);
    this.bias = this.addWeight('bias', new Tensor(new Float32Array(filters), [filters]));
  }

  /**
   * Sets the filters from a batch of images [N, H, W, C] as the layer sees them: the uncentred
   * covariance of all their k×k patches, its eigenvectors scaled by 1/√(λ + ε), and their negations.
   */
  adapt(images: Tensor): void {
    if (!this.kernel || !this.inputShape) throw new ArgumentError(`layer '${this.name}' (PatchWhitening) must be built before it is adapted`);
    const [H, W, C] = this.inputShape;
    if (images.rank !== 4 || images.shape[1] !== H || images.shape[2] !== W || images.shape[3] !== C || images.shape[0] < 1) {
      throw new ShapeError(`layer '${this.name}' (PatchWhitening) adapts to images [N ≥ 1, ${H}, ${W}, ${C}], got ${formatShape(images.shape)}`);
    }
    const k = this.kernelSize;
    const n = this.patchLength(C);
    const covariance = patchCovariance(images.data, images.shape[0], H, W, C, k);
    const { values, vectors } = symmetricEigen(covariance, n);
    const kernel = this.kernel.value.data;
    const filters = 2 * n;
    for (let f = 0; f < n; f++) {
      const scaleBy = 1 / Math.sqrt(Math.max(values[f], 0) + this.epsilon);
      // Patch element e = (ky·k + kx)·C + c, which is also the kernel's [ky, kx, c] offset / filters.
      for (let e = 0; e < n; e++) {
        const w = vectors[f * n + e] * scaleBy;
        kernel[e * filters + f] = w;
        kernel[e * filters + n + f] = -w;
      }
    }
    this.adapted = true;
  }

  call(x: Tensor, _context: CallContext): Tensor {
    return biasAdd(conv2d(x, this.kernel!.value, { padding: 'valid' }), this.bias!.value);
  }

  override describe(): LayerDescription {
    const bias = this.biasEpochs === null ? '' : `,bias ${this.biasEpochs} epochs`;
    return { filters: this.outputShape?.[2], padding: 'valid', detail: `whitening f=${this.kernelSize}${bias}${this.adapted ? '' : ' (not adapted)'}` };
  }

  getConfig(): LayerConfig {
    return { type: this.type, name: this.name, kernelSize: this.kernelSize, epsilon: this.epsilon, adapted: this.adapted, ...(this.biasEpochs === null ? {} : { biasEpochs: this.biasEpochs }) };
  }
}

/** Σ = (1/P)·Σ_patches p·pᵀ over every k×k patch (stride 1, valid) of N images [N, H, W, C], row-major n×n. */
export function patchCovariance(data: ArrayLike<number>, N: number, H: number, W: number, C: number, k: number): Float64Array {
  const n = k * k * C;
  const sums = new Float64Array(n * n);
  const patch = new Float64Array(n);
  const outH = H - k + 1;
  const outW = W - k + 1;
  for (let img = 0; img < N; img++) {
    const base = img * H * W * C;
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        let e = 0;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const at = base + ((y + ky) * W + x + kx) * C;
            for (let c = 0; c < C; c++) patch[e++] = data[at + c];
          }
        }
        for (let i = 0; i < n; i++) {
          const pi = patch[i];
          const row = i * n;
          for (let j = i; j < n; j++) sums[row + j] += pi * patch[j];
        }
      }
    }
  }
  const count = N * outH * outW;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = sums[i * n + j] / count;
      sums[i * n + j] = v;
      sums[j * n + i] = v;
    }
  }
  return sums;
}
