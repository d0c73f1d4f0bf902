import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { addedLines, checkMilestone, commitMilestone, MilestoneRefused } from '../../../src/core/mflux/milestone';
import { buildMfluxTree, git, initRepo, tempDir, write, Z_IMAGE } from './fixtures';

function repo(): string {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  write(root, 'src/mflux/models/z_image/model/vae.py', 'import mlx.core as mx\n\n\ndef decode(x):\n    return x\n');
  initRepo(root);
  return root;
}

test('diff parsing gives new-file line numbers of added lines', () => {
  const diff = [
    'diff --git a/a.py b/a.py',
    '--- a/a.py',
    '+++ b/a.py',
    '@@ -2,0 +3,2 @@',
    '+x = 1',
    '+y = 2',
    '@@ -9 +11 @@',
    '-old',
    '+new',
    'diff --git a/gone.py b/gone.py',
    '--- a/gone.py',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-z',
  ].join('\n');
  const m = addedLines(diff);
  assert.deepEqual([...m.get('a.py')!], [3, 4, 11]);
  assert.equal(m.has('gone.py'), false);
});

test('commit milestone commits tracked changes (staged and unstaged) and returns the sha', async () => {
  const root = repo();
  appendFileSync(join(root, 'src/mflux/models/z_image/model/vae.py'), '\n\ndef encode(x):\n    return x\n');
  writeFileSync(join(root, 'src/mflux/models/z_image/README.md'), '# ZImage\n\nUpdated.\n');
  git(root, 'add', 'src/mflux/models/z_image/README.md');
  write(root, 'scratch.txt', 'untracked, stays out\n');
  const r = await commitMilestone(root, '  VAE done ');
  assert.equal(r.message, 'VAE done');
  assert.equal(r.sha, git(root, 'rev-parse', 'HEAD'));
  assert.equal(git(root, 'log', '-1', '--format=%s'), 'VAE done');
  assert.deepEqual(git(root, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort(), [
    'src/mflux/models/z_image/README.md',
    'src/mflux/models/z_image/model/vae.py',
  ]);
  assert.equal(git(root, 'status', '--porcelain'), '?? scratch.txt');
  await assert.rejects(commitMilestone(root, 'again'), /no tracked changes/);
  await assert.rejects(commitMilestone(root, '   '), /needs a message/);
});

test('commit milestone refuses probe calls and dumps in the change, naming file:line, and commits nothing', async () => {
  const root = repo();
  const head = git(root, 'rev-parse', 'HEAD');
  // Pre-existing debug code in unchanged lines is not this milestone's business.
  write(
    root,
    'src/mflux/models/z_image/model/vae.py',
    [
      'import mlx.core as mx',
      'from mflux_port_probe import dump',
      '',
      '',
      'def decode(x):',
      '    dump("vae.out", x)',
      '    mx.save("x.npy", x)',
      '    # np.save("fine.npy", x) in a comment',
      '    return x',
      '',
    ].join('\n'),
  );
  write(root, 'runner.py', 'import torch\ntorch.save({}, "x.pt")\n');
  git(root, 'add', 'runner.py');
  write(root, 'weights.safetensors', 'x');
  git(root, 'add', 'weights.safetensors');
  await assert.rejects(commitMilestone(root, 'VAE done'), (e: unknown) => {
    assert.ok(e instanceof MilestoneRefused);
    const lines = e.message.split('\n').slice(1);
    assert.deepEqual(lines.map((l) => l.split(': ')[0]).sort(), [
      'runner.py:2:1',
      'src/mflux/models/z_image/model/vae.py:2:1',
      'src/mflux/models/z_image/model/vae.py:6:5',
      'src/mflux/models/z_image/model/vae.py:7:5',
      'weights.safetensors:1:1',
    ]);
    assert.match(e.message, /vae\.py:7:5: MLX tensor dump/);
    return true;
  });
  assert.equal(git(root, 'rev-parse', 'HEAD'), head, 'nothing was committed');
  const check = await checkMilestone(root, {
    disabledRules: ['tensor-file', 'np-save', 'mx-save', 'torch-save', 'probe-import', 'probe-call'],
  });
  assert.equal(check.findings.length, 0, 'disabled rules do not block');
});

test('commit milestone reports a folder that is not a git repo in one line', async () => {
  const dir = tempDir();
  await assert.rejects(
    commitMilestone(dir, 'VAE done'),
    (e: Error) => /git rev-parse failed in .*not a git repository/i.test(e.message) && !e.message.includes('\n'),
  );
});
