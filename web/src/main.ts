/** The Fovea web app: four pages (draw, train, explore, open a model) on one engine worker, plus one for training. */
import './style.css';
import { engineReady } from './app-state.js';
import { setUpDrawPage } from './pages/draw.js';
import { setUpExplorePage } from './pages/explore.js';
import { setUpOpenPage } from './pages/open-model.js';
import { setUpTrainPage } from './pages/train.js';
import { byId } from './ui/dom.js';

const PAGES = ['draw', 'train', 'explore', 'open'] as const;

function showPage(): void {
  const wanted = location.hash.slice(1);
  const page = (PAGES as readonly string[]).includes(wanted) ? wanted : 'draw';
  for (const name of PAGES) {
    byId(`page-${name}`).hidden = name !== page;
    byId(`tab-${name}`).classList.toggle('active', name === page);
  }
}

window.addEventListener('hashchange', showPage);
showPage();

const engineStatus = byId('engine-status');
engineReady.then(
  (info) => {
    engineStatus.textContent = `Engine: wasm on ${info.threads} thread${info.threads === 1 ? '' : 's'}${info.crossOriginIsolated ? ' (cross-origin isolated)' : ''}`;
    engineStatus.dataset.threads = String(info.threads);
    const note = byId('engine-note');
    note.textContent = info.note ?? '';
    note.hidden = info.note === null;
  },
  (e: unknown) => {
    engineStatus.textContent = `The engine failed to start: ${e instanceof Error ? e.message : String(e)}`;
  },
);

void setUpDrawPage();
setUpTrainPage();
setUpExplorePage();
setUpOpenPage();
