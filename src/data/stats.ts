/** Dataset statistics used for input normalisation. */
import { DatasetError } from '../errors.js';
import type { ImageDataset } from './dataset.js';

export interface ChannelStats {
  /** Mean pixel of each channel, in [0, 1] units. */
  mean: number[];
  /** Population standard deviation of each channel's pixels, in [0, 1] units. */
  std: number[];
}

/**
 * Per-channel mean and standard deviation over every pixel of `ds` (pass the training set), in
 * the [0, 1] units batches use: what `inputNormalization` in model.json stores. Computed from
 * exact per-channel histograms of the bytes, so the result does not depend on summation order.
 */
export function channelStats(ds: ImageDataset): ChannelStats {
  const { channels, images } = ds;
  if (ds.count === 0) throw new DatasetError(`${ds.name}: no images to compute channel statistics from`);
  const histogram = new Float64Array(channels * 256);
  for (let i = 0; i < images.length; i += channels) {
    for (let c = 0; c < channels; c++) histogram[c * 256 + images[i + c]]++;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let n = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let v = 0; v < 256; v++) {
      const k = histogram[c * 256 + v];
      n += k;
      sum += k * v;
      sumSquares += k * v * v;
    }
    const m = sum / n;
    mean.push(m / 255);
    std.push(Math.sqrt(Math.max(0, sumSquares / n - m * m)) / 255);
  }
  return { mean, std };
}
