import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadDataset, type LoadDatasetOptions, type LoadedDataset } from '../data/index.js';
import { DEFAULT_MAX_ZIP_BYTES, loadModel, MODEL_JSON_FILE, modelFromZip } from '../io/index.js';
import { createZooModel, zooNames } from '../models/index.js';
import { type Network, sequentialFromLayerList } from '../nn/index.js';
import { ArgumentError, NotFoundError, ResourceError, UnknownNameError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';

/** Directories named by $FOVEA_DATA (colon-separated) are searched for datasets first. */
export function datasetSearchDirs(): string[] {
  return (process.env.FOVEA_DATA ?? '').split(path.delimiter).filter((d) => d.length > 0);
}

/** A dataset by name or path, searching $FOVEA_DATA first; warnings (skipped files) go to stderr. */
export async function openDataset(spec: string, options: Omit<LoadDatasetOptions, 'searchDirs'> = {}): Promise<LoadedDataset> {
  const loaded = await loadDataset(spec, { ...options, searchDirs: datasetSearchDirs() });
  for (const warning of loaded.warnings ?? []) process.stderr.write(`fovea: warning: ${warning}\n`);
  return loaded;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `spec` names an existing file or directory (a model.json, a model zip or a model directory). */
export async function pathExists(spec: string): Promise<boolean> {
  return (await isFile(spec)) || (await isDirectory(spec));
}

/** What a model path may be, for error messages. */
const MODEL_PATH_FORMS = `a model directory, its ${MODEL_JSON_FILE}, or a .zip of a model directory`;

function isZipPath(spec: string): boolean {
  return spec.toLowerCase().endsWith('.zip');
}

/** A saved model: its directory, its model.json, or the directory zipped (a `.zip` file). */
export async function openModelDir(spec: string): Promise<Network> {
  if (await isFile(spec)) {
    if (isZipPath(spec)) return openModelZip(spec);
    // loadModel reads <dir>/model.json, so any other file name would silently load a different file.
    if (path.basename(spec) !== MODEL_JSON_FILE) {
      throw new ArgumentError(`expected a model directory or its ${MODEL_JSON_FILE}, found the file ${spec}; a zipped model directory must have a name ending in .zip`);
    }
    return loadModel(path.dirname(spec));
  }
  if (await isDirectory(spec)) return loadModel(spec);
  if (isZipPath(spec)) throw new NotFoundError(`model zip not found: ${spec}`);
  throw new NotFoundError(`model directory not found: ${spec} (expected ${MODEL_PATH_FORMS})`);
}

async function openModelZip(spec: string): Promise<Network> {
  const { size } = await fs.stat(spec);
  if (size > DEFAULT_MAX_ZIP_BYTES) {
    throw new ResourceError(`${spec}: refusing to read a model zip of ${size} bytes, more than the limit of ${DEFAULT_MAX_ZIP_BYTES}`);
  }
  return modelFromZip(await getPlatform().readFile(spec), spec);
}

/**
 * `--model`: a zoo name (fresh weights from `seed`), a layer list file (`*.txt`, one layer per
 * line, as the web app's editor; fresh weights), or a saved model (its directory, its model.json
 * or its zip), whose weights training continues from.
 */
export async function openModelSpec(spec: string, options: { inputShape: number[]; numClasses: number; seed: number }): Promise<Network> {
  if (zooNames().includes(spec)) {
    if (await pathExists(spec)) {
      process.stderr.write(`fovea: warning: '${spec}' is a zoo model name, so this starts a fresh ${spec}; to continue from the saved model in the folder '${spec}', pass it as ./${spec}\n`);
    }
    return createZooModel(spec, options);
  }
  if (spec.endsWith('.txt')) {
    if (!(await pathExists(spec))) throw new NotFoundError(`layer list file not found: ${spec}`);
    const text = new TextDecoder().decode(await getPlatform().readFile(spec));
    return sequentialFromLayerList(text, options.inputShape, { seed: options.seed, name: path.basename(spec, '.txt') });
  }
  if (await pathExists(spec)) return openModelDir(spec);
  throw new UnknownNameError('model', spec, [...zooNames(), `a layer list file (*.txt)`, `or the path of ${MODEL_PATH_FORMS}`]);
}
