// Milestone commits on real git repos in temp folders: the port's new (untracked) package files
// are offered and staged, a refused milestone leaves the index as it was, the extension's
// runner scripts and allowlisted paths never block, and the milestone's open items are named.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { newPortState, setItemStatus } from '../../../src/core/checklist/state';
import { pathAllowed, scanRepo } from '../../../src/core/mflux/hygiene';
import { commitMilestone, MilestoneRefused } from '../../../src/core/mflux/milestone';
import { milestoneItemFor, newPackageFiles, openMilestoneItems } from '../../../src/core/mflux/milestonePlan';
import { buildMfluxTree, git, initRepo, tempDir, write, Z_IMAGE } from './fixtures';

const PKG = 'src/mflux/models/z_image';

function repo(): string {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  write(root, `${PKG}/model/vae.py`, 'import mlx.core as mx\n\n\ndef decode(x):\n    return x\n');
  initRepo(root);
  return root;
}

test('new package files are listed (not tensor files, not ignored ones) and committed with the milestone when staged', async () => {
  const root = repo();
  write(root, `${PKG}/model/z_image_vae/decoder.py`, 'def decode(x):\n    return x\n');
  write(root, `${PKG}/model/z_image_vae/__init__.py`, '');
  write(root, `${PKG}/model/z_image_vae/__pycache__/decoder.cpython-312.pyc`, 'x');
  write(root, `${PKG}/model/z_image_vae/latents.npy`, 'x');
  write(root, 'scratch.py', 'x = 1\n');
  writeFileSync(join(root, `${PKG}/model/vae.py`), 'import mlx.core as mx\n\n\ndef decode(x):\n    return x * 1\n');
  const found = await newPackageFiles(root, 'z_image');
  assert.deepEqual(found, [`${PKG}/model/z_image_vae/__init__.py`, `${PKG}/model/z_image_vae/decoder.py`]);

  const r = await commitMilestone(root, 'VAE done', {}, { stage: found });
  assert.deepEqual(git(root, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort(), [
    `${PKG}/model/vae.py`,
    `${PKG}/model/z_image_vae/__init__.py`,
    `${PKG}/model/z_image_vae/decoder.py`,
  ]);
  assert.deepEqual(r.files.slice().sort(), git(root, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort());
  // What was not picked stays untracked.
  assert.deepEqual(git(root, 'status', '--porcelain', '--untracked-files=all').split('\n').sort(), [
    '?? scratch.py',
    `?? ${PKG}/model/z_image_vae/latents.npy`,
  ]);
  assert.deepEqual(await newPackageFiles(root, 'z_image'), []);
  // Only new files of a milestone: nothing tracked changed, nothing staged, nothing to commit.
  await assert.rejects(commitMilestone(root, 'again', {}, { stage: [] }), /no tracked changes/);
});

test('a refused milestone unstages the files it staged and commits nothing', async () => {
  const root = repo();
  const head = git(root, 'rev-parse', 'HEAD');
  write(root, `${PKG}/model/decoder.py`, 'from mflux_port_probe import dump\n\n\ndef decode(x):\n    dump("x", x)\n    return x\n');
  await assert.rejects(commitMilestone(root, 'VAE done', {}, { stage: [`${PKG}/model/decoder.py`] }), (e: unknown) => {
    assert.ok(e instanceof MilestoneRefused);
    assert.deepEqual(
      e.findings.map((f) => [f.file.slice(root.length + 1), f.line, f.ruleId]),
      [
        [`${PKG}/model/decoder.py`, 1, 'probe-import'],
        [`${PKG}/model/decoder.py`, 5, 'probe-call'],
      ],
    );
    return true;
  });
  assert.equal(git(root, 'rev-parse', 'HEAD'), head);
  assert.equal(git(root, 'status', '--porcelain', '--untracked-files=all'), `?? ${PKG}/model/decoder.py`);
  // Paths that are not plain paths inside the repo are refused before git sees them.
  for (const bad of ['../outside.py', '/etc/passwd', '--all', ''])
    await assert.rejects(commitMilestone(root, 'VAE done', {}, { stage: [bad] }), /is not a path inside/);
  assert.equal(git(root, 'rev-parse', 'HEAD'), head);
});

test("the extension's runner scripts never block a milestone; allowlisted paths neither block nor show in hygiene", async () => {
  const root = repo();
  write(root, 'port_runners/run_z_image_mlx.py', 'from mflux_port_probe import dump\n');
  write(root, `${PKG}/tools/export_onnx.py`, 'import numpy as np\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'runners and tools');
  const head = git(root, 'rev-parse', 'HEAD');
  write(root, 'port_runners/run_z_image_mlx.py', 'from mflux_port_probe import dump\n\ndump("latents@step000", 1)\n');
  write(root, `${PKG}/tools/export_onnx.py`, 'import numpy as np\n\n\ndef write(x):\n    np.save("x.npy", x)\n');
  // Without the allowlist the tool's np.save blocks; the runner's dump does not.
  await assert.rejects(commitMilestone(root, 'VAE done'), (e: unknown) => {
    assert.ok(e instanceof MilestoneRefused);
    assert.deepEqual(
      e.findings.map((f) => `${f.file.slice(root.length + 1)}:${f.line}:${f.ruleId}`),
      [`${PKG}/tools/export_onnx.py:5:np-save`],
    );
    return true;
  });
  assert.equal(git(root, 'rev-parse', 'HEAD'), head);
  const allow = { allowPaths: [`${PKG}/tools/**`] };
  assert.deepEqual(
    scanRepo(root, { model: 'z_image' }).findings.map((f) => f.ruleId),
    ['np-save'],
  );
  assert.deepEqual(scanRepo(root, { model: 'z_image', config: allow }).findings, []);
  const r = await commitMilestone(root, 'VAE done', allow);
  assert.deepEqual(r.files.slice().sort(), ['port_runners/run_z_image_mlx.py', `${PKG}/tools/export_onnx.py`]);
});

test('allowPaths: plain paths cover files and folders, globs match within and across folders', () => {
  const cases: [string, string, boolean][] = [
    ['src/a/b.py', 'src/a', true],
    ['src/a/b.py', 'src/a/', true],
    ['src/a/b.py', './src/a/b.py', true],
    ['src/ab/c.py', 'src/a', false],
    ['src/a/b.py', 'src/*', true],
    ['src/a/b.py', 'src/*.py', false],
    ['src/b.py', 'src/*.py', true],
    ['src/a/b.py', 'src/**', true],
    ['src/a/b/c.py', 'src/**/c.py', true],
    ['src/c.py', 'src/**/c.py', true],
    ['src/xc.py', 'src/**/c.py', false],
    ['a/export_x.py', '**/export_*.py', true],
    ['export_x.py', '**/export_*.py', true],
    ['src/a1.py', 'src/a?.py', true],
    ['src/a12.py', 'src/a?.py', false],
    ['src/a/b.py', 'src\\a', true],
    ['src/a(1)/b.py', 'src/a(1)/*', true],
    ['src/a/b.py', '', false],
  ];
  for (const [rel, glob, want] of cases) assert.equal(pathAllowed(rel, [glob]), want, `${glob} vs ${rel}`);
});

test('open items of a milestone: its stretch of the phase, still to do or in progress', () => {
  let s = newPortState({ model: 'z_image', reference: 'r', mfluxRepo: '/x', notes: '' });
  s = setItemStatus(s, 'order.vaeDecode', 'done');
  s = setItemStatus(s, 'order.vaeJudge', 'skipped');
  assert.deepEqual(
    openMilestoneItems(s, 'order.milestoneVae').map((i) => i.id),
    ['order.vaeRoundtrip'],
  );
  assert.deepEqual(
    openMilestoneItems(s, 'order.milestoneTransformer').map((i) => i.id),
    ['order.transformer', 'order.scheduler'],
  );
  s = setItemStatus(s, 'order.textEncoder', 'in_progress');
  assert.deepEqual(
    openMilestoneItems(s, 'order.milestoneTextEncoder').map((i) => i.id),
    ['order.textEncoder'],
  );
  s = setItemStatus(s, 'order.vaeRoundtrip', 'done');
  assert.deepEqual(openMilestoneItems(s, 'order.milestoneVae'), []);
  assert.deepEqual(openMilestoneItems(s, 'scope.targets'), []);
  assert.equal(milestoneItemFor('Text encoder done'), 'order.milestoneTextEncoder');
  assert.equal(milestoneItemFor('refactor'), undefined);
});
