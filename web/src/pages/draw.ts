/** Draw a digit; see the class probabilities, the 28×28 input and every layer's feature maps. */
import { engine, engineReady, metrics, setModel, SHIPPED_MODEL_URL } from '../app-state.js';
import type { FeatureMapData, ModelInfo } from '../engine/protocol.js';
import { renderBars } from '../ui/bars.js';
import { byId, el, percent, showError } from '../ui/dom.js';
import { drawPixels, featureMapCanvas } from '../ui/image.js';
import { mnistFromCanvas } from '../ui/preprocess.js';

const STROKE = 22;

export async function setUpDrawPage(): Promise<void> {
  const pad = byId<HTMLCanvasElement>('draw-pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const input = byId<HTMLCanvasElement>('draw-input');
  const bars = byId('draw-bars');
  const maps = byId('draw-maps');
  const status = byId('draw-status');
  const error = byId('draw-error');

  const clear = (): void => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();

  let info: ModelInfo;
  try {
    await engineReady;
    info = await engine.request('loadModel', { slot: 'shipped', source: { kind: 'url', base: SHIPPED_MODEL_URL } });
    setModel('shipped', info);
  } catch (e) {
    showError(error, e);
    return;
  }
  status.textContent = `${info.name}: ${info.params.toLocaleString('en-US')} parameters${info.testAccuracy !== null ? `, ${percent(info.testAccuracy, 2)} on the MNIST test set` : ''}. Draw a digit.`;

  let busy = false;
  let dirty = false;
  const recognise = async (): Promise<void> => {
    if (busy) {
      dirty = true;
      return;
    }
    const pixels = mnistFromCanvas(pad);
    if (!pixels) {
      renderBars(bars, info.classNames, info.classNames.map(() => 0));
      bars.dataset.top = '';
      maps.replaceChildren();
      drawPixels(input, new Float32Array(784), 28, 28, 1);
      return;
    }
    busy = true;
    drawPixels(input, pixels, 28, 28, 1);
    try {
      const result = await engine.request('predict', { slot: 'shipped', pixels, featureMaps: true });
      renderBars(bars, info.classNames, result.probabilities);
      renderFeatureMaps(maps, result.featureMaps ?? []);
      metrics.firstPrediction ??= performance.now();
      showError(error, null);
    } catch (e) {
      showError(error, e);
    } finally {
      busy = false;
    }
    if (dirty) {
      dirty = false;
      void recognise();
    }
  };

  let drawing = false;
  let last: { x: number; y: number } | null = null;
  const point = (event: PointerEvent): { x: number; y: number } => {
    const box = pad.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * pad.width) / box.width, y: ((event.clientY - box.top) * pad.height) / box.height };
  };
  const stroke = (to: { x: number; y: number }): void => {
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    if (last) {
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    } else {
      ctx.arc(to.x, to.y, STROKE / 2, 0, 2 * Math.PI);
      ctx.fill();
    }
    last = to;
    void recognise();
  };
  pad.addEventListener('pointerdown', (event) => {
    drawing = true;
    last = null;
    pad.setPointerCapture(event.pointerId);
    stroke(point(event));
  });
  pad.addEventListener('pointermove', (event) => {
    if (drawing) stroke(point(event));
  });
  const end = (): void => {
    drawing = false;
    last = null;
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  byId('draw-clear').addEventListener('click', () => {
    clear();
    void recognise();
  });

  await drawExample(ctx, pad);
  await recognise();
}

/** Starts the pad with an example digit (MNIST test image 0, a 7), so the page answers at once. */
async function drawExample(ctx: CanvasRenderingContext2D, pad: HTMLCanvasElement): Promise<void> {
  const response = await fetch(new URL('./examples/mnist-test-0-label-7.png', document.baseURI));
  if (!response.ok) return;
  const bitmap = await createImageBitmap(await response.blob());
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(bitmap, 0, 0, pad.width, pad.height);
  bitmap.close();
}

function renderFeatureMaps(target: HTMLElement, maps: readonly FeatureMapData[]): void {
  target.replaceChildren(
    ...maps.map((map) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of map.values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const [h, w, c] = map.shape;
      const size = Math.max(28, Math.min(56, 4 * Math.max(h, w)));
      return el('div', { class: 'feature-layer', 'data-layer': map.layer }, [
        el('h4', {}, [`${map.layer} (${map.type}) ${h}×${w}×${c}`]),
        el('div', { class: 'feature-grid' }, Array.from({ length: c }, (_, k) => featureMapCanvas(map.values, map.shape, k, lo, hi, size))),
      ]);
    }),
  );
}
