// Convolution helpers around gemm: im2col and its adjoint col2im. NHWC images, patch rows in
// (kh, kw, c) order, exactly as src/backend/js/conv.ts. Any integer padding works, even negative.
//
// Geometry parameters, in this order everywhere:
//   batch, inH, inW, inC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW

import { addIntoF32, at, copyF32, zeroF32 } from './util';

/**
 * Rows [rowStart, rowEnd) of the patch matrix cols [batch·outH·outW, kH·kW·inC]: row (n, oh, ow)
 * holds x[n, oh·sH + kh·dH − padTop, ow·sW + kw·dW − padLeft, c] in (kh, kw, c) order, 0 outside
 * the image. Only those rows of cols are written. A pure copy: results are exact.
 */
export function im2col(
  x: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32,
  cols: usize, rowStart: i32, rowEnd: i32,
): void {
  if (rowStart >= rowEnd) return;
  const pixels = outH * outW;
  const patch = kH * kW * inC;
  const rowLen = kW * inC;
  const image = inH * inW * inC;
  let n = rowStart / pixels;
  const rem = rowStart - n * pixels;
  let oh = rem / outW;
  let ow = rem - oh * outW;
  for (let r = rowStart; r < rowEnd; r++) {
    const dst = at(cols, r * patch);
    const xImg = at(x, n * image);
    const iw0 = ow * strideW - padLeft;
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * strideH + kh * dilationH - padTop;
      const rowDst = at(dst, kh * rowLen);
      if (ih < 0 || ih >= inH) {
        zeroF32(rowDst, rowLen);
        continue;
      }
      const xRow = at(xImg, ih * inW * inC);
      if (dilationW == 1) {
        // The valid kw form one contiguous run of pixels: copy it in one go.
        const kw0 = max(0, -iw0);
        const kw1 = min(kW, inW - iw0);
        if (kw1 <= kw0) {
          zeroF32(rowDst, rowLen);
          continue;
        }
        if (kw0 > 0) zeroF32(rowDst, kw0 * inC);
        copyF32(at(rowDst, kw0 * inC), at(xRow, (iw0 + kw0) * inC), (kw1 - kw0) * inC);
        if (kw1 < kW) zeroF32(at(rowDst, kw1 * inC), (kW - kw1) * inC);
      } else {
        for (let kw = 0; kw < kW; kw++) {
          const iw = iw0 + kw * dilationW;
          const d = at(rowDst, kw * inC);
          if (iw < 0 || iw >= inW) zeroF32(d, inC);
          else copyF32(d, at(xRow, iw * inC), inC);
        }
      }
    }
    if (++ow == outW) {
      ow = 0;
      if (++oh == outH) {
        oh = 0;
        n++;
      }
    }
  }
}

/**
 * The adjoint of im2col, for images [imageStart, imageEnd): zeroes dx[n] and then adds every
 * patch entry of cols back onto the pixel it was copied from, in a fixed order (oh, ow, kh, kw, c),
 * so the result does not depend on how the images are split between threads.
 */
export function col2im(
  cols: usize, batch: i32, inH: i32, inW: i32, inC: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32,
  dx: usize, imageStart: i32, imageEnd: i32,
): void {
  if (imageStart >= imageEnd) return;
  const patch = kH * kW * inC;
  const rowLen = kW * inC;
  const image = inH * inW * inC;
  zeroF32(at(dx, imageStart * image), (imageEnd - imageStart) * image);
  for (let n = imageStart; n < imageEnd; n++) {
    const dImg = at(dx, n * image);
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const src = at(cols, ((n * outH + oh) * outW + ow) * patch);
        const iw0 = ow * strideW - padLeft;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH + kh * dilationH - padTop;
          if (ih < 0 || ih >= inH) continue;
          const dRow = at(dImg, ih * inW * inC);
          const sRow = at(src, kh * rowLen);
          if (dilationW == 1) {
            const kw0 = max(0, -iw0);
            const kw1 = min(kW, inW - iw0);
            if (kw1 > kw0) addIntoF32(at(dRow, (iw0 + kw0) * inC), at(sRow, kw0 * inC), (kw1 - kw0) * inC);
          } else {
            for (let kw = 0; kw < kW; kw++) {
              const iw = iw0 + kw * dilationW;
              if (iw >= 0 && iw < inW) addIntoF32(at(dRow, iw * inC), at(sRow, kw * inC), inC);
            }
          }
        }
      }
    }
  }
}
