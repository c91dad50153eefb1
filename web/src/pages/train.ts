/**
 * Train a CNN live: pick a dataset and an architecture (a layer list checked as it is typed), then
 * start, pause, resume or stop; loss and accuracy charts, images/s and the first layer's filters
 * update as it learns. Training runs in its own engine worker, so the page stays responsive.
 */
import { engine, engineReady, setModel } from '../app-state.js';
import { EngineClient } from '../engine/client.js';
import type { DatasetSource, FolderFile, TrainProgress } from '../engine/protocol.js';
import { liveChart } from '../ui/chart.js';
import { byId, debounce, el, formatNumber, percent, showError } from '../ui/dom.js';
import { download, droppedFiles, folderImages, pickedFiles, type PathFile } from '../ui/files.js';

const SHIPPED_CLASSES = 10;

let trainer: EngineClient | null = null;
let trainerThreads = 0;

async function trainerEngine(): Promise<EngineClient> {
  if (!trainer) {
    trainer = new EngineClient('fovea-train');
    trainerThreads = (await trainer.request('init', {})).threads;
  }
  return trainer;
}

export function setUpTrainPage(): void {
  const datasetSelect = byId<HTMLSelectElement>('train-dataset');
  const folderBox = byId('train-folder');
  const folderInput = byId<HTMLInputElement>('train-folder-input');
  const folderDrop = byId('train-folder-drop');
  const folderStatus = byId('train-folder-status');
  const sizeInput = byId<HTMLInputElement>('train-size');
  const channelsSelect = byId<HTMLSelectElement>('train-channels');
  const zooSelect = byId<HTMLSelectElement>('train-zoo');
  const layers = byId<HTMLTextAreaElement>('train-layers');
  const layersError = byId('train-layers-error');
  const summary = byId('train-summary');
  const startButton = byId<HTMLButtonElement>('train-start');
  const pauseButton = byId<HTMLButtonElement>('train-pause');
  const stopButton = byId<HTMLButtonElement>('train-stop');
  const downloadButton = byId<HTMLButtonElement>('train-download');
  const exploreButton = byId<HTMLButtonElement>('train-explore');
  const progressText = byId('train-progress');
  const error = byId('train-error');
  const epochList = byId('train-epochs-list');
  const warnings = byId('train-warnings');
  const filters = byId<HTMLCanvasElement>('train-filters');
  const filtersCaption = byId('train-filters-caption');
  const benchButton = byId<HTMLButtonElement>('train-bench');
  const benchResult = byId('train-bench-result');

  const lossChart = liveChart(byId('train-loss-chart'), 'Loss', [{ label: 'training loss (running mean)', color: '#d9480f' }]);
  const accuracyChart = liveChart(byId('train-accuracy-chart'), 'Accuracy', [
    { label: 'training (running mean)', color: '#1c7ed6', percent: true },
    { label: 'test (epoch end)', color: '#2b8a3e', percent: true },
  ]);

  let folderFiles: FolderFile[] = [];
  /** The layer list the zoo choice gave, to name the trained model after it while it is unedited. */
  let zooText = '';
  let layersValid = false;

  const inputShape = (): number[] => {
    if (datasetSelect.value !== 'folder') return [28, 28, 1];
    const size = Number(sizeInput.value);
    return [size, size, Number(channelsSelect.value)];
  };
  const numClasses = (): number => (datasetSelect.value === 'folder' ? Math.max(2, new Set(folderFiles.map((f) => f.className)).size) : SHIPPED_CLASSES);

  const checkLayers = async (): Promise<void> => {
    const check = await engine.request('checkLayers', { text: layers.value, inputShape: inputShape() });
    layersValid = check.ok;
    if (check.ok) {
      summary.textContent = check.summary;
      showError(layersError, null);
      layers.classList.remove('invalid');
    } else {
      showError(layersError, check.message);
      layers.classList.add('invalid');
    }
    layers.dataset.checked = String(Date.now());
    updateButtons();
  };
  const checkSoon = debounce(() => void checkLayers(), 120);

  const fillFromZoo = async (): Promise<void> => {
    try {
      layers.value = zooText = await engine.request('zooLayerList', { name: zooSelect.value, inputShape: inputShape(), numClasses: numClasses() });
      await checkLayers();
    } catch (e) {
      showError(layersError, e);
    }
  };

  let state: 'idle' | 'running' | 'paused' = 'idle';
  let trained = false;
  const updateButtons = (): void => {
    const folderMissing = datasetSelect.value === 'folder' && folderFiles.length === 0;
    startButton.disabled = state !== 'idle' || !layersValid || folderMissing;
    pauseButton.disabled = state === 'idle';
    pauseButton.textContent = state === 'paused' ? 'Resume' : 'Pause';
    stopButton.disabled = state === 'idle';
    downloadButton.disabled = !trained || state !== 'idle';
    exploreButton.disabled = !trained || state !== 'idle';
  };

  const useFolder = async (files: PathFile[]): Promise<void> => {
    folderStatus.textContent = 'Reading files…';
    const { images, ignored } = await folderImages(files);
    folderFiles = images;
    const classes = [...new Set(images.map((f) => f.className))].sort();
    folderStatus.textContent = `${formatNumber(images.length)} images in ${classes.length} classes (${classes.join(', ')})${ignored ? `; ${ignored} other files left out` : ''}`;
    await fillFromZoo();
  };

  datasetSelect.addEventListener('change', () => {
    folderBox.hidden = datasetSelect.value !== 'folder';
    void fillFromZoo();
  });
  for (const input of [sizeInput, channelsSelect]) input.addEventListener('change', () => void fillFromZoo());
  folderInput.addEventListener('change', () => void useFolder(pickedFiles(folderInput.files!)));
  folderDrop.addEventListener('dragover', (event) => event.preventDefault());
  folderDrop.addEventListener('drop', (event) => {
    event.preventDefault();
    if (event.dataTransfer) void droppedFiles(event.dataTransfer.items).then(useFolder);
  });
  zooSelect.addEventListener('change', () => void fillFromZoo());
  layers.addEventListener('input', checkSoon);

  const showProgress = (p: TrainProgress): void => {
    progressText.textContent = `epoch ${p.epoch}/${p.epochs} · batch ${p.batch}/${p.batches} · loss ${p.loss.toFixed(4)} · accuracy ${percent(p.accuracy)} · ${formatNumber(p.imagesPerSecond)} images/s on ${trainerThreads} thread${trainerThreads === 1 ? '' : 's'}`;
    progressText.dataset.step = String(p.step);
    progressText.dataset.accuracy = String(p.accuracy);
    lossChart.push(p.step, [p.loss]);
    accuracyChart.push(p.step, [p.accuracy, null]);
    if (p.filters) drawFilters(filters, p.filters.rgba, p.filters.count, p.filters.size);
    filtersCaption.textContent = p.filters ? `First layer's filters (${p.filters.layer}), blue negative, red positive, updated as it learns` : 'This model has no convolution layer.';
  };

  startButton.addEventListener('click', async () => {
    showError(error, null);
    state = 'running';
    updateButtons();
    lossChart.reset();
    accuracyChart.reset();
    epochList.replaceChildren();
    warnings.replaceChildren();
    warnings.hidden = true;
    let lastStep = 0;
    try {
      const worker = await trainerEngine();
      const stopListening = worker.onEvent((event) => {
        if (event.event === 'progress') {
          lastStep = event.progress.step;
          showProgress(event.progress);
        } else if (event.event === 'epoch') {
          const r = event.result;
          accuracyChart.push(lastStep, [null, r.valAccuracy]);
          const memory = r.memoryInUse === null ? '' : `, engine memory ${(r.memoryInUse / 2 ** 20).toFixed(1)} MiB`;
          epochList.append(el('li', { 'data-val-accuracy': r.valAccuracy, 'data-memory': r.memoryInUse ?? '' }, [`epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, training accuracy ${percent(r.accuracy)}, test accuracy ${percent(r.valAccuracy, 2)} (${r.seconds.toFixed(1)} s${memory})`]));
        } else if (event.event === 'warning') {
          warnings.hidden = false;
          warnings.append(el('li', {}, [event.message]));
        } else if (event.event === 'state') {
          state = event.state;
          updateButtons();
        }
      });
      const dataset: DatasetSource =
        datasetSelect.value === 'folder'
          ? { kind: 'folder', files: folderFiles, height: inputShape()[0], width: inputShape()[1], channels: inputShape()[2] as 1 | 3 }
          : { kind: 'shipped', name: datasetSelect.value as 'mnist' | 'fashion-mnist' };
      const datasetName = datasetSelect.value === 'folder' ? 'folder' : datasetSelect.value;
      const result = await worker.request('train', {
        name: `${layers.value === zooText ? zooSelect.value : 'custom'}-${datasetName}`,
        architecture: { kind: 'layers', text: layers.value },
        dataset,
        epochs: Number(byId<HTMLInputElement>('train-epochs').value),
        batchSize: Number(byId<HTMLInputElement>('train-batch').value),
        learningRate: Number(byId<HTMLInputElement>('train-lr').value),
        seed: 0,
      });
      stopListening();
      trained = true;
      progressText.textContent += result.stopped ? ' · stopped' : ' · done';
      progressText.dataset.done = 'true';
    } catch (e) {
      showError(error, e);
    } finally {
      state = 'idle';
      updateButtons();
    }
  });
  pauseButton.addEventListener('click', () => trainer?.control(state === 'paused' ? 'resume' : 'pause'));
  stopButton.addEventListener('click', () => trainer?.control('stop'));
  downloadButton.addEventListener('click', async () => {
    try {
      const { zip, fileName } = await trainer!.request('exportModel', { slot: 'trained' });
      download(zip, fileName);
    } catch (e) {
      showError(error, e);
    }
  });
  exploreButton.addEventListener('click', async () => {
    try {
      const { zip, fileName } = await trainer!.request('exportModel', { slot: 'trained' });
      setModel('trained', await engine.request('loadModel', { slot: 'trained', source: { kind: 'zip', bytes: zip, fileName } }));
      location.hash = '#explore';
    } catch (e) {
      showError(error, e);
    }
  });
  benchButton.addEventListener('click', async () => {
    benchButton.disabled = true;
    benchResult.textContent = 'Measuring seed-cnn training steps (batch 64)…';
    try {
      const rows: string[] = [];
      const available = navigator.hardwareConcurrency;
      for (const threads of [...new Set([1, available])]) {
        const worker = new EngineClient(`fovea-bench-${threads}`);
        const info = await worker.request('init', { threads });
        const r = await worker.request('benchmark', { model: 'seed-cnn', batchSize: 64, seconds: 1 });
        worker.terminate();
        rows.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}: ${formatNumber(r.imagesPerSecond)} images/s`);
        benchResult.dataset[`threads${info.threads}`] = String(r.imagesPerSecond);
      }
      benchResult.textContent = `seed-cnn training, batch 64: ${rows.join('; ')}`;
    } catch (e) {
      benchResult.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      benchButton.disabled = false;
    }
  });

  updateButtons();
  void engineReady.then(fillFromZoo);
}

function drawFilters(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, count: number, size: number): void {
  const columns = Math.min(16, count);
  const rows = Math.ceil(count / columns);
  const gap = 1;
  canvas.width = columns * (size + gap) - gap;
  canvas.height = rows * (size + gap) - gap;
  canvas.style.width = `${canvas.width * Math.max(2, Math.floor(24 / size) * 2)}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let t = 0; t < count; t++) {
    const tile = new ImageData(rgba.slice(t * size * size * 4, (t + 1) * size * size * 4), size, size);
    ctx.putImageData(tile, (t % columns) * (size + gap), Math.floor(t / columns) * (size + gap));
  }
}
