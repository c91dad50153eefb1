import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadDataset, type LoadDatasetOptions, type LoadedDataset } from '../data/index.js';
import { loadModel, MODEL_JSON_FILE } from '../io/index.js';
import { createZooModel, zooNames } from '../models/index.js';
import type { Network } from '../nn/index.js';
import { ArgumentError, NotFoundError, UnknownNameError } from '../errors.js';

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

/** Whether `spec` names an existing file or directory (a model.json or a model directory). */
export async function pathExists(spec: string): Promise<boolean> {
  return (await isFile(spec)) || (await isDirectory(spec));
}

/** A saved model directory, or the directory of a model.json path. */
export async function openModelDir(spec: string): Promise<Network> {
  if (await isFile(spec)) {
    // loadModel reads <dir>/model.json, so any other file name would silently load a different file.
    if (path.basename(spec) !== MODEL_JSON_FILE) {
      throw new ArgumentError(`expected a model directory or its ${MODEL_JSON_FILE}, found the file ${spec}`);
    }
    return loadModel(path.dirname(spec));
  }
  if (await isDirectory(spec)) return loadModel(spec);
  throw new NotFoundError(`model directory not found: ${spec}`);
}

/**
 * `--model`: a zoo name (fresh weights from `seed`) or a saved model (its directory or its
 * model.json), whose weights training continues from.
 */
export async function openModelSpec(spec: string, options: { inputShape: number[]; numClasses: number; seed: number }): Promise<Network> {
  if (zooNames().includes(spec)) return createZooModel(spec, options);
  if (await pathExists(spec)) return openModelDir(spec);
  throw new UnknownNameError('model', spec, [...zooNames(), 'or the path of a saved model directory or model.json']);
}
