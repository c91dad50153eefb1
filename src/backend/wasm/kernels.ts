/** The exports of dist/wasm/fovea-kernels.wasm (built from assembly/ by scripts/build-wasm.mjs). */
export interface WasmKernels {
  staticDataEnd(): number;
  gemmWorkspaceBytes(): number;
  gemm(a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, m: number, n: number, k: number, rowStart: number, rowEnd: number, accumulate: number, work: number): void;
  im2col(x: number, batch: number, inH: number, inW: number, inC: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, cols: number, rowStart: number, rowEnd: number): void;
  col2im(cols: number, batch: number, inH: number, inW: number, inC: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, dx: number, imageStart: number, imageEnd: number): void;
  conv2dDirect(x: number, w: number, batch: number, inH: number, inW: number, inC: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, outC: number, y: number, start: number, end: number, work: number): void;
  conv2dDirectFilter(x: number, dy: number, batch: number, inH: number, inW: number, inC: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, outC: number, chunk: number, partials: number, chunkStart: number, chunkEnd: number, work: number): void;
  conv2dDirectFilterReduce(partials: number, chunks: number, patch: number, outC: number, dw: number): void;
  maxPool(x: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, y: number, start: number, end: number): void;
  maxPoolBackward(dy: number, x: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, dx: number, imageStart: number, imageEnd: number): void;
  avgPool(x: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, y: number, start: number, end: number): void;
  avgPoolBackward(dy: number, batch: number, inH: number, inW: number, channels: number, outH: number, outW: number, kH: number, kW: number, strideH: number, strideW: number, padTop: number, padLeft: number, dx: number, imageStart: number, imageEnd: number): void;
  unary(op: number, x: number, y: number, alpha: number, start: number, end: number): void;
  unaryBackward(op: number, dy: number, x: number, y: number, dx: number, alpha: number, start: number, end: number): void;
  binary(op: number, a: number, b: number, out: number, start: number, end: number): void;
  binaryScalarB(op: number, a: number, b: number, out: number, start: number, end: number): void;
  scale(x: number, factor: number, y: number, start: number, end: number): void;
  biasAdd(x: number, bias: number, y: number, channels: number, start: number, end: number, relu: number): void;
  biasGrad(dy: number, g: number, channels: number, rows: number): void;
  sum(x: number, n: number): number;
  logSoftmax(x: number, y: number, cols: number, rowStart: number, rowEnd: number): void;
  softmax(x: number, y: number, cols: number, rowStart: number, rowEnd: number): void;
  softmaxCrossEntropy(logits: number, labels: number, losses: number, probs: number, cols: number, rowStart: number, rowEnd: number): void;
  sgdUpdate(param: number, grad: number, velocity: number, lr: number, momentum: number, nesterov: number, weightDecay: number, start: number, end: number): void;
  adamUpdate(param: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, step: number, weightDecay: number, start: number, end: number): void;
  adamwUpdate(param: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, step: number, weightDecay: number, decoupledWeightDecay: number, start: number, end: number): void;
  rmspropUpdate(param: number, grad: number, squareAvg: number, gradAvg: number, buffer: number, lr: number, rho: number, momentum: number, epsilon: number, weightDecay: number, start: number, end: number): void;
  batchNormMoments(x: number, rows: number, channels: number, mean: number, m2: number, cStart: number, cEnd: number): void;
  batchNormBackwardSums(dy: number, x: number, mean: number, rows: number, channels: number, sumDy: number, sumDyXc: number, cStart: number, cEnd: number): void;
  channelAffine(x: number, coef: number, channels: number, y: number, rowStart: number, rowEnd: number): void;
  channelAffine2(u: number, v: number, coef: number, channels: number, out: number, rowStart: number, rowEnd: number): void;
  depthwiseConv2d(x: number, w: number, batch: number, inH: number, inW: number, channels: number, depthMultiplier: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, y: number, start: number, end: number): void;
  depthwiseConv2dBackwardInput(dy: number, w: number, batch: number, inH: number, inW: number, channels: number, depthMultiplier: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, dx: number, start: number, end: number): void;
  depthwiseConv2dBackwardFilter(x: number, dy: number, batch: number, inH: number, inW: number, channels: number, depthMultiplier: number, kH: number, kW: number, strideH: number, strideW: number, dilationH: number, dilationW: number, padTop: number, padLeft: number, outH: number, outW: number, dw: number, cStart: number, cEnd: number): void;
  copyColumns(src: number, srcStride: number, srcOffset: number, dst: number, dstStride: number, dstOffset: number, width: number, rowStart: number, rowEnd: number): void;
}
