// Writes the dataset subsets the web app ships (web/public/data/<name>/): the first TRAIN training
// and TEST test images of MNIST (data/mnist, in this repository) and Fashion-MNIST (Debian's
// dataset-fashion-mnist, /usr/share/datasets/fashion-mnist), as gzipped IDX files like the
// originals, plus classes.txt. Run once; the output is committed (Fashion-MNIST is MIT-licensed,
// © 2017 Zalando SE). Usage: node scripts/make-web-data.mjs
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';

const TRAIN = 6000;
const TEST = 1000;
const sources = [
  { name: 'mnist', dir: 'data/mnist', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
  {
    name: 'fashion-mnist',
    dir: '/usr/share/datasets/fashion-mnist',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
];

/** The first `count` items of an IDX file (big-endian header: magic, then one u32 per dimension). */
function firstItems(bytes, count) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  let itemSize = 1;
  for (let d = 1; d < rank; d++) itemSize *= view.getUint32(4 + 4 * d);
  const out = new Uint8Array(header + count * itemSize);
  out.set(bytes.subarray(0, header + count * itemSize));
  new DataView(out.buffer).setUint32(4, count);
  return out;
}

for (const { name, dir, classes } of sources) {
  const outDir = `web/public/data/${name}`;
  mkdirSync(outDir, { recursive: true });
  for (const [split, count] of [['train', TRAIN], ['t10k', TEST]]) {
    for (const kind of ['images-idx3', 'labels-idx1']) {
      const file = `${split}-${kind}-ubyte.gz`;
      const subset = firstItems(gunzipSync(readFileSync(`${dir}/${file}`)), count);
      writeFileSync(`${outDir}/${file}`, gzipSync(subset, { level: 9 }));
    }
  }
  writeFileSync(`${outDir}/classes.txt`, classes.join('\n') + '\n');
  console.log(`${outDir}: ${TRAIN} training and ${TEST} test images`);
}

// The Draw page starts with MNIST test image 0 (a 7), white on black as MNIST stores it.
const testImages = gunzipSync(readFileSync('data/mnist/t10k-images-idx3-ubyte.gz'));
const png = new PNG({ width: 28, height: 28, colorType: 0 });
for (let p = 0; p < 784; p++) png.data.set([testImages[16 + p], testImages[16 + p], testImages[16 + p], 255], p * 4);
mkdirSync('web/public/examples', { recursive: true });
writeFileSync('web/public/examples/mnist-test-0-label-7.png', PNG.sync.write(png, { colorType: 0 }));
