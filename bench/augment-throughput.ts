/**
 * Images/s of augmentation specs on CIFAR-sized batches (64 × 32×32×3, pixels in [0, 1]), one
 * thread, median of repeats of ~0.5 s each after a warm-up.
 *
 *   node dist/bench/augment-throughput.js [spec ...]
 */
import { performance } from 'node:perf_hooks';
import { parseAugmentSpec } from '../src/data/augment/index.js';
import { Rng } from '../src/tensor/rng.js';
import { Tensor } from '../src/tensor/tensor.js';

const DEFAULT_SPECS = ['crop:4,flip', 'rotate:15', 'crop:4', 'flip', 'translate:4', 'scale:0.9-1.1', 'brightness:0.2', 'contrast:0.2', 'noise:0.05', 'cutout:8', 'crop:4,flip,rotate:15,noise:0.02'];
const specs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_SPECS;
const [n, h, w, c] = [64, 32, 32, 3];
const rng = new Rng(0);
const data = new Float32Array(n * h * w * c);
for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
const batch = new Tensor(data, [n, h, w, c]);

/** Median images/s over repeats, by the wall clock and by this process's CPU time (fairer on a shared machine). */
function imagesPerSecond(spec: string): { wall: number; cpu: number } {
  const transform = parseAugmentSpec(spec);
  const r = new Rng(1);
  for (let i = 0; i < 20; i++) transform(batch, r);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let repeat = 0; repeat < 5; repeat++) {
    let batches = 0;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let elapsed = 0;
    while (elapsed < 500) {
      transform(batch, r);
      batches++;
      elapsed = performance.now() - start;
    }
    const used = process.cpuUsage(cpuStart);
    wall.push((batches * n) / (elapsed / 1000));
    cpu.push((batches * n) / ((used.user + used.system) / 1e6));
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[2];
  return { wall: median(wall), cpu: median(cpu) };
}

const fmt = (v: number): string => Math.round(v).toLocaleString('en-US').padStart(10);
process.stdout.write(`${'spec (64 × 32×32×3 per batch)'.padEnd(36)} ${'wall img/s'.padStart(10)} ${'CPU img/s'.padStart(10)}\n`);
for (const spec of specs) {
  const { wall, cpu } = imagesPerSecond(spec);
  process.stdout.write(`${spec.padEnd(36)} ${fmt(wall)} ${fmt(cpu)}\n`);
}
