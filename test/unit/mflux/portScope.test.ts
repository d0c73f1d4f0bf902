import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { portScope, scanPort } from '../../../src/core/mflux/portScope';
import { buildMfluxTree, git, initRepo, tempDir, write, Z_IMAGE } from './fixtures';

const rel = (root: string, fs: readonly { file: string; line: number; ruleId: string }[]) =>
  fs.map((f) => `${f.file.slice(root.length + 1)}:${f.line}:${f.ruleId}`).sort();

// Conventions of a finished port, in our own words: a training adapter whose save_lora_adapter
// writes safetensors, a tracked asset the code loads by name, and a dump already on the base.
function finishedPort(): string {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  write(
    root,
    'src/mflux/models/z_image/training/adapter.py',
    [
      'import mlx.core as mx',
      '',
      '',
      'class ZImageTrainingAdapter:',
      '    def save_lora_adapter(self, path, weights):',
      '        mx.save_safetensors(str(path), weights)',
      '',
    ].join('\n'),
  );
  write(root, 'src/mflux/models/z_image/model/embeddings/rope_table.safetensors', 'x');
  write(
    root,
    'src/mflux/models/z_image/model/embeddings/rope.py',
    'import mlx.core as mx\n\n\ndef table(d):\n    return mx.load(str(d / "rope_table.safetensors"))\n',
  );
  write(root, 'src/mflux/models/z_image/model/vae.py', 'import numpy as np\n\n\ndef decode(x):\n    np.save("old.npy", x)\n    return x\n');
  initRepo(root);
  return root;
}

test('a finished port on its base: only what the port adds after the base is a leftover', async () => {
  const root = finishedPort();
  const base = git(root, 'rev-parse', 'HEAD');
  git(root, 'checkout', '-q', '-b', 'port');
  // Without a scope the dump already on the base is reported; the saver and the asset never are.
  assert.deepEqual(rel(root, (await scanPort(root, { model: 'z_image', useGit: false })).findings), [
    'src/mflux/models/z_image/model/vae.py:5:np-save',
  ]);
  // The branch commits one more dump in the same file, then leaves a new untracked dump script and a tensor file.
  write(
    root,
    'src/mflux/models/z_image/model/vae.py',
    'import numpy as np\n\n\ndef decode(x):\n    np.save("old.npy", x)\n    np.save("new.npy", x)\n    return x\n',
  );
  git(root, 'commit', '-q', '-am', 'VAE done');
  write(
    root,
    'src/mflux/models/z_image/model/extra.py',
    'import torch\ntorch.save({}, "a.pt")\nx = 1  # mflux-port: allow torch-save\ntorch.save({}, "b.pt")  # mflux-port: allow torch-save\n',
  );
  write(root, 'src/mflux/models/z_image/latents.npy', 'x');
  const recorded = await scanPort(root, { model: 'z_image', baseCommit: base });
  assert.match(recorded.how, new RegExp(`base commit ${base.slice(0, 10)}`));
  assert.deepEqual(rel(root, recorded.findings), [
    'src/mflux/models/z_image/latents.npy:1:tensor-file',
    'src/mflux/models/z_image/model/extra.py:2:torch-save',
    'src/mflux/models/z_image/model/vae.py:6:np-save',
  ]);
  // No recorded base: the merge-base with main gives the same answer.
  const fallback = await scanPort(root, { model: 'z_image' });
  assert.match(fallback.how, /merge-base .* with main/);
  assert.deepEqual(rel(root, fallback.findings), rel(root, recorded.findings));
  // The base recorded in .mflux-port/z_image.json is used when no base is passed.
  write(root, '.mflux-port/z_image.json', JSON.stringify({ schema: 1, model: 'z_image', baseCommit: base, items: {} }));
  assert.match((await scanPort(root, { model: 'z_image' })).how, /port's base commit/);
  // The changed lines agree with git's own numstat count of added lines.
  const { scope } = await portScope(root, base);
  const numstat = spawnSync('git', ['diff', '--numstat', base, '--', 'src/mflux/models/z_image/model/vae.py'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout.split('\t')[0];
  assert.equal(scope!.added.get('src/mflux/models/z_image/model/vae.py')!.size, Number(numstat));
  void join;
});

test('on the default branch with no recorded base every line counts; a missing base is said', async () => {
  const root = finishedPort();
  const r = await portScope(root);
  assert.equal(r.scope, undefined);
  assert.match(r.how, /every line counts/);
  const m = await portScope(root, 'deadbeefdeadbeef');
  assert.match(m.how, /recorded base deadbeefde is not in this repository/);
  assert.deepEqual(rel(root, (await scanPort(root, { model: 'z_image' })).findings), ['src/mflux/models/z_image/model/vae.py:5:np-save']);
});
