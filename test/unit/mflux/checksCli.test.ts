// mflux-port checks, run as a process: the model × rule table over the layout fixtures (a
// depth estimator, an upscaler, a companion VLM, a half-done generator), --json, bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../helpers/python';
import { initRepo, tempDir } from './fixtures';
import { buildLayoutTree } from './layoutFixtures';

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), 'checks', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('checks: pass or n/a for the three layouts (exit 0), the failing rule of a half-done package (exit 1), bad input (exit 2)', () => {
  const root = buildLayoutTree(tempDir('mfp-checks-'));
  initRepo(root);
  const ok = cli([root, 'gauge', 'lift', 'muse_vlm']);
  assert.equal(ok.code, 0, ok.stderr);
  const rows = ok.stdout.trim().split('\n');
  assert.match(rows[0], /^model\s+packageLayout\s+variantInitializer\s/);
  assert.deepEqual(
    rows.slice(1).map((r) => r.split(/\s+/)),
    [
      ['gauge', 'pass', 'pass', 'pass', 'pass', 'pass', 'n/a', 'pass', 'pass', 'n/a', 'n/a', 'n/a', 'pass', 'pass', 'pass', 'pass'],
      ['lift', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'n/a', 'n/a', 'pass', 'pass', 'pass', 'pass'],
      ['muse_vlm', 'pass', 'pass', 'pass', 'pass', 'pass', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'pass', 'pass'],
    ],
  );

  const half = cli([root, 'muse', '--json']);
  assert.equal(half.code, 1);
  const json = JSON.parse(half.stdout) as { models: { model: string; results: { rule: string; status: string; reason: string }[] }[] };
  assert.deepEqual(
    json.models[0].results.filter((r) => r.status === 'fail').map((r) => r.rule),
    ['packageLayout', 'variantInitializer', 'weightMapping'],
  );
  assert.equal(
    json.models[0].results.find((r) => r.rule === 'packageLayout')!.reason,
    'src/mflux/models/muse/ lacks latent_creator/, model/.',
  );

  // Without MODEL: every package with an __init__.py, shared ones left out.
  const all = cli([root, '--json']);
  assert.deepEqual(
    (JSON.parse(all.stdout) as typeof json).models.map((m) => m.model),
    ['flux', 'gauge', 'lift', 'muse', 'muse_vlm', 'z_image'],
  );
  for (const bad of [[join(root, 'nope')], [root, '../x'], []]) {
    const r = cli(bad);
    assert.equal(r.code, 2, bad.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
