/**
 * A model directory (model.json + weights.safetensors + …) is written as a whole or not at all:
 * the files go into a sibling temp directory, are flushed, and the directory is then renamed into
 * place. At every moment `dir` holds either the complete old model or the complete new one.
 */
import { ArgumentError, NotFoundError } from '../errors.js';
import { getPlatform } from '../platform/platform.js';

export type ModelFiles = Record<string, Uint8Array | string>;

export async function writeModelDirectory(dir: string, files: ModelFiles): Promise<void> {
  const platform = getPlatform();
  const target = withoutTrailingSeparator(dir);
  for (const name of Object.keys(files)) checkFileName(name);
  if ((await platform.exists(target)) && !(await platform.isDirectory(target))) {
    throw new ArgumentError(`cannot write a model directory at '${target}': a file of that name exists`);
  }

  const temp = `${target}.tmp-${uniqueSuffix()}`;
  try {
    await platform.makeDir(temp);
    for (const [name, content] of Object.entries(files)) {
      await platform.writeFileSynced(platform.joinPath(temp, name), content);
    }
    await platform.syncDir(temp);
    await moveIntoPlace(temp, target);
  } catch (e) {
    await platform.removeDir(temp).catch(() => undefined);
    throw e;
  }
}

async function moveIntoPlace(temp: string, target: string): Promise<void> {
  const platform = getPlatform();
  const parent = platform.joinPath(target, '..');
  if (!(await platform.exists(target))) {
    await platform.rename(temp, target);
    await platform.syncDir(parent);
    return;
  }
  const old = `${target}.old-${uniqueSuffix()}`;
  await platform.rename(target, old);
  try {
    await platform.rename(temp, target);
  } catch (e) {
    await platform.rename(old, target).catch((restoreError: Error) => {
      throw new Error(`could not move the new model into '${target}' (${(e as Error).message}) nor restore the previous one, which is at '${old}' (${restoreError.message})`);
    });
    throw e;
  }
  await platform.syncDir(parent);
  // The new model is in place; an old copy that cannot be deleted only wastes space.
  await platform.removeDir(old).catch(() => undefined);
}

/** Reads one file of a model directory; a missing file is reported with what the directory holds. */
export async function readModelFile(dir: string, name: string): Promise<Uint8Array> {
  const platform = getPlatform();
  // Over HTTP (the browser) a folder cannot be asked about: read the file, whose error names its URL.
  if (!platform.hasDirectories) return platform.readFile(platform.joinPath(dir, name));
  if (!(await platform.isDirectory(dir))) {
    const what = (await platform.exists(dir)) ? 'is a file, not a directory' : 'does not exist';
    throw new NotFoundError(`model directory '${dir}' ${what}${await interruptedWriteHint(dir)}`);
  }
  const path = platform.joinPath(dir, name);
  if (!(await platform.exists(path))) {
    const held = await platform.listDir(dir);
    throw new NotFoundError(`model directory '${dir}' has no file '${name}'; it holds: ${held.length === 0 ? '(nothing)' : held.length > 12 ? `${held.slice(0, 12).join(', ')} and ${held.length - 12} more` : held.join(', ')}`);
  }
  return platform.readFile(path);
}

/** A crash between the two renames of an overwrite leaves the previous model at `<dir>.old-*`. */
async function interruptedWriteHint(dir: string): Promise<string> {
  const platform = getPlatform();
  const target = withoutTrailingSeparator(dir);
  const base = target.split(/[\\/]/).pop() ?? target;
  const parent = platform.joinPath(target, '..');
  if (!(await platform.isDirectory(parent))) return '';
  const leftovers = (await platform.listDir(parent)).filter((n) => n.startsWith(`${base}.old-`));
  if (leftovers.length === 0) return '';
  return `; an interrupted write left the previous version at '${platform.joinPath(parent, leftovers[0])}'`;
}

function checkFileName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[\\/\0]/.test(name)) {
    throw new ArgumentError(`model file name '${name}' must be a plain file name (no path separators)`);
  }
}

function withoutTrailingSeparator(dir: string): string {
  const trimmed = dir.replace(/[\\/]+$/, '');
  if (trimmed === '') throw new ArgumentError(`'${dir}' cannot be a model directory`);
  return trimmed;
}

function uniqueSuffix(): string {
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  return `${pid}-${Math.random().toString(36).slice(2, 10)}`;
}
