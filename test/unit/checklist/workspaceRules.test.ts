// The rules on the shared fixture workspace (a realistic fake mflux tree, real git repos):
// a fully wired model passes every rule, a half-wired one fails exactly the surfaces it lacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {} from 'node:fs';
import { join } from 'node:path';
import { halfWired, makeWorkspace } from '../../fixtures/workspace';
import { BUILTIN_RULES, runRule } from '../../../src/core/checklist/rules';
import { tempDir } from './helpers/tmp';

const ws = makeWorkspace(join(tempDir('mfp-wsrules-'), 'ws'), { models: ['flux2', halfWired('z_image')] });

async function statuses(model: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rule of BUILTIN_RULES) out[rule.id] = (await runRule(rule, { mfluxRepo: ws.mflux, model })).status;
  return out;
}

test('a fully wired model passes every rule but the callbacks one (the fixture CLI is a stub)', async () => {
  const s = await statuses('flux2');
  assert.deepEqual(
    Object.entries(s).filter(([, v]) => v !== 'pass'),
    [['cliCallbacks', 'fail']],
  );
});

test('the finalize audit names exactly the missing surfaces', async () => {
  const rule = BUILTIN_RULES.find((r) => r.id === 'finalizeAudit')!;
  const r = await runRule(rule, { mfluxRepo: ws.mflux, model: 'z_image' });
  assert.equal(r.status, 'fail');
  const missing = r.reason
    .replace(/^Missing or wrong: /, '')
    .replace(/\.$/, '')
    .split('; ');
  const titles = (ids: string[]) => ids.map((id) => BUILTIN_RULES.find((x) => x.id === id)!.title);
  assert.deepEqual(
    missing,
    titles(['pyprojectScript', 'modelConfig', 'cliDefaults', 'saveRouting', 'mainReadme', 'modelReadme', 'goldenTest', 'referenceImage']),
  );
});

test('a half-wired model passes its package and weight rules and fails every integration surface', async () => {
  const s = await statuses('z_image');
  const passing = Object.keys(s)
    .filter((k) => s[k] === 'pass')
    .sort();
  assert.deepEqual(passing, ['debugArtifacts', 'packageLayout', 'variantInitializer', 'weightDefinition', 'weightMapping']);
  for (const id of [
    'finalizeAudit',
    'cliCallbacks',
    'pyprojectScript',
    'modelConfig',
    'goldenTest',
    'referenceImage',
    'cliDefaults',
    'saveRouting',
    'modelReadme',
    'mainReadme',
  ])
    assert.equal(s[id], 'fail', id);
});
