// Fovea's WebAssembly kernels: the entry point compiled by scripts/build-wasm.mjs into
// dist/wasm/fovea-kernels.wasm.
//
// Every kernel is pointer-based and allocation-free: arrays are byte offsets into the one
// imported shared memory (env.memory), f32 data (labels i32), NHWC layouts as the JS reference.
// Kernels that may be split across threads take a [start, end) range of their outputs; each
// output is computed by exactly one call, in a fixed order, so results do not depend on the split.
//
// The module keeps lookup tables for exp/log/pow as static data below staticDataEnd(): every
// instantiation (re)writes them, so buffers must be placed at or above staticDataEnd().

export { gemm, gemmWorkspaceBytes, staticDataEnd } from './gemm';
export { batchMatmul } from './batch-matmul';
export { transposeRows } from './transpose';
export { im2col, col2im } from './conv';
export { conv2dDirect, conv2dDirectFilter, conv2dDirectFilterReduce } from './conv-direct';
export { winogradConv, winogradFilterGrad, winogradFilterGradReduce, winogradFilterTransform } from './winograd';
export { winograd4Conv, winograd4FilterGrad, winograd4FilterGradPlanes, winograd4FilterGradPlaneProducts, winograd4FilterGradReduce, winograd4FilterTransform } from './winograd4';
export { maxPool, maxPoolBackward, avgPool, avgPoolBackward } from './pool';
export { unary, unaryBackward, binary, binaryScalarB, scale, biasAdd, biasGrad, sum } from './elementwise';
export { logSoftmax, softmax, softmaxCrossEntropy } from './softmax';
export { sgdUpdate, adamUpdate, adamwUpdate, rmspropUpdate } from './optimizers';
export { batchNormMoments, batchNormBackwardSums, channelAffine, channelAffine2 } from './batchnorm';
export { depthwiseConv2d, depthwiseConv2dBackwardInput, depthwiseConv2dBackwardFilter, copyColumns } from './depthwise';

