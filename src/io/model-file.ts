/**
 * The Fovea model directory: `model.json` (architecture, class names, input normalisation,
 * training history) beside `weights.safetensors` (every parameter, float32, under its name such
 * as `conv2d/kernel`). Saving writes the directory atomically; loading checks every field and
 * reports what is wrong with which file instead of failing somewhere inside the engine.
 */
import { FoveaError, ModelFileError, UnknownNameError } from '../errors.js';
import { layerFromConfig, layerTypes } from '../nn/layer-registry.js';
import type { Layer, LayerConfig } from '../nn/layer.js';
import { GRAPH_INPUT, GraphModel, input } from '../nn/graph.js';
import { type SymbolicTensor } from '../nn/layer.js';
import { type InputNormalization, type ModelLoss, modelLosses, type Network, type NetworkConfig, type TrainingHistory } from '../nn/network.js';
import { Sequential } from '../nn/sequential.js';
import { getPlatform } from '../platform/platform.js';
import { formatShape, type Shape, shapesEqual, Tensor } from '../tensor/index.js';
import { readModelFile, writeModelDirectory } from './model-dir.js';
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors } from './safetensors.js';

/** Written into `savedWith`; keep in step with package.json. */
export const FOVEA_VERSION = '0.1.0';
export const MODEL_FORMAT = 'fovea-model';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  architecture: NetworkConfig;
  /** What the model is trained with and what its outputs mean; absent in older files: 'crossentropy'. */
  loss?: ModelLoss;
  classNames: string[] | null;
  inputNormalization: InputNormalization;
  history: TrainingHistory;
  training: Record<string, unknown> | null;
  weights: { file: string; count: number };
  savedWith: string;
}

export interface SaveModelExtra {
  /** How the model was trained (optimizer, epochs, dataset…), stored as given. */
  training?: Record<string, unknown>;
}

/** A loaded model with what model.json says beyond the model itself. */
export interface LoadedModel {
  model: Network;
  training: Record<string, unknown> | null;
  savedWith: string | null;
}

// ---------------------------------------------------------------------------------------------
// Saving

export async function saveModel(model: Network, dir: string, extra: SaveModelExtra = {}): Promise<void> {
  const json = modelToJson(model, extra);
  const weights = encodeWeights(model);
  await writeModelDirectory(dir, {
    [MODEL_JSON_FILE]: `${JSON.stringify(json, null, 2)}\n`,
    [WEIGHTS_FILE]: weights,
  });
}

export function modelToJson(model: Network, extra: SaveModelExtra = {}): ModelJson {
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    architecture: model.getConfig(),
    loss: model.loss,
    classNames: model.classNames ? [...model.classNames] : null,
    inputNormalization: {
      scale: model.inputNormalization.scale,
      mean: [...model.inputNormalization.mean],
      std: [...model.inputNormalization.std],
    },
    history: model.history,
    training: extra.training ?? null,
    weights: { file: WEIGHTS_FILE, count: model.parameters().length },
    savedWith: `fovea ${FOVEA_VERSION}`,
  };
}

/** Every parameter, in parameters() order, as float32 safetensors. */
export function encodeWeights(model: Network): Uint8Array {
  const entries: Array<[string, Tensor]> = model.parameters().map((p) => [
    p.name,
    p.value.dtype === 'float32' ? p.value : new Tensor(Float32Array.from(p.value.data), p.value.shape),
  ]);
  return encodeSafetensors(entries, { format: 'fovea' });
}

// ---------------------------------------------------------------------------------------------
// Loading

export async function loadModel(dir: string): Promise<Network> {
  return (await readModel(dir)).model;
}

/** Loads a model directory, returning the model and the rest of what model.json records. */
export async function readModel(dir: string): Promise<LoadedModel> {
  const platform = getPlatform();
  const jsonPath = platform.joinPath(dir, MODEL_JSON_FILE);
  const text = decodeText(await readModelFile(dir, MODEL_JSON_FILE), jsonPath);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`not valid JSON (${(e as Error).message})`, jsonPath);
  }
  const loaded = modelFromJsonWithInfo(json, jsonPath);
  const weightsName = weightsFileName(json as Record<string, unknown>, jsonPath);
  const weightsPath = platform.joinPath(dir, weightsName);
  const weights = decodeSafetensors(await readModelFile(dir, weightsName), weightsPath);
  assignWeights(loaded.model, weights, weightsPath);
  return loaded;
}

/**
 * Rebuilds a model from parsed model.json: architecture, class names, normalisation, history.
 * The weights are freshly initialised; assignWeights() fills them in.
 */
export function modelFromJson(json: unknown, fileName = MODEL_JSON_FILE): Network {
  return modelFromJsonWithInfo(json, fileName).model;
}

function modelFromJsonWithInfo(json: unknown, fileName: string): LoadedModel {
  const fail = (message: string): never => {
    throw new ModelFileError(message, fileName);
  };
  if (!isPlainObject(json)) return fail(`expected a JSON object, found ${describeValue(json)}`);
  if (json.format !== MODEL_FORMAT) {
    return fail(`expected "format": "${MODEL_FORMAT}", found ${json.format === undefined ? 'no format field' : JSON.stringify(json.format)}`);
  }
  if (json.formatVersion !== MODEL_FORMAT_VERSION) {
    return fail(`unsupported formatVersion ${JSON.stringify(json.formatVersion)}; this version of fovea reads formatVersion ${MODEL_FORMAT_VERSION}`);
  }

  const model = buildArchitecture(json.architecture, fail);
  model.classNames = readClassNames(json.classNames, model, fail);
  if (json.loss !== undefined) {
    if (!modelLosses.includes(json.loss as ModelLoss)) fail(`"loss" must be one of ${modelLosses.map((l) => `"${l}"`).join(', ')}, found ${describeValue(json.loss)}`);
    model.loss = json.loss as ModelLoss;
  }
  if (json.inputNormalization !== undefined) model.inputNormalization = readNormalization(json.inputNormalization, fail);
  if (json.history !== undefined) model.history = readHistory(json.history, fail);

  if (json.training !== undefined && json.training !== null && !isPlainObject(json.training)) {
    fail(`"training" must be an object or null, found ${describeValue(json.training)}`);
  }
  const training = (json.training ?? null) as Record<string, unknown> | null;
  const savedWith = typeof json.savedWith === 'string' ? json.savedWith : null;
  return { model, training, savedWith };
}

function buildArchitecture(architecture: unknown, fail: (message: string) => never): Network {
  if (architecture === undefined) return fail('has no "architecture"');
  if (!isPlainObject(architecture)) return fail(`"architecture" must be an object, found ${describeValue(architecture)}`);
  if (architecture.type !== 'Sequential' && architecture.type !== 'Graph') {
    return fail(`"architecture.type" must be "Sequential" or "Graph", found ${architecture.type === undefined ? 'none' : JSON.stringify(architecture.type)}`);
  }
  const { layers: layerConfigs, inputShape, name } = architecture;
  if (name !== undefined && typeof name !== 'string') fail(`"architecture.name" must be a string, found ${describeValue(name)}`);
  if (!Array.isArray(layerConfigs)) return fail(`"architecture.layers" must be an array of layer configs, found ${describeValue(layerConfigs)}`);
  if (layerConfigs.length === 0) fail('"architecture.layers" is empty; a model needs at least one layer');
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    return fail(`"architecture.inputShape" must be a non-empty array of positive integers, found ${JSON.stringify(inputShape) ?? 'nothing'}`);
  }

  const layers = layerConfigs.map((config: unknown, i): { layer: Layer; config: LayerConfig & { inbound?: unknown } } => {
    const where = `layer ${i + 1}`;
    if (!isPlainObject(config) || typeof config.type !== 'string') {
      fail(`${where} must be an object with a string "type", found ${describeValue(config)}`);
    }
    if (config.name !== undefined && typeof config.name !== 'string') {
      fail(`${where} has a "name" that is not a string: ${describeValue(config.name)}`);
    }
    const { inbound, ...layerConfig } = config as LayerConfig & { inbound?: unknown };
    try {
      return { layer: layerFromConfig(layerConfig as LayerConfig), config: config as LayerConfig & { inbound?: unknown } };
    } catch (e) {
      if (e instanceof UnknownNameError && !layerTypes().includes(layerConfig.type as string)) {
        return fail(`unknown layer type '${layerConfig.type}' in ${where}; known: ${layerTypes().join(', ')}`);
      }
      return failWith(e, `${where} (${describeLayer(layerConfig as LayerConfig)})`, fail);
    }
  });
  const model = architecture.type === 'Sequential'
    ? sequentialFrom(layers, inputShape, name as string | undefined, fail)
    : graphFrom(layers, inputShape, name as string | undefined, architecture.output, fail);
  try {
    model.build({ inputShape, seed: 0 });
  } catch (e) {
    failWith(e, 'the architecture cannot be built', fail);
  }
  return model;
}

type LoadedLayer = { layer: Layer; config: LayerConfig & { inbound?: unknown } };

function sequentialFrom(layers: LoadedLayer[], inputShape: Shape, name: string | undefined, fail: (message: string) => never): Sequential {
  const model = new Sequential([], { inputShape, name });
  layers.forEach(({ layer, config }, i) => {
    try {
      model.add(layer);
    } catch (e) {
      failWith(e, `layer ${i + 1} (${describeLayer(config)})`, fail);
    }
  });
  // Walk the shapes first so a failure can name the layer (build would say less).
  let shape: Shape = inputShape;
  model.layers.forEach((layer, i) => {
    try {
      shape = layer.computeOutputShape(shape);
    } catch (e) {
      failWith(e, `the architecture does not fit its input shape ${formatShape(inputShape)} at layer ${i + 1} ('${layer.name}', ${layer.type})`, fail);
    }
  });
  return model;
}

/** A graph: every layer names its inputs ('input' or an earlier layer); `output` names the last. */
function graphFrom(layers: LoadedLayer[], inputShape: Shape, name: string | undefined, output: unknown, fail: (message: string) => never): GraphModel {
  const modelInput = input(inputShape);
  const made = new Map<string, SymbolicTensor>([[GRAPH_INPUT, modelInput]]);
  layers.forEach(({ layer, config }, i) => {
    const where = `layer ${i + 1} (${describeLayer(config)})`;
    const inbound = config.inbound;
    if (!Array.isArray(inbound) || inbound.length === 0 || !inbound.every((n) => typeof n === 'string')) {
      fail(`${where} needs "inbound": the names of the layers feeding it ('${GRAPH_INPUT}' for the model's input), found ${describeValue(inbound)}`);
    }
    if (!layer.name) fail(`${where} has no "name"; graph layers are named so that others can refer to them`);
    if (made.has(layer.name)) fail(`${where}: the name '${layer.name}' is used twice`);
    const sources = (inbound as string[]).map((n) => made.get(n) ?? fail(`${where} takes its input from '${n}', which is not '${GRAPH_INPUT}' or a layer before it`));
    try {
      made.set(layer.name, layer.apply(sources));
    } catch (e) {
      failWith(e, `the architecture does not fit its input shape ${formatShape(inputShape)} at ${where}`, fail);
    }
  });
  if (typeof output !== 'string' || !made.has(output) || output === GRAPH_INPUT) {
    return fail(`"architecture.output" must name one of its layers, found ${describeValue(output)}`);
  }
  try {
    return new GraphModel({ inputs: modelInput, outputs: made.get(output)!, name });
  } catch (e) {
    return failWith(e, 'the graph is not a valid model', fail);
  }
}

function readClassNames(value: unknown, model: Network, fail: (message: string) => never): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'string')) {
    return fail(`"classNames" must be an array of strings or null, found ${describeValue(value)}`);
  }
  const output = model.outputShape;
  if (output.length === 1 && output[0] !== value.length) {
    fail(`"classNames" lists ${value.length} classes but the model has ${output[0]} outputs`);
  }
  return [...value];
}

function readNormalization(value: unknown, fail: (message: string) => never): InputNormalization {
  if (!isPlainObject(value)) return fail(`"inputNormalization" must be an object { scale, mean, std }, found ${describeValue(value)}`);
  const { scale, mean, std } = value;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) fail(`"inputNormalization.scale" must be a finite number, found ${describeValue(scale)}`);
  const isFiniteArray = (a: unknown): a is number[] => Array.isArray(a) && a.length > 0 && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!isFiniteArray(mean)) return fail(`"inputNormalization.mean" must be a non-empty array of finite numbers, found ${describeValue(mean)}`);
  if (!isFiniteArray(std) || !std.every((v) => v > 0)) {
    return fail(`"inputNormalization.std" must be a non-empty array of positive numbers, found ${describeValue(std)}`);
  }
  return { scale: scale as number, mean: [...mean], std: [...std] };
}

/** JSON writes NaN and ±Infinity as null; they come back as NaN. */
function readHistory(value: unknown, fail: (message: string) => never): TrainingHistory {
  if (!isPlainObject(value)) return fail(`"history" must be an object of number arrays, found ${describeValue(value)}`);
  const history: TrainingHistory = { epoch: [], loss: [], accuracy: [] };
  for (const [key, series] of Object.entries(value)) {
    if (!Array.isArray(series) || !series.every((v) => v === null || typeof v === 'number')) {
      fail(`"history.${key}" must be an array of numbers, found ${describeValue(series)}`);
    }
    history[key] = (series as Array<number | null>).map((v) => v ?? NaN);
  }
  return history;
}

function weightsFileName(json: Record<string, unknown>, fileName: string): string {
  const weights = json.weights;
  if (weights === undefined) return WEIGHTS_FILE;
  if (!isPlainObject(weights) || typeof weights.file !== 'string' || !/^[^\\/\0]+$/.test(weights.file) || weights.file === '..' || weights.file === '.') {
    throw new ModelFileError(`"weights.file" must be a plain file name in the model directory, found ${describeValue(isPlainObject(weights) ? weights.file : weights)}`, fileName);
  }
  return weights.file;
}

/**
 * Copies decoded tensors into the model's parameters, in place: every parameter must be present
 * with its exact shape, and every tensor must belong to a parameter.
 */
export function assignWeights(model: Network, decoded: DecodedSafetensors, fileName = WEIGHTS_FILE): void {
  const parameters = model.parameters();
  for (const p of parameters) {
    const t = decoded.tensors.get(p.name);
    if (!t) {
      throw new ModelFileError(`has no tensor '${p.name}', which the architecture needs (shape ${formatShape(p.value.shape)}); it holds: ${listNames([...decoded.tensors.keys()])}`, fileName);
    }
    if (!shapesEqual(t.shape, p.value.shape)) {
      throw new ModelFileError(`'${p.name}' has shape ${formatShape(t.shape)} but the architecture needs ${formatShape(p.value.shape)}`, fileName);
    }
  }
  const used = new Set(parameters.map((p) => p.name));
  const extra = [...decoded.tensors.keys()].filter((name) => !used.has(name));
  if (extra.length > 0) {
    throw new ModelFileError(`holds ${extra.length} tensor${extra.length === 1 ? '' : 's'} the architecture does not use: ${listNames(extra)}`, fileName);
  }
  // Every check passed: only now touch the model, so a bad file never leaves it half loaded.
  for (const p of parameters) p.value.data.set(decoded.tensors.get(p.name)!.data);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function decodeText(bytes: Uint8Array, fileName: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ModelFileError('is not valid UTF-8 text', fileName);
  }
}

/** Re-raises a library error as a ModelFileError saying where in model.json it comes from. */
function failWith(e: unknown, where: string, fail: (message: string) => never): never {
  if (e instanceof FoveaError) return fail(`${where}: ${e.message}`);
  throw e;
}

function describeLayer(config: LayerConfig): string {
  return typeof config.name === 'string' && config.name !== '' ? `'${config.name}', ${config.type}` : config.type;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function listNames(names: string[], max = 10): string {
  if (names.length === 0) return '(nothing)';
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
