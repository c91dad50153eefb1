/**
 * Explore a dataset, in the spirit of the COCO explorer: browse the test images by class, filter by
 * true and predicted class, click a confusion-matrix cell to see its images, sort by confidence to
 * find the worst mistakes.
 */
import { engine, engineReady, models, onModelChange } from '../app-state.js';
import type { DatasetImages, Evaluation, ModelSlot } from '../engine/protocol.js';
import { byId, debounce, el, formatNumber, percent, showError } from '../ui/dom.js';
import { imageCanvas } from '../ui/image.js';

const PAGE = 120;

const SLOT_LABELS: Record<ModelSlot, string> = {
  shipped: 'seed-cnn trained on MNIST (shipped)',
  trained: 'the model trained on the Train page',
  opened: 'the model opened on the Open page',
};

export function setUpExplorePage(): void {
  const datasetSelect = byId<HTMLSelectElement>('explore-dataset');
  const modelSelect = byId<HTMLSelectElement>('explore-model');
  const trueSelect = byId<HTMLSelectElement>('explore-true');
  const predictedSelect = byId<HTMLSelectElement>('explore-predicted');
  const mistakesOnly = byId<HTMLInputElement>('explore-mistakes');
  const search = byId<HTMLInputElement>('explore-search');
  const sortSelect = byId<HTMLSelectElement>('explore-sort');
  const grid = byId('explore-grid');
  const count = byId('explore-count');
  const more = byId<HTMLButtonElement>('explore-more');
  const matrix = byId('explore-matrix');
  const status = byId('explore-status');
  const error = byId('explore-error');

  let test: DatasetImages | null = null;
  let evaluation: Evaluation | null = null;
  let shown = PAGE;

  const fillModels = (): void => {
    const current = modelSelect.value;
    modelSelect.replaceChildren(el('option', { value: 'none' }, ['no model (browse only)']), ...[...models.keys()].map((slot) => el('option', { value: slot }, [SLOT_LABELS[slot]])));
    modelSelect.value = [...models.keys()].includes(current as ModelSlot) ? current : models.has('shipped') ? 'shipped' : 'none';
  };

  const classOptions = (select: HTMLSelectElement, names: readonly string[], any: string): void => {
    select.replaceChildren(el('option', { value: '' }, [any]), ...names.map((n, i) => el('option', { value: i }, [`${i}: ${n}`])));
  };

  const matches = (): number[] => {
    if (!test) return [];
    const t = trueSelect.value === '' ? -1 : Number(trueSelect.value);
    const p = predictedSelect.value === '' ? -1 : Number(predictedSelect.value);
    const query = search.value.trim().toLowerCase();
    const indexQuery = /^#?(\d+)$/.exec(query);
    const out: number[] = [];
    for (let i = 0; i < test.labels.length; i++) {
      const label = test.labels[i];
      const predicted = evaluation ? evaluation.predicted[i] : -1;
      if (t >= 0 && label !== t) continue;
      if (evaluation && p >= 0 && predicted !== p) continue;
      if (evaluation && mistakesOnly.checked && predicted === label) continue;
      if (indexQuery && i !== Number(indexQuery[1])) continue;
      if (query && !indexQuery) {
        const names = [test.classNames[label], predicted >= 0 ? test.classNames[predicted] : ''].map((n) => n.toLowerCase());
        if (!names.some((n) => n.includes(query))) continue;
      }
      out.push(i);
    }
    if (evaluation && sortSelect.value !== 'index') {
      const e = evaluation;
      const key = (i: number): number => {
        switch (sortSelect.value) {
          case 'confidence-asc':
            return e.confidence[i];
          case 'confidence-desc':
            return -e.confidence[i];
          default:
            // Worst mistakes: wrong and confident first, then the right answers least sure of the truth.
            return e.predicted[i] !== test!.labels[i] ? -1 - e.confidence[i] : e.trueClassProbability[i];
        }
      };
      out.sort((a, b) => key(a) - key(b));
    }
    return out;
  };

  const renderGrid = (): void => {
    if (!test) return;
    const data = test;
    const found = matches();
    const visible = found.slice(0, shown);
    count.textContent = `${formatNumber(found.length)} of ${formatNumber(data.labels.length)} test images match; showing ${formatNumber(visible.length)}`;
    count.dataset.matches = String(found.length);
    more.hidden = visible.length >= found.length;
    grid.replaceChildren(
      ...visible.map((i) => {
        const label = data.labels[i];
        const predicted = evaluation?.predicted[i];
        const wrong = predicted !== undefined && predicted !== label;
        const caption = predicted === undefined ? `#${i} ${data.classNames[label]}` : `#${i} ${data.classNames[label]} → ${data.classNames[predicted]} ${percent(evaluation!.confidence[i], 0)}`;
        return el('figure', { class: `tile${wrong ? ' wrong' : ''}`, 'data-index': i, 'data-true': label, 'data-predicted': predicted ?? '', title: caption }, [
          imageCanvas(data.images, i, data.height, data.width, data.channels, 56),
          el('figcaption', {}, [`#${i}`, el('br'), predicted === undefined ? data.classNames[label] : `${data.classNames[label]} → ${data.classNames[predicted]}`, predicted === undefined ? null : el('br'), predicted === undefined ? null : percent(evaluation!.confidence[i], 0)]),
        ]);
      }),
    );
  };

  const renderMatrix = (): void => {
    if (!test || !evaluation) {
      matrix.replaceChildren();
      return;
    }
    const k = test.classNames.length;
    const cells = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < test.labels.length; i++) cells[test.labels[i]][evaluation.predicted[i]]++;
    const max = Math.max(...cells.flat());
    const header = el('tr', {}, [el('th', {}, ['true ↓ predicted →']), ...test.classNames.map((n, c) => el('th', { title: n }, [String(c)]))]);
    const rows = cells.map((row, t) =>
      el('tr', {}, [
        el('th', { title: test!.classNames[t] }, [`${t}: ${test!.classNames[t]}`]),
        ...row.map((n, p) => {
          const shade = n === 0 ? 0 : 0.12 + (0.88 * Math.log1p(n)) / Math.log1p(max);
          const cell = el('td', { 'data-true': t, 'data-predicted': p, class: t === p ? 'diagonal' : 'off', style: `background: rgba(${t === p ? '43,138,62' : '201,42,42'},${shade.toFixed(2)})`, title: `${n} images of ${test!.classNames[t]} predicted as ${test!.classNames[p]}` }, [n ? String(n) : '']);
          cell.addEventListener('click', () => {
            trueSelect.value = String(t);
            predictedSelect.value = String(p);
            mistakesOnly.checked = false;
            shown = PAGE;
            renderGrid();
          });
          return cell;
        }),
      ]),
    );
    matrix.replaceChildren(el('table', { class: 'confusion' }, [header, ...rows]));
  };

  const load = async (): Promise<void> => {
    showError(error, null);
    status.textContent = 'Loading…';
    delete status.dataset.accuracy;
    delete status.dataset.model;
    try {
      await engineReady;
      const data = await engine.request('loadDataset', { source: { kind: 'shipped', name: datasetSelect.value as 'mnist' | 'fashion-mnist' } });
      test = data.test;
      classOptions(trueSelect, test.classNames, 'any true class');
      classOptions(predictedSelect, test.classNames, 'any predicted class');
      evaluation = null;
      const slot = modelSelect.value as ModelSlot | 'none';
      if (slot !== 'none') {
        const info = models.get(slot)!;
        if (info.classNames.join('\n') !== test.classNames.join('\n')) {
          status.textContent = `${info.name} was trained on other classes (${info.classNames.slice(0, 4).join(', ')}…) than this dataset has (${test.classNames.slice(0, 4).join(', ')}…): browsing without predictions.`;
        } else {
          evaluation = await engine.request('evaluate', { slot });
          status.textContent = `${info.name} on the ${formatNumber(test.labels.length)} test images of this subset: ${percent(evaluation.accuracy, 2)} correct. Click a cell to see its images.`;
          status.dataset.accuracy = String(evaluation.accuracy);
          status.dataset.model = slot;
        }
      } else {
        status.textContent = `${formatNumber(test.labels.length)} test images. Choose a model to see its predictions.`;
      }
      predictedSelect.disabled = mistakesOnly.disabled = !evaluation;
      shown = PAGE;
      renderMatrix();
      renderGrid();
    } catch (e) {
      showError(error, e);
      status.textContent = '';
    }
  };

  const rerender = (): void => {
    shown = PAGE;
    renderGrid();
  };
  for (const control of [trueSelect, predictedSelect, mistakesOnly, sortSelect]) control.addEventListener('change', rerender);
  search.addEventListener('input', debounce(rerender, 100));
  more.addEventListener('click', () => {
    shown += PAGE;
    renderGrid();
  });
  datasetSelect.addEventListener('change', () => void load());
  modelSelect.addEventListener('change', () => void load());
  onModelChange((slot) => {
    fillModels();
    if (slot !== 'shipped') modelSelect.value = slot;
    if (isVisible()) void load();
    else loaded = false;
  });

  let loaded = false;
  const isVisible = (): boolean => location.hash === '#explore';
  const onShow = (): void => {
    if (isVisible() && !loaded) {
      loaded = true;
      fillModels();
      void load();
    }
  };
  window.addEventListener('hashchange', onShow);
  onShow();
}
