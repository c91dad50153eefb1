/** The exports of dist/wasm/fovea-kernels.wasm (built from assembly/ by scripts/build-wasm.mjs). */
export interface WasmKernels {
  staticDataEnd(): number;
  gemmWorkspaceBytes(): number;
  gemm(a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, m: number, n: number, k: number, rowStart: number, rowEnd: number, accumulate: number, work: number): void;
  im2col(x: number, batch: number, inH: number, inW: number, inC: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, cols: number, rowStart: number, rowEnd: number): void;
  col2im(cols: number, batch: number, inH: number, inW: number, inC: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, dx: number, imageStart: number, imageEnd: number): void;
  maxPool(x: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, y: number, start: number, end: number): void;
  maxPoolBackward(dy: number, x: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, dx: number, imageStart: number, imageEnd: number): void;
  avgPool(x: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, y: number, start: number, end: number): void;
  avgPoolBackward(dy: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, dx: number, imageStart: number, imageEnd: number): void;
  unary(op: number, x: number, y: number, alpha: number, start: number, end: number): void;
  unaryBackward(op: number, dy: number, x: number, y: number, dx: number, alpha: number, start: number, end: number): void;
  binary(op: number, a: number, b: number, out: number, start: number, end: number): void;
  binaryScalarB(op: number, a: number, b: number, out: number, start: number, end: number): void;
  scale(x: number, factor: number, y: number, start: number, end: number): void;
  biasAdd(x: number, bias: number, y: number, channels: number, start: number, end: number): void;
  biasGrad(dy: number, g: number, channels: number, rows: number): void;
  sum(x: number, n: number): number;
  logSoftmax(x: number, y: number, cols: number, rowStart: number, rowEnd: number): void;
  softmax(x: number, y: number, cols: number, rowStart: number, rowEnd: number): void;
  softmaxCrossEntropy(logits: number, labels: number, losses: number, probs: number, cols: number, rowStart: number, rowEnd: number): void;
  sgdUpdate(param: number, grad: number, velocity: number, lr: number, momentum: number, nesterov: number, weightDecay: number, start: number, end: number): void;
  adamUpdate(param: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, step: number, weightDecay: number, start: number, end: number): void;
}
