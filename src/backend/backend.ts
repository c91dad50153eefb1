import type { DType, Shape, TensorData, Window2D } from '../tensor/index.js';

/**
 * Geometry of one 2-D convolution: the window plus batch and channel counts. NHWC data, weights
 * [kH, kW, inC / groups, outC]. With `groups` (absent: 1), group g convolves input channels
 * [g·inC/groups, (g+1)·inC/groups) into filters [g·outC/groups, (g+1)·outC/groups); depthwise
 * convolution is groups = inC. Every backend's conv kernels handle any `groups`.
 */
export interface Conv2DInfo extends Window2D {
  batch: number;
  inC: number;
  outC: number;
  groups?: number;
}

/** Batch normalisation over the last axis of a [rows, channels] array (NHWC: rows = N·H·W). */
export interface BatchNormInfo {
  rows: number;
  channels: number;
  epsilon: number;
}

/** Geometry of one 2-D pooling: the window plus batch and channel count. NHWC data. */
export interface Pool2DInfo extends Window2D {
  batch: number;
  channels: number;
}

/**
 * Geometry of a batched matrix product C[i] = op(A[i])·op(B[i]) for i < batch, each matrix
 * row-major and stored back to back, with transA/transB as in `gemm`. An operand that is not
 * batched is one matrix used by every batch entry.
 */
export interface BatchMatmulInfo {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** A holds `batch` matrices; false: one, shared. */
  aBatched: boolean;
  /** B holds `batch` matrices; false: one, shared. */
  bBatched: boolean;
}

export type UnaryOp = 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'exp' | 'log' | 'neg' | 'square' | 'sqrt' | 'abs' | 'gelu';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

export interface SgdConfig {
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based step count, for bias correction. */
  step: number;
  /** L2 penalty added to the gradient (Adam) — decoupled decay is AdamW's job. */
  weightDecay: number;
  /** AdamW's decoupled decay: param ×= 1 − lr·decoupledWeightDecay before the Adam step (default 0). */
  decoupledWeightDecay?: number;
}

export interface RmspropConfig {
  lr: number;
  /** Decay of the running average of squared gradients. */
  rho: number;
  momentum: number;
  epsilon: number;
  /** Divide by √(s + ε) (TensorFlow's ApplyRMSProp, tf.keras) instead of √s + ε (PyTorch's, Keras 2.0–2.2's). */
  epsilonInSqrt?: boolean;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
}

/**
 * Every kernel the engine needs. A backend that lacks one does not compile. Kernels take and
 * return flat arrays in the backend's dtype; shapes travel in the info objects. Kernels never
 * modify their inputs, except the optimizer updates, which work in place on parameter state.
 */
export interface Backend {
  readonly name: string;
  readonly dtype: DType;
  /** Threads the kernels run on (1 when absent). */
  readonly threads?: number;
  /** Bytes of the backend's own memory in use and reserved (absent when the JS heap holds everything). */
  memoryStats?(): { inUse: number; reserved: number };
  /** A zero-filled array of the backend's dtype, reclaimed with the current scope (if any). */
  alloc(size: number): TensorData;
  /** A zero-filled array that outlives scopes (optimizer state). */
  allocPersistent(size: number): TensorData;
  /** `data` as an array resident in this backend's memory, outliving scopes (a copy if it lives elsewhere). */
  adopt(data: TensorData): TensorData;
  /**
   * Runs `fn`; memory that kernels allocate inside is reclaimed when it returns, so anything
   * `fn` returns must not be a kernel output (copy it out first). Used around each training
   * step, so users never free memory by hand.
   */
  scope<T>(fn: () => T): T;

  /** C[m×n] = op(A)·op(B), row-major; A is m×k (k×m when transA), B is k×n (n×k when transB). */
  gemm(a: TensorData, b: TensorData, m: number, n: number, k: number, transA: boolean, transB: boolean): TensorData;

  /** C[batch×m×n]: C[i] = op(A[i])·op(B[i]) (see BatchMatmulInfo). */
  batchMatmul(a: TensorData, b: TensorData, info: BatchMatmulInfo): TensorData;

  conv2d(x: TensorData, w: TensorData, info: Conv2DInfo): TensorData;
  /** dL/dX: full convolution of the 180°-rotated filter with dL/dY. */
  conv2dBackwardInput(dy: TensorData, w: TensorData, info: Conv2DInfo): TensorData;
  /** dL/dW: convolution of the input with dL/dY. */
  conv2dBackwardFilter(x: TensorData, dy: TensorData, info: Conv2DInfo): TensorData;

  maxPool(x: TensorData, info: Pool2DInfo): TensorData;
  maxPoolBackward(dy: TensorData, x: TensorData, info: Pool2DInfo): TensorData;
  /** Average over the window's pixels inside the image (padding is not counted). */
  avgPool(x: TensorData, info: Pool2DInfo): TensorData;
  avgPoolBackward(dy: TensorData, info: Pool2DInfo): TensorData;

  unary(op: UnaryOp, x: TensorData, alpha: number): TensorData;
  /** dL/dx given dL/dy, the input x and the output y of `unary(op, x)`. */
  unaryBackward(op: UnaryOp, dy: TensorData, x: TensorData, y: TensorData, alpha: number): TensorData;
  /** Element-wise with NumPy broadcasting to `outShape`. */
  binary(op: BinaryOp, a: TensorData, aShape: Shape, b: TensorData, bShape: Shape, outShape: Shape): TensorData;
  /** x [shape] with its axes permuted (NumPy's transpose): output axis i is input axis perm[i]. */
  transpose(x: TensorData, shape: Shape, perm: readonly number[]): TensorData;
  /** Sums a broadcast result back down to `targetShape` (the gradient of broadcasting). */
  sumToShape(x: TensorData, xShape: Shape, targetShape: Shape): TensorData;
  scale(x: TensorData, factor: number): TensorData;
  /** x + bias over the last axis (channels); then ReLU in the same pass when `activation` is 'relu'. */
  biasAdd(x: TensorData, bias: TensorData, activation?: 'relu'): TensorData;
  /** Sum of dy over all axes but the last: the bias gradient. */
  biasGrad(dy: TensorData, channels: number): TensorData;
  sum(x: TensorData): number;

  softmax(x: TensorData, rows: number, cols: number): TensorData;
  logSoftmax(x: TensorData, rows: number, cols: number): TensorData;
  /** Per-row cross-entropy of softmax(logits) against integer labels, and the softmax itself. */
  softmaxCrossEntropy(logits: TensorData, labels: Int32Array, rows: number, cols: number): { losses: TensorData; probs: TensorData };

  /** In place: param −= lr·(update), with momentum/Nesterov velocity when given. */
  sgdUpdate(param: TensorData, grad: TensorData, velocity: TensorData | null, config: SgdConfig): void;
  /** In place: Adam moment updates and parameter step. */
  adamUpdate(param: TensorData, grad: TensorData, m: TensorData, v: TensorData, config: AdamConfig): void;
  /**
   * In place: RMSprop. `gradAvg` (the running mean of gradients) is given when centered,
   * `buffer` when momentum > 0.
   */
  rmspropUpdate(param: TensorData, grad: TensorData, squareAvg: TensorData, gradAvg: TensorData | null, buffer: TensorData | null, config: RmspropConfig): void;

  /**
   * Training-mode batch normalisation: y = (x − mean)·invStd·γ + β with the batch's per-channel
   * mean and biased variance, invStd = 1/√(variance + ε); returns the statistics it used.
   */
  batchNormTrain(x: TensorData, gamma: TensorData, beta: TensorData, info: BatchNormInfo): { y: TensorData; mean: TensorData; variance: TensorData; invStd: TensorData };
  /** Inference-mode batch normalisation with given (moving) statistics. */
  batchNormInference(x: TensorData, gamma: TensorData, beta: TensorData, mean: TensorData, variance: TensorData, info: BatchNormInfo): TensorData;
  /** dL/dx, dL/dγ, dL/dβ of batchNormTrain, given the mean and invStd it returned. */
  batchNormBackward(dy: TensorData, x: TensorData, gamma: TensorData, mean: TensorData, invStd: TensorData, info: BatchNormInfo): { dx: TensorData; dgamma: TensorData; dbeta: TensorData };
}
