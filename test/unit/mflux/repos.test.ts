import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectRepos, findReferenceRepos, isMfluxRepo, pickMfluxRepo, projectName } from '../../../src/core/mflux/repos';
import { buildMfluxTree, tempDir, write, Z_IMAGE } from './fixtures';

function diffusers(dir: string): string {
  mkdirSync(join(dir, 'src/diffusers/pipelines'), { recursive: true });
  write(dir, 'setup.py', 'setup(\n    name="diffusers",\n)\n');
  return dir;
}

test('detects mflux by pyproject name + src/mflux/models, and diffusers next to it', () => {
  const parent = tempDir();
  const mflux = buildMfluxTree(join(parent, 'mflux'), [Z_IMAGE]);
  const ref = diffusers(join(parent, 'diffusers'));
  diffusers(join(parent, 'diffusers-fork'));
  write(parent, 'other/pyproject.toml', '[project]\nname = "other"\n');
  mkdirSync(join(parent, 'other/src/mflux/models'), { recursive: true });
  assert.equal(isMfluxRepo(join(parent, 'other')), false, 'a folder layout alone is not enough');
  const d = detectRepos([mflux]);
  assert.deepEqual(d.mflux, [mflux]);
  assert.deepEqual(d.reference, [ref, join(parent, 'diffusers-fork')], 'the plain "diffusers" clone first');
  assert.deepEqual(d.notes, ['2 diffusers clones found; pick the reference.']);
});

test('workspace opened on the parent folder, or on diffusers only; nothing found', () => {
  const parent = tempDir();
  const a = buildMfluxTree(join(parent, 'mflux'), []);
  const b = buildMfluxTree(join(parent, 'mflux-wt'), []);
  const d = detectRepos([join(parent, 'diffusers-missing'), a, b]);
  assert.deepEqual(d.mflux, [a, b]);
  assert.match(d.notes.join(' '), /2 mflux clones found/);
  const ref = diffusers(join(parent, 'diffusers'));
  const fromRef = detectRepos([ref]);
  assert.deepEqual(fromRef.mflux, [a, b], 'siblings of the opened folder');
  const lonely = join(tempDir(), 'only');
  mkdirSync(lonely);
  assert.deepEqual(detectRepos([lonely]).notes, [
    'No mflux clone found: open the folder whose pyproject.toml names the project "mflux".',
    'No diffusers clone found in the workspace or next to the mflux clone.',
  ]);
  assert.equal(projectName('[tool.x]\nname = "no"\n[project]\n# c\nname = "mflux"\n'), 'mflux');
});

test('Start Port: the mflux repo is the workspace folder that is a clone, else the first folder', () => {
  const parent = tempDir();
  const mflux = buildMfluxTree(join(parent, 'mflux'), []);
  const ref = diffusers(join(parent, 'diffusers'));
  const notes = join(parent, 'notes');
  mkdirSync(join(notes, 'src/mflux'), { recursive: true }); // a layout without pyproject.toml is not a clone
  assert.equal(pickMfluxRepo([ref, mflux]), mflux);
  assert.equal(pickMfluxRepo([notes, ref]), notes);
  assert.equal(pickMfluxRepo([]), undefined);
});

test('reference candidates: workspace folders first, then siblings with "diffusers" first, each once', () => {
  const parent = tempDir();
  const mflux = buildMfluxTree(join(parent, 'mflux'), []);
  const ref = diffusers(join(parent, 'diffusers'));
  const fork = diffusers(join(parent, 'a-fork'));
  mkdirSync(join(parent, 'notes/src'), { recursive: true });
  const elsewhere = diffusers(join(tempDir(), 'elsewhere'));
  assert.deepEqual(findReferenceRepos([mflux], [mflux, elsewhere, ref]), [elsewhere, ref, fork]);
  assert.deepEqual(findReferenceRepos([mflux], [mflux]), [ref, fork]);
  assert.deepEqual(detectRepos([mflux]).reference, [ref, fork], 'Start Port and the mflux tools agree');
});
