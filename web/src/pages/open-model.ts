/** Open a Fovea model (a zip, or model.json + weights.safetensors) and classify dropped images, with Grad-CAM. */
import { engine, engineReady, setModel } from '../app-state.js';
import type { ModelInfo, ModelSource } from '../engine/protocol.js';
import { renderBars } from '../ui/bars.js';
import { byId, el, percent, showError } from '../ui/dom.js';
import { overlayCanvas } from '../ui/image.js';
import { modelInputFromFile } from '../ui/preprocess.js';

export function setUpOpenPage(): void {
  const modelInput = byId<HTMLInputElement>('open-model-input');
  const modelDrop = byId('open-model-drop');
  const summary = byId('open-summary');
  const status = byId('open-status');
  const error = byId('open-error');
  const imageInput = byId<HTMLInputElement>('open-image-input');
  const imageDrop = byId('open-image-drop');
  const results = byId('open-results');
  let info: ModelInfo | null = null;

  const openModel = async (files: File[]): Promise<void> => {
    showError(error, null);
    try {
      const zip = files.find((f) => /\.zip$/i.test(f.name));
      const json = files.find((f) => f.name === 'model.json');
      const weights = files.find((f) => /\.safetensors$/i.test(f.name));
      let source: ModelSource;
      if (zip) source = { kind: 'zip', bytes: new Uint8Array(await zip.arrayBuffer()), fileName: zip.name };
      else if (json && weights) source = { kind: 'files', modelJson: new Uint8Array(await json.arrayBuffer()), weights: new Uint8Array(await weights.arrayBuffer()) };
      else throw new Error(`choose a model zip, or both model.json and weights.safetensors from a Fovea model directory; got ${files.map((f) => f.name).join(', ') || 'nothing'}`);
      await engineReady;
      info = await engine.request('loadModel', { slot: 'opened', source });
      setModel('opened', info);
      status.textContent = `Opened ${info.name}: input ${info.inputShape.join('×')}, ${info.classNames.length} classes, ${info.params.toLocaleString('en-US')} parameters. Drop images to classify.`;
      status.dataset.model = info.name;
      summary.textContent = info.summary;
      imageInput.disabled = false;
      results.replaceChildren();
    } catch (e) {
      showError(error, e);
    }
  };

  const classify = async (files: File[]): Promise<void> => {
    if (!info) return;
    const model = info;
    const [height, width, channels] = model.inputShape;
    showError(error, null);
    for (const file of files) {
      try {
        const { pixels, preview } = await modelInputFromFile(file, height, width, channels);
        const result = await engine.request('predict', { slot: 'opened', pixels, gradCamClass: 'top' });
        const bars = el('div', { class: 'bars' });
        renderBars(bars, model.classNames, result.probabilities, { top: Math.min(5, model.classNames.length) });
        preview.className = 'pixelated';
        preview.style.width = preview.style.height = '112px';
        const top = result.probabilities.indexOf(Math.max(...result.probabilities));
        const cam = result.gradCam;
        results.prepend(
          el('div', { class: 'result-card', 'data-top': top }, [
            el('div', { class: 'result-images' }, [
              el('figure', {}, [preview, el('figcaption', {}, [`${file.name} as the model sees it`])]),
              cam ? el('figure', {}, [overlayCanvas(pixels, channels, cam.heatmap, cam.height, cam.width, 112), el('figcaption', {}, [`Grad-CAM of '${model.classNames[cam.classIndex]}' at ${cam.layer}`])]) : null,
            ]),
            el('div', {}, [el('p', {}, [`${model.classNames[top]} (${percent(result.probabilities[top])})`]), bars]),
          ]),
        );
      } catch (e) {
        showError(error, new Error(`${file.name}: ${e instanceof Error ? e.message : String(e)}`));
      }
    }
  };

  modelInput.addEventListener('change', () => void openModel(Array.from(modelInput.files ?? [])));
  imageInput.addEventListener('change', () => void classify(Array.from(imageInput.files ?? [])));
  for (const [zone, handler] of [[modelDrop, openModel], [imageDrop, classify]] as const) {
    zone.addEventListener('dragover', (event) => event.preventDefault());
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      void handler(Array.from(event.dataTransfer?.files ?? []));
    });
  }
}
