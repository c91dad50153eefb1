/** What the pages share: the engine worker for drawing, exploring and opened models, and its models. */
import { EngineClient } from './engine/client.js';
import type { EngineInfo, ModelInfo, ModelSlot } from './engine/protocol.js';

export const SHIPPED_MODEL_URL = new URL('./models/seed-cnn-mnist', document.baseURI).href;

export const engine = new EngineClient('fovea-engine');

/** The models loaded into `engine`, by slot. */
export const models = new Map<ModelSlot, ModelInfo>();

const modelListeners = new Set<(slot: ModelSlot) => void>();

export function setModel(slot: ModelSlot, info: ModelInfo): void {
  models.set(slot, info);
  for (const listener of modelListeners) listener(slot);
}

export function onModelChange(listener: (slot: ModelSlot) => void): void {
  modelListeners.add(listener);
}

export let engineInfo: EngineInfo | null = null;

export const engineReady: Promise<EngineInfo> = engine.request('init', {}).then((info) => (engineInfo = info));

/** Timings for the measurements (read by the tests through window.foveaMetrics). */
export const metrics: Record<string, number> = {};
(window as unknown as { foveaMetrics: Record<string, number> }).foveaMetrics = metrics;
