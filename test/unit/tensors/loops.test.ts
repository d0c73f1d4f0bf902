// Cycles in what the readers follow: a sharded index that names itself, two indexes naming
// each other, symlinked folders that contain themselves. Each is a one-line error naming the
// file, never a hang; the real shards and folders around them still read NumPy's values.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../../src/core/tensors';
import { REPO_ROOT, pythonJson } from '../../helpers/python';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'loops-'));
// a real shard written by NumPy's bytes: w = arange(6) * 0.5, float32 [2, 3]
const shard = join(tmp, 'model-00001-of-00001.safetensors');
const values = pythonJson<number[]>(
  `
import json, sys, numpy as np
from st_write import write_safetensors
w = (np.arange(6, dtype=np.float32) * 0.5).reshape(2, 3)
write_safetensors(sys.argv[1], {"w": w})
print(json.dumps(w.ravel().tolist()))`,
  [shard],
);
import { ensureBuilt } from '../../helpers/cli';

function inspect(path: string): { code: number | null; stderr: string } {
  // the timeout only keeps a regression from hanging the suite
  const r = spawnSync(process.execPath, [CLI, 'inspect', path], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stderr: r.stderr };
}

before(() => {
  ensureBuilt();
});

test("a sharded index that names itself is a one-line error naming it (the issue's repro)", async () => {
  const p = join(tmp, 'm.safetensors');
  writeFileSync(p, '{"weight_map":{"a":"m.safetensors"}}');
  await assert.rejects(
    T.openTensors(p),
    (e: unknown) => e instanceof T.BadIndex && (e as Error).message.includes(p) && /lists itself as a shard/.test((e as Error).message),
  );
  const r = inspect(p);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /m\.safetensors: lists itself as a shard/);
});

test('two indexes naming each other (also through a symlink) are a cycle error', async () => {
  const a = join(tmp, 'a.safetensors.index.json');
  const b = join(tmp, 'b.safetensors.index.json');
  writeFileSync(a, JSON.stringify({ weight_map: { w: 'model-00001-of-00001.safetensors', x: 'b.safetensors.index.json' } }));
  writeFileSync(b, JSON.stringify({ weight_map: { y: 'c.safetensors' } }));
  symlinkSync('a.safetensors.index.json', join(tmp, 'c.safetensors'));
  await assert.rejects(
    T.openTensors(a),
    (e: unknown) =>
      e instanceof T.BadIndex &&
      /in a cycle \("a\.safetensors\.index\.json" → "b\.safetensors\.index\.json" → "a\.safetensors\.index\.json"\)/.test(
        (e as Error).message,
      ),
  );
  const r = inspect(b);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /in a cycle/);
});

test("a correct index over a symlinked shard still reads NumPy's values", async () => {
  const dir = join(tmp, 'ok');
  mkdirSync(dir);
  symlinkSync(shard, join(dir, 'model-00001-of-00001.safetensors'));
  const ix = join(dir, 'model.safetensors.index.json');
  writeFileSync(ix, JSON.stringify({ weight_map: { w: 'model-00001-of-00001.safetensors' } }));
  const src = await T.openTensors(ix);
  assert.deepEqual([...(await src.read('w'))], values);
  await src.close();
});

test('symlink loops in a folder (30 self-links, a link to ..) are refused, naming the link', async () => {
  const dir = join(tmp, 'capture');
  mkdirSync(dir);
  symlinkSync(shard, join(dir, 'w.safetensors'));
  for (let i = 0; i < 30; i++) symlinkSync('.', join(dir, `self${String(i).padStart(2, '0')}`));
  await assert.rejects(
    T.openTensors(dir),
    (e: unknown) =>
      e instanceof T.FileNotReadable && (e as Error).message.includes(join(dir, 'self00')) && /symlink loop/.test((e as Error).message),
  );
  const up = join(tmp, 'up');
  mkdirSync(join(up, 'sub'), { recursive: true });
  symlinkSync('../..', join(up, 'sub', 'parent'));
  const r = inspect(up);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /sub\/parent: symlink loop/);
});

test('a symlinked folder that is no loop is still read (names as the link)', async () => {
  const dir = join(tmp, 'linked');
  const real = join(tmp, 'real_vae');
  mkdirSync(dir);
  mkdirSync(real);
  symlinkSync(shard, join(real, 'w.safetensors'));
  symlinkSync(real, join(dir, 'vae'));
  const src = await T.openTensors(dir);
  assert.deepEqual(
    src.list().map((t) => t.name),
    ['vae/w'],
  );
  assert.deepEqual([...(await src.read('vae/w'))], values);
  await src.close();
});
