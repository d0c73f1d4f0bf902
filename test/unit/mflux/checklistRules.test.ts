import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuleRegistry, runRule } from '../../../src/core/checklist/rules';
import { finalizeAuditRule, withHygiene } from '../../../src/core/mflux/checklistRules';
import { ALL_SURFACES, buildMfluxTree, initRepo, tempDir, write, Z_IMAGE } from './fixtures';

test('the debug-artifacts rule stays failing while probe calls remain, and passes once clean', async () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  initRepo(root);
  const registry = new RuleRegistry();
  registry.add(withHygiene(registry.get('debugArtifacts')));
  const rule = registry.get('debugArtifacts')!;
  const ctx = { mfluxRepo: root, model: 'z_image' };
  assert.equal((await runRule(rule, ctx)).status, 'pass');
  const file = write(
    root,
    'src/mflux/models/z_image/model/vae.py',
    'import numpy as np\n\n\ndef f(x):\n    np.save("x.npy", x)\n    return x\n',
  );
  const r = await runRule(rule, ctx);
  assert.equal(r.status, 'fail');
  assert.deepEqual(
    r.evidence.map((e) => [e.file, e.line]),
    [[file, 5]],
  );
  assert.match(r.reason, /src\/mflux\/models\/z_image\/model\/vae\.py:5:5: NumPy tensor dump/);
  write(root, 'src/mflux/models/z_image/model/vae.py', 'def f(x):\n    return x\n');
  assert.equal((await runRule(rule, ctx)).status, 'pass');
});

test('finalize audit rule: fails naming the missing surfaces, passes when all are wired and clean', async () => {
  const half = {
    pkg: 'nova',
    cls: 'Nova',
    key: 'nova',
    aliases: ['nova'],
    surfaces: ALL_SURFACES.filter((s) => s !== 'save' && s !== 'readmeRow'),
  };
  const root = buildMfluxTree(tempDir(), [Z_IMAGE, half]);
  const rule = finalizeAuditRule();
  const r = await runRule(rule, { mfluxRepo: root, model: 'nova' });
  assert.equal(r.status, 'fail');
  assert.equal(r.reason, 'Missing: mflux-save routing (save.py), Main README model table row.');
  assert.equal((await runRule(rule, { mfluxRepo: root, model: 'z_image' })).status, 'pass');
});
