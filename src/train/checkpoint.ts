/**
 * Training checkpoints: everything `fit` needs to continue a run as if it had never stopped.
 * A checkpoint is a model directory (model.json + weights.safetensors, loadable by `fovea eval`)
 * with two more files:
 *
 * - `training-state.json`: format, the run's position (epochs done, optimizer steps, steps per
 *   epoch, batch size, training-set size), base learning rate and the callbacks' scale of it,
 *   the schedule, the optimizer's name, config and scalars (step count), the three generators'
 *   states (shuffle, dropout, augment), the callbacks' values, and every epoch's logs;
 * - `training-state.safetensors`: the optimizer's arrays as `optimizer/<parameter>/<slot>` and
 *   the callbacks' arrays (best weights) as `callbacks/<callback>/<name>`.
 *
 * The directory is written as a whole or not at all (io/model-dir), so an interrupted run always
 * leaves the previous complete checkpoint.
 */
import { CheckpointError, FoveaError, NotFoundError } from '../errors.js';
import { writeModelDirectory, readModelFile } from '../io/model-dir.js';
import { assignWeights, encodeWeights, FOVEA_VERSION, MODEL_JSON_FILE, modelToJson, WEIGHTS_FILE } from '../io/model-file.js';
import { decodeSafetensors, type DecodedSafetensors, encodeSafetensors } from '../io/safetensors.js';
import type { NetworkConfig, TrainingHistory } from '../nn/network.js';
import type { Network } from '../nn/network.js';
import type { OptimizerState } from '../optim/index.js';
import { getPlatform } from '../platform/platform.js';
import { type RngSnapshot, Tensor } from '../tensor/index.js';
import type { CallbackState } from './callbacks.js';
import type { EpochLogs } from './fit.js';

export const CHECKPOINT_FORMAT = 'fovea-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const CHECKPOINT_STATE_FILE = 'training-state.json';
export const CHECKPOINT_TENSORS_FILE = 'training-state.safetensors';

/** The JSON half of a checkpoint (training-state.json). */
export interface TrainingState {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  savedWith: string;
  /** The model's name, for messages. */
  model: string;
  dataset: string;
  trainImages: number;
  batchSize: number;
  stepsPerEpoch: number;
  /** Epochs the run was asked for. */
  epochs: number;
  epochsDone: number;
  /** Optimizer steps taken in the run (the schedule's position). */
  globalStep: number;
  /** Whether a callback (early stopping) ended the run. */
  stopped: boolean;
  baseLearningRate: number;
  learningRateScale: number;
  schedule: Record<string, unknown> | null;
  optimizer: { name: string; config: Record<string, unknown>; scalars: Record<string, number> };
  rng: { shuffle: RngSnapshot; dropout: RngSnapshot; augment: RngSnapshot };
  callbacks: Record<string, Record<string, unknown>>;
  logs: EpochLogs[];
  /** How the steps were taken, beyond optimizer and schedule (absent in older checkpoints). */
  settings?: RunSettings;
}

/** The training settings a checkpoint records so that a resumed run can be held to them. */
export interface RunSettings {
  labelSmoothing: number;
  clipNorm: number | null;
  /** The augmentation spec ('crop:4,flip'), 'custom' for a function without one, null for none. */
  augment: string | null;
  /** formatAdversarialTraining of the setting, null for none. */
  adversarial: string | null;
  /** Whether each epoch leaves out its last, partial batch (absent in older checkpoints: false). */
  dropLast?: boolean;
}

export interface Checkpoint {
  dir: string;
  state: TrainingState;
  /** model.json's architecture and history. */
  architecture: NetworkConfig;
  history: TrainingHistory;
  classNames: string[] | null;
  /** model.json's inputNormalization as written (null when absent). */
  inputNormalization: unknown;
  weights: DecodedSafetensors;
  optimizer: OptimizerState;
  callbacks: Map<string, CallbackState>;
}

export interface CheckpointContent {
  model: Network;
  state: Omit<TrainingState, 'format' | 'formatVersion' | 'savedWith' | 'optimizer'> & { optimizer: { name: string; config: Record<string, unknown> } };
  optimizer: OptimizerState;
  callbacks: Map<string, CallbackState>;
  /** Recorded in model.json's `training`. */
  training?: Record<string, unknown>;
}

/** Writes a checkpoint directory atomically (replacing any previous one there). */
export async function writeCheckpoint(dir: string, content: CheckpointContent): Promise<void> {
  const { model, optimizer, callbacks } = content;
  const state: TrainingState = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    savedWith: `fovea ${FOVEA_VERSION}`,
    ...content.state,
    optimizer: { ...content.state.optimizer, scalars: optimizer.scalars },
    callbacks: Object.fromEntries([...callbacks].map(([name, s]) => [name, s.values])),
  };
  const tensors: Array<[string, Tensor]> = [];
  for (const [name, data] of Object.entries(optimizer.tensors)) tensors.push([`optimizer/${name}`, new Tensor(data, [data.length])]);
  for (const [callback, s] of callbacks) {
    for (const [name, data] of Object.entries(s.tensors)) tensors.push([`callbacks/${callback}/${name}`, new Tensor(data, [data.length])]);
  }
  const json = modelToJson(model, { training: { checkpoint: true, ...content.training } });
  await writeModelDirectory(dir, {
    [MODEL_JSON_FILE]: `${JSON.stringify(json, null, 2)}\n`,
    [WEIGHTS_FILE]: encodeWeights(model),
    [CHECKPOINT_STATE_FILE]: `${JSON.stringify(state, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
    [CHECKPOINT_TENSORS_FILE]: encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT }),
  });
}

/** Reads and checks a checkpoint directory; nothing is applied to any model yet. */
export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  const platform = getPlatform();
  if (!(await platform.isDirectory(dir))) throw new NotFoundError(`checkpoint directory '${dir}' ${(await platform.exists(dir)) ? 'is a file' : 'does not exist'}`);
  if (!(await platform.exists(platform.joinPath(dir, CHECKPOINT_STATE_FILE)))) {
    throw new CheckpointError(`has no ${CHECKPOINT_STATE_FILE}, so it is not a training checkpoint (a model saved with --out or --keep-best cannot be resumed; continue from it with --model instead)`, dir);
  }
  const state = validateState(parseJson(await readModelFile(dir, CHECKPOINT_STATE_FILE), dir, CHECKPOINT_STATE_FILE), dir);
  const modelJson = parseJson(await readModelFile(dir, MODEL_JSON_FILE), dir, MODEL_JSON_FILE) as Record<string, unknown>;
  if (!isObject(modelJson) || !isObject(modelJson.architecture)) throw new CheckpointError(`${MODEL_JSON_FILE} has no architecture`, dir);
  const weights = decodeSafetensors(await readModelFile(dir, WEIGHTS_FILE), platform.joinPath(dir, WEIGHTS_FILE));
  const extra = decodeSafetensors(await readModelFile(dir, CHECKPOINT_TENSORS_FILE), platform.joinPath(dir, CHECKPOINT_TENSORS_FILE));

  const optimizerTensors: Record<string, Float32Array> = {};
  const callbackTensors = new Map<string, Record<string, Float32Array>>();
  for (const [name, t] of extra.tensors) {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    if (name.startsWith('optimizer/')) {
      optimizerTensors[name.slice('optimizer/'.length)] = data;
    } else if (name.startsWith('callbacks/') && name.indexOf('/', 'callbacks/'.length) > 0) {
      const rest = name.slice('callbacks/'.length);
      const cut = rest.indexOf('/');
      const byCallback = callbackTensors.get(rest.slice(0, cut)) ?? {};
      byCallback[rest.slice(cut + 1)] = data;
      callbackTensors.set(rest.slice(0, cut), byCallback);
    } else {
      throw new CheckpointError(`${CHECKPOINT_TENSORS_FILE} holds '${name}', which is neither optimizer/… nor callbacks/<name>/…`, dir);
    }
  }
  const callbacks = new Map<string, CallbackState>();
  for (const [name, values] of Object.entries(state.callbacks)) callbacks.set(name, { values, tensors: callbackTensors.get(name) ?? {} });
  const history = isObject(modelJson.history) ? (modelJson.history as TrainingHistory) : { epoch: [], loss: [], accuracy: [] };
  return {
    dir,
    state,
    architecture: modelJson.architecture as unknown as NetworkConfig,
    history: Object.fromEntries(Object.entries(history).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => (x === null ? NaN : x)) : v])) as TrainingHistory,
    classNames: Array.isArray(modelJson.classNames) ? (modelJson.classNames as string[]) : null,
    inputNormalization: modelJson.inputNormalization ?? null,
    weights,
    optimizer: { name: state.optimizer.name, tensors: optimizerTensors, scalars: state.optimizer.scalars },
    callbacks,
  };
}

/**
 * Puts the checkpoint's weights, history and class names into `model`, after checking that it
 * has the architecture the checkpoint was trained with (a CheckpointError names both otherwise).
 */
export function restoreModelFromCheckpoint(checkpoint: Checkpoint, model: Network): void {
  checkCheckpointArchitecture(checkpoint, model);
  try {
    assignWeights(model, checkpoint.weights, WEIGHTS_FILE);
  } catch (e) {
    if (e instanceof FoveaError) throw new CheckpointError(e.message, checkpoint.dir);
    throw e;
  }
  model.history = checkpoint.history;
  if (checkpoint.classNames) model.classNames = [...checkpoint.classNames];
}

/** Throws a CheckpointError naming both models unless `model` has the checkpoint's architecture. */
export function checkCheckpointArchitecture(checkpoint: Checkpoint, model: Network): void {
  const theirs = withoutAdaptedFlags(checkpoint.architecture);
  const ours = withoutAdaptedFlags(model.getConfig());
  if (JSON.stringify(theirs) !== JSON.stringify(ours)) {
    throw new CheckpointError(`it was trained on ${describeArchitecture(theirs)}, but this run trains ${describeArchitecture(ours)}${firstDifference(theirs, ours)}; resume with the same model, or start a new run in another directory`, checkpoint.dir);
  }
}

/**
 * The architecture without the layers' `adapted` flags: a layer set from data (PatchWhitening) is
 * adapted in the checkpoint of a run and not yet in the fresh model that resumes it, and its
 * weights come from the checkpoint anyway.
 */
function withoutAdaptedFlags(config: NetworkConfig): NetworkConfig {
  if (!Array.isArray(config.layers)) return config;
  return { ...config, layers: config.layers.map((layer) => (typeof layer === 'object' && layer !== null && 'adapted' in layer ? Object.fromEntries(Object.entries(layer).filter(([k]) => k !== 'adapted')) : layer)) as NetworkConfig['layers'] };
}

/** Up to this many layers are listed one by one; longer models are summarised by layer type. */
const LAYERS_LISTED = 16;

/** "model 'NAME' (input [..], N layers: …)": each layer type in order, or counts of each for a long model. */
function describeArchitecture(config: NetworkConfig): string {
  const layers = Array.isArray(config.layers) ? config.layers : [];
  const types = layers.map((l) => l.type);
  return `model '${config.name}' (input ${JSON.stringify(config.inputShape)}, ${layers.length} layers: ${types.length <= LAYERS_LISTED ? types.join(', ') : countByType(types)})`;
}

/** "21 Conv2D, 19 BatchNormalization, …", in order of first appearance. */
function countByType(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${n} ${t}`).join(', ');
}

function firstDifference(a: NetworkConfig, b: NetworkConfig): string {
  if (a.name !== b.name || JSON.stringify(a.inputShape) !== JSON.stringify(b.inputShape)) return '';
  const n = Math.max(a.layers?.length ?? 0, b.layers?.length ?? 0);
  for (let i = 0; i < n; i++) {
    const x = JSON.stringify(a.layers?.[i] ?? null);
    const y = JSON.stringify(b.layers?.[i] ?? null);
    if (x !== y) return ` (layer ${i + 1} differs: checkpoint ${x}, this run ${y})`;
  }
  return '';
}

function parseJson(bytes: Uint8Array, dir: string, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CheckpointError(`${file} is not valid JSON (${(e as Error).message})`, dir);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks every field of training-state.json, naming the first one that is wrong. */
function validateState(json: unknown, dir: string): TrainingState {
  const fail = (message: string): never => {
    throw new CheckpointError(`${CHECKPOINT_STATE_FILE}: ${message}`, dir);
  };
  if (!isObject(json)) return fail('expected a JSON object');
  if (json.format !== CHECKPOINT_FORMAT) fail(`expected "format": "${CHECKPOINT_FORMAT}", found ${JSON.stringify(json.format) ?? 'none'}`);
  if (json.formatVersion !== CHECKPOINT_FORMAT_VERSION) fail(`unsupported formatVersion ${JSON.stringify(json.formatVersion)}; this version of fovea reads ${CHECKPOINT_FORMAT_VERSION}`);
  const count = (key: string, min = 0) => {
    const v = json[key];
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) fail(`"${key}" must be an integer ≥ ${min}, found ${JSON.stringify(v) ?? 'nothing'}`);
  };
  const positive = (key: string) => {
    const v = json[key];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail(`"${key}" must be a positive number, found ${JSON.stringify(v) ?? 'nothing'}`);
  };
  const text = (key: string) => {
    if (typeof json[key] !== 'string') fail(`"${key}" must be a string, found ${JSON.stringify(json[key]) ?? 'nothing'}`);
  };
  text('model');
  text('dataset');
  count('trainImages', 1);
  count('batchSize', 1);
  count('stepsPerEpoch', 1);
  count('epochs', 1);
  count('epochsDone');
  count('globalStep');
  positive('baseLearningRate');
  positive('learningRateScale');
  if (typeof json.stopped !== 'boolean') fail(`"stopped" must be true or false, found ${JSON.stringify(json.stopped) ?? 'nothing'}`);
  if ((json.globalStep as number) !== (json.epochsDone as number) * (json.stepsPerEpoch as number)) {
    fail(`"globalStep" ${json.globalStep} is not ${json.epochsDone} epochs × ${json.stepsPerEpoch} steps`);
  }
  if (json.schedule !== null && !isObject(json.schedule)) fail('"schedule" must be an object or null');
  const optimizer = json.optimizer;
  if (!isObject(optimizer) || typeof optimizer.name !== 'string' || !isObject(optimizer.config) || !isObject(optimizer.scalars)) {
    return fail('"optimizer" must be { name, config, scalars }');
  }
  for (const [k, v] of Object.entries(optimizer.scalars)) if (typeof v !== 'number') fail(`"optimizer.scalars.${k}" must be a number`);
  const rng = json.rng;
  if (!isObject(rng)) return fail('"rng" must be { shuffle, dropout, augment }');
  for (const key of ['shuffle', 'dropout', 'augment']) {
    const r = rng[key];
    const ok = isObject(r) && Array.isArray(r.state) && r.state.length === 4 && r.state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) && (r.spareNormal === null || typeof r.spareNormal === 'number');
    if (!ok) fail(`"rng.${key}" must be { state: four 32-bit words, spareNormal: number or null }`);
  }
  if (!isObject(json.callbacks) || !Object.values(json.callbacks).every(isObject)) fail('"callbacks" must be an object of objects');
  if (!Array.isArray(json.logs) || json.logs.length !== json.epochsDone || !json.logs.every((l) => isObject(l) && typeof l.epoch === 'number')) {
    fail(`"logs" must hold one object per epoch done (${json.epochsDone})`);
  }
  return json as unknown as TrainingState;
}
