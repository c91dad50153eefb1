import { allocData, type DType, dtypeOf } from '../../tensor/index.js';
import type { Backend } from '../backend.js';
import { batchMatmul } from './batch-matmul.js';
import { batchNormBackward, batchNormInference, batchNormTrain } from './batchnorm.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './conv.js';
import { biasAdd, biasGrad, binary, scale, sum, sumToShape, unary, unaryBackward } from './elementwise.js';
import { gemm } from './gemm.js';
import { groupedConv2d, groupedConv2dBackwardFilter, groupedConv2dBackwardInput, groupsOf } from './grouped-conv.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optimizers.js';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from './pool.js';
import { logSoftmax, softmax, softmaxCrossEntropy } from './softmax.js';
import { transpose } from './transpose.js';

/**
 * The reference backend: plain TypeScript loops, obviously correct, in float32 or float64.
 * It is the oracle that faster backends are tested against.
 */
export function createJsBackend(dtype: DType = 'float32'): Backend {
  const alloc = (size: number) => allocData(dtype, size);
  return {
    name: dtype === 'float64' ? 'js-float64' : 'js',
    dtype,
    alloc,
    allocPersistent: alloc,
    adopt: (data) => {
      if (dtypeOf(data) === dtype) return data;
      const converted = alloc(data.length);
      converted.set(data);
      return converted;
    },
    scope: (fn) => fn(),
    gemm: (a, b, m, n, k, transA, transB) => gemm(a, b, m, n, k, transA, transB, alloc),
    batchMatmul: (a, b, info) => batchMatmul(a, b, info, alloc),
    conv2d: (x, w, info) => (groupsOf(info) > 1 ? groupedConv2d : conv2d)(x, w, info, alloc),
    conv2dBackwardInput: (dy, w, info) => (groupsOf(info) > 1 ? groupedConv2dBackwardInput : conv2dBackwardInput)(dy, w, info, alloc),
    conv2dBackwardFilter: (x, dy, info) => (groupsOf(info) > 1 ? groupedConv2dBackwardFilter : conv2dBackwardFilter)(x, dy, info, alloc),
    maxPool: (x, info) => maxPool(x, info, alloc),
    maxPoolBackward: (dy, x, info) => maxPoolBackward(dy, x, info, alloc),
    avgPool: (x, info) => avgPool(x, info, alloc),
    avgPoolBackward: (dy, info) => avgPoolBackward(dy, info, alloc),
    unary: (op, x, alpha) => unary(op, x, alpha, alloc),
    unaryBackward: (op, dy, x, y, alpha) => unaryBackward(op, dy, x, y, alpha, alloc),
    binary: (op, a, aShape, b, bShape, outShape) => binary(op, a, aShape, b, bShape, outShape, alloc),
    transpose: (x, shape, perm) => transpose(x, shape, perm, alloc),
    sumToShape: (x, xShape, targetShape) => sumToShape(x, xShape, targetShape, alloc),
    scale: (x, factor) => scale(x, factor, alloc),
    biasAdd: (x, bias, activation) => biasAdd(x, bias, alloc, activation),
    biasGrad: (dy, channels) => biasGrad(dy, channels, alloc),
    sum,
    softmax: (x, rows, cols) => softmax(x, rows, cols, alloc),
    logSoftmax: (x, rows, cols) => logSoftmax(x, rows, cols, alloc),
    softmaxCrossEntropy: (logits, labels, rows, cols) => softmaxCrossEntropy(logits, labels, rows, cols, alloc),
    sgdUpdate,
    adamUpdate,
    rmspropUpdate,
    batchNormTrain: (x, gamma, beta, info) => batchNormTrain(x, gamma, beta, info, alloc),
    batchNormInference: (x, gamma, beta, mean, variance, info) => batchNormInference(x, gamma, beta, mean, variance, info, alloc),
    batchNormBackward: (dy, x, gamma, mean, invStd, info) => batchNormBackward(dy, x, gamma, mean, invStd, info, alloc),
  };
}
