/**
 * A model directory as one zip file, for downloads and uploads (the web app) and anywhere the CLI
 * takes a model directory. The zip holds exactly what `saveModel` writes — `model.json` and
 * `weights.safetensors` — inside one top-level folder named after the model
 * (`seed-cnn-mnist/model.json`), so unzipping it gives a model directory. Reading accepts the
 * files inside a single top-level folder or at the root of the zip, and ignores what archivers
 * add (`__MACOSX/`, `.DS_Store`). Platform-neutral: bytes in, bytes out.
 */
import { strToU8, zipSync } from 'fflate';
import { ArgumentError, ModelFileError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { assignWeights, encodeWeights, type LoadedModel, MODEL_JSON_FILE, modelFromJson, modelToJson, type SaveModelExtra, WEIGHTS_FILE } from './model-file.js';
import { decodeSafetensors } from './safetensors.js';
import { listZipEntries, readZipEntry, type ZipEntry, type ZipReadOptions } from './zip-archive.js';

export interface ModelZipOptions extends SaveModelExtra {
  /** The folder inside the zip that holds the files (default: `modelZipFolder(model)`); '' puts them at the root. */
  folder?: string;
}

/** A zip of the model directory `saveModel` would write: `<folder>/model.json` + `<folder>/weights.safetensors`. */
export function modelToZip(model: Network, options: ModelZipOptions = {}): Uint8Array {
  const folder = options.folder ?? modelZipFolder(model);
  if (folder !== '' && !isPlainName(folder)) {
    throw new ArgumentError(`a model zip's folder must be a plain name (no '/', '\\', or leading '.'), found '${folder}'`);
  }
  const json = modelToJson(model, options);
  const prefix = folder === '' ? '' : `${folder}/`;
  return zipSync({
    [`${prefix}${MODEL_JSON_FILE}`]: strToU8(`${JSON.stringify(json, null, 2)}\n`),
    [`${prefix}${json.weights.file}`]: encodeWeights(model),
  });
}

/** The default top-level folder of a model's zip: its name, made safe for a file name. */
export function modelZipFolder(model: Network): string {
  const name = model.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return name === '' ? 'model' : name;
}

/** Loads a model from a zip's bytes; `fileName` names the zip in error messages. */
export function modelFromZip(bytes: Uint8Array, fileName = 'model.zip', options: ZipReadOptions = {}): Network {
  return readModelZip(bytes, fileName, options).model;
}

/** As `readModel`, from a zip: the model and the rest of what its model.json records. */
export function readModelZip(bytes: Uint8Array, fileName = 'model.zip', options: ZipReadOptions = {}): LoadedModel {
  const files = modelEntries(listZipEntries(bytes, fileName, options));
  const jsonEntry = findModelJson(files, fileName);
  const folder = jsonEntry.name.slice(0, -MODEL_JSON_FILE.length);
  const jsonLabel = `${fileName}/${jsonEntry.name}`;

  const json = parseJson(readZipEntry(bytes, jsonEntry, fileName), jsonLabel);
  const model = modelFromJson(json, jsonLabel);
  const record = json as Record<string, unknown>;

  const weightsName = `${folder}${weightsFileName(record, jsonLabel)}`;
  const weightsEntry = files.find((e) => e.name === weightsName);
  if (!weightsEntry) {
    throw new ModelFileError(`has no '${weightsName}' beside '${jsonEntry.name}'; it holds: ${listNames(files.map((e) => e.name))}`, fileName);
  }
  const weightsLabel = `${fileName}/${weightsName}`;
  assignWeights(model, decodeSafetensors(readZipEntry(bytes, weightsEntry, fileName), weightsLabel), weightsLabel);
  return {
    model,
    training: isPlainObject(record.training) ? record.training : null,
    savedWith: typeof record.savedWith === 'string' ? record.savedWith : null,
  };
}

/** The files of the archive, without folders and what archivers add (`__MACOSX/`, `.DS_Store`, `._*`). */
function modelEntries(entries: ZipEntry[]): ZipEntry[] {
  return entries.filter((e) => {
    if (e.name.endsWith('/') || e.name.startsWith('__MACOSX/')) return false;
    const base = e.name.slice(e.name.lastIndexOf('/') + 1);
    return base !== '.DS_Store' && !base.startsWith('._');
  });
}

/** model.json at the root or in one top-level folder; exactly one. */
function findModelJson(files: ZipEntry[], fileName: string): ZipEntry {
  const isModelJson = (name: string) => name === MODEL_JSON_FILE || name.endsWith(`/${MODEL_JSON_FILE}`);
  const candidates = files.filter((e) => isModelJson(e.name) && e.name.split('/').length <= 2);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) {
    const places = candidates.map((e) => (e.name === MODEL_JSON_FILE ? '(root)' : e.name.slice(0, e.name.indexOf('/') + 1)));
    throw new ModelFileError(`holds ${candidates.length} models (${listNames(places)}); expected one: ${MODEL_JSON_FILE} at the root or in a single top-level folder`, fileName);
  }
  const deeper = files.filter((e) => isModelJson(e.name));
  if (deeper.length > 0) {
    throw new ModelFileError(`has ${MODEL_JSON_FILE} only at '${deeper[0].name}'; expected it at the root of the zip or in a single top-level folder`, fileName);
  }
  throw new ModelFileError(`has no ${MODEL_JSON_FILE}, so it is not a zipped model directory; it holds: ${listNames(files.map((e) => e.name))}`, fileName);
}

function parseJson(bytes: Uint8Array, label: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ModelFileError('is not valid UTF-8 text', label);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`not valid JSON (${(e as Error).message})`, label);
  }
}

/** As in a model directory: `weights.file` names a file beside model.json. */
function weightsFileName(json: Record<string, unknown>, label: string): string {
  const weights = json.weights;
  if (weights === undefined) return WEIGHTS_FILE;
  if (!isPlainObject(weights) || typeof weights.file !== 'string' || !/^[^\\/\0]+$/.test(weights.file) || weights.file === '.' || weights.file === '..') {
    throw new ModelFileError(`"weights.file" must be a plain file name beside model.json, found ${JSON.stringify(isPlainObject(weights) ? weights.file : weights) ?? 'nothing'}`, label);
  }
  return weights.file;
}

function isPlainName(name: string): boolean {
  return /^[^\\/\0]+$/.test(name) && !name.startsWith('.');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listNames(names: string[], max = 10): string {
  if (names.length === 0) return '(nothing)';
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
