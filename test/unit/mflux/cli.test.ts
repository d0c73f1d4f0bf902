// mflux-port audit / hygiene / coverage, run as a process (through tsx on src/cli.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, ensureGenerated, readExpected } from '../../helpers/python';
import { ALL_SURFACES, buildMfluxTree, tempDir, write, Z_IMAGE } from './fixtures';

function cli(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('audit: exit 1 listing exactly the missing surfaces, 0 when wired, 2 on bad input', () => {
  const half = {
    pkg: 'nova',
    cls: 'Nova',
    key: 'nova',
    aliases: ['nova'],
    surfaces: ALL_SURFACES.filter((s) => s !== 'steps' && s !== 'referenceImage'),
  };
  const root = buildMfluxTree(tempDir(), [Z_IMAGE, half]);
  const r = cli(['audit', root, 'nova', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const items = (JSON.parse(r.stdout) as { items: { id: string; status: string }[] }).items;
  assert.deepEqual(
    items
      .filter((i) => i.status !== 'pass')
      .map((i) => i.id)
      .sort(),
    ['defaults-steps', 'reference-image'],
  );
  const ok = cli(['audit', root, 'z_image']);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /all 11 surfaces wired/);
  const bad = cli(['audit', root, 'Bad-Name']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: Use lower case snake_case: "bad_name" instead of "Bad-Name"/);
  assert.equal(cli(['audit', join(root, 'nope'), 'nova']).code, 2);
});

test('hygiene: file:line:col findings, exit 1; --disable; --allow; clean exit 0', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  write(root, 'src/mflux/models/z_image/model/vae.py', 'import torch\n\n\ndef f(x):\n    torch.save(x, "x.pt")\n    return x\n');
  const r = cli(['hygiene', root, 'z_image']);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /^src\/mflux\/models\/z_image\/model\/vae\.py:5:5: PyTorch tensor dump \(torch\.save\) left in the code: torch\.save\(x, "x\.pt"\)$/m,
  );
  assert.equal(cli(['hygiene', root, 'z_image', '--disable', 'torch-save']).code, 0);
  assert.equal(cli(['hygiene', root, 'z_image', '--allow', 'src/mflux/models/z_image/model/v*.py']).code, 0);
  assert.equal(cli(['hygiene', root, 'z_image', '--allow', 'src/mflux/models/z_image/cli/**']).code, 1);
});

test('coverage: the unmapped keys of the generated fixture, exit 1', () => {
  const dir = ensureGenerated('mflux-coverage', 'test/unit/mflux/py/make_coverage_fixture.py');
  const expected = readExpected<{ static: Record<string, { unmapped: string[] }> }>(dir);
  const r = cli(['coverage', join(dir, 'repo'), 'nova', '--repo-id', 'acme/Nova-1', '--json'], { HF_HUB_CACHE: join(dir, 'hub') });
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { components: { name: string; unmapped: string[] }[] };
  for (const c of out.components) assert.deepEqual([...c.unmapped].sort(), [...expected.static[c.name].unmapped].sort(), c.name);
  const missing = cli(['coverage', join(dir, 'repo'), 'nova', '--repo-id', 'acme/Absent'], { HF_HUB_CACHE: join(dir, 'hub') });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /acme\/Absent is not in the Hugging Face cache/);
});
