import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodePlatform } from '../../src/platform/node.js';
import { setPlatform } from '../../src/platform/platform.js';
import type { Platform } from '../../src/platform/platform.js';
import { readModelFile, writeModelDirectory } from '../../src/io/model-dir.js';
import { ArgumentError, NotFoundError } from '../../src/errors.js';

async function withTempParent(body: (parent: string) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), 'fovea-model-dir-'));
  try {
    await body(parent);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

/** Runs `body` with some platform methods replaced, restoring the real platform afterwards. */
async function withPlatform(overrides: Partial<Platform>, body: () => Promise<void>): Promise<void> {
  setPlatform({ ...nodePlatform, ...overrides });
  try {
    await body();
  } finally {
    setPlatform(nodePlatform);
  }
}

async function makeOldModel(dir: string): Promise<void> {
  await mkdir(dir);
  await writeFile(join(dir, 'model.json'), '{"version":1}');
  await writeFile(join(dir, 'weights.safetensors'), 'old weights');
}

async function assertOldModelIntact(parent: string, dir: string): Promise<void> {
  assert.deepEqual(await readdir(parent), ['model']);
  assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.safetensors']);
  assert.equal(await readFile(join(dir, 'model.json'), 'utf8'), '{"version":1}');
  assert.equal(await readFile(join(dir, 'weights.safetensors'), 'utf8'), 'old weights');
}

test('writes a new model directory with string and binary files and leaves no temp dir', async () => {
  await withTempParent(async (parent) => {
    const dir = join(parent, 'nested', 'model');
    await writeModelDirectory(dir, { 'model.json': '{"name":"ü"}', 'weights.safetensors': new Uint8Array([0, 1, 255]) });
    assert.deepEqual(await readdir(join(parent, 'nested')), ['model']);
    assert.equal(await readFile(join(dir, 'model.json'), 'utf8'), '{"name":"ü"}');
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'weights.safetensors'))), new Uint8Array([0, 1, 255]));
  });
});

test('overwrites an existing model directory completely, removing stale files and the old copy', async () => {
  await withTempParent(async (parent) => {
    const dir = join(parent, 'model');
    await makeOldModel(dir);
    await writeModelDirectory(`${dir}/`, { 'model.json': '{"version":2}', 'classes.txt': 'cat\ndog\n' });
    assert.deepEqual(await readdir(parent), ['model']);
    assert.deepEqual((await readdir(dir)).sort(), ['classes.txt', 'model.json']);
    assert.equal(await readFile(join(dir, 'model.json'), 'utf8'), '{"version":2}');
  });
});

test('a write failing midway leaves the old model intact and no temp dir behind', async () => {
  await withTempParent(async (parent) => {
    const dir = join(parent, 'model');
    await makeOldModel(dir);
    let writes = 0;
    const failingWrite: Platform['writeFileSynced'] = async (path, data) => {
      if (++writes === 2) throw new Error('disk full');
      await nodePlatform.writeFileSynced(path, data);
    };
    await withPlatform({ writeFileSynced: failingWrite }, async () => {
      await assert.rejects(writeModelDirectory(dir, { 'model.json': 'new', 'weights.safetensors': 'new' }), /disk full/);
    });
    await assertOldModelIntact(parent, dir);
  });
});

test('a failure renaming the new dir into place restores the old model and removes the temp dir', async () => {
  await withTempParent(async (parent) => {
    const dir = join(parent, 'model');
    await makeOldModel(dir);
    const failingRename: Platform['rename'] = async (from, to) => {
      if (from.includes('.tmp-')) throw new Error('rename refused');
      await nodePlatform.rename(from, to);
    };
    await withPlatform({ rename: failingRename }, async () => {
      await assert.rejects(writeModelDirectory(dir, { 'model.json': 'new' }), /rename refused/);
    });
    await assertOldModelIntact(parent, dir);
  });
});

test('a failed write of a new model creates no directory at all', async () => {
  await withTempParent(async (parent) => {
    const failingWrite: Platform['writeFileSynced'] = async () => {
      throw new Error('disk full');
    };
    await withPlatform({ writeFileSynced: failingWrite }, async () => {
      await assert.rejects(writeModelDirectory(join(parent, 'model'), { 'model.json': 'x' }), /disk full/);
    });
    assert.deepEqual(await readdir(parent), []);
  });
});

test('rejects file names with path separators before writing anything', async () => {
  await withTempParent(async (parent) => {
    for (const name of ['../escape', 'a/b', '..', '']) {
      await assert.rejects(writeModelDirectory(join(parent, 'model'), { [name]: 'x' }), ArgumentError);
    }
    assert.deepEqual(await readdir(parent), []);
  });
});

test('readModelFile returns the bytes of a file in the model directory', async () => {
  await withTempParent(async (parent) => {
    const dir = join(parent, 'model');
    await makeOldModel(dir);
    assert.equal(new TextDecoder().decode(await readModelFile(dir, 'model.json')), '{"version":1}');
  });
});

test('readModelFile names the directory, the missing file and what the directory holds', async () => {
  await withTempParent(async (parent) => {
    const dir = join(parent, 'model');
    await makeOldModel(dir);
    await assert.rejects(readModelFile(dir, 'classes.txt'), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.match(e.message, /model directory '.*model' has no file 'classes.txt'; it holds: model.json, weights.safetensors/);
      return true;
    });
  });
});

test('readModelFile reports a missing model directory and points at a leftover old copy', async () => {
  await withTempParent(async (parent) => {
    const dir = join(parent, 'model');
    await assert.rejects(readModelFile(dir, 'model.json'), /model directory '.*model' does not exist$/);
    await mkdir(join(parent, 'model.old-123-abc'));
    await assert.rejects(readModelFile(dir, 'model.json'), /does not exist; an interrupted write left the previous version at '.*model\.old-123-abc'/);
  });
});
