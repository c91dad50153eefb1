import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadDataset, type LoadedDataset } from '../data/index.js';
import { loadModel } from '../io/index.js';
import { createZooModel, zooNames } from '../models/index.js';
import type { Sequential } from '../nn/index.js';
import { NotFoundError, UnknownNameError } from '../errors.js';

/** Directories named by $FOVEA_DATA (colon-separated) are searched for datasets first. */
export function datasetSearchDirs(): string[] {
  return (process.env.FOVEA_DATA ?? '').split(path.delimiter).filter((d) => d.length > 0);
}

export function openDataset(spec: string): Promise<LoadedDataset> {
  return loadDataset(spec, { searchDirs: datasetSearchDirs() });
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

/** A saved model directory, or the directory of a model.json path. */
export async function openModelDir(spec: string): Promise<Sequential> {
  if (await isFile(spec)) return loadModel(path.dirname(spec));
  if (await isDirectory(spec)) return loadModel(spec);
  throw new NotFoundError(`model directory not found: ${spec}`);
}

/**
 * `--model`: a zoo name (fresh weights from `seed`) or a saved model (its directory or its
 * model.json), whose weights training continues from.
 */
export async function openModelSpec(spec: string, options: { inputShape: number[]; numClasses: number; seed: number }): Promise<Sequential> {
  if (zooNames().includes(spec)) return createZooModel(spec, options);
  if ((await isFile(spec)) || (await isDirectory(spec))) return openModelDir(spec);
  throw new UnknownNameError('model', spec, [...zooNames(), 'or the path of a saved model directory or model.json']);
}
