import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findReferenceRepos, pickMfluxRepo } from '../../../src/core/checklist/repos';
import { tempDir } from './helpers/tmp';

function tree(): string {
  const root = tempDir('mfp-repos-');
  mkdirSync(join(root, 'mflux', 'src', 'mflux'), { recursive: true });
  mkdirSync(join(root, 'diffusers', 'src', 'diffusers'), { recursive: true });
  mkdirSync(join(root, 'a-fork', 'src', 'diffusers'), { recursive: true });
  mkdirSync(join(root, 'notes', 'src'), { recursive: true });
  return root;
}

test('the mflux repo is the folder with src/mflux, else the first folder', async () => {
  const root = tree();
  assert.equal(await pickMfluxRepo([join(root, 'diffusers'), join(root, 'mflux')]), join(root, 'mflux'));
  assert.equal(await pickMfluxRepo([join(root, 'notes'), join(root, 'diffusers')]), join(root, 'notes'));
  assert.equal(await pickMfluxRepo([]), undefined);
});

test('reference candidates: workspace folders first, then siblings with "diffusers" first, each once', async () => {
  const root = tree();
  const elsewhere = tempDir('mfp-ref-');
  mkdirSync(join(elsewhere, 'src', 'diffusers'), { recursive: true });
  const mflux = join(root, 'mflux');
  assert.deepEqual(await findReferenceRepos(mflux, [mflux, elsewhere, join(root, 'diffusers')]), [
    elsewhere,
    join(root, 'diffusers'),
    join(root, 'a-fork'),
  ]);
  assert.deepEqual(await findReferenceRepos(mflux, [mflux]), [join(root, 'diffusers'), join(root, 'a-fork')]);
});
