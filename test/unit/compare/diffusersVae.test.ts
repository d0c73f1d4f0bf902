// diffusers' own AutoencoderKL (a copy of the read-only clone, small random config), captured by
// the probe: a correct channels-last float64 port exits 0 with its C == H == W activations read
// through the learned layout; a wrong GroupNorm epsilon is the first divergence at the first
// norm, and the C == H == W pairs after it are still read channels-last, with NumPy's rel_l2
// (before the side conventions they were compared as stored: rel_l2 1.41, scrambled).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';
import type { ReportJson } from '../../../src/core/compare/types';
import { ensureBuilt } from '../../helpers/cli';

const DIFFUSERS = process.env.MFLUX_PORT_DIFFUSERS_SRC || '/work/ext/diffusers';
const skip = existsSync(join(DIFFUSERS, 'src', 'diffusers', 'models', 'autoencoders')) ? false : `no diffusers clone at ${DIFFUSERS}`;
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'mp-vae-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

before(() => {
  if (skip) return;
  const lib = join(tmp, 'lib');
  cpSync(join(DIFFUSERS, 'src', 'diffusers'), join(lib, 'diffusers'), { recursive: true });
  // only the import stubs (the folder's sitecustomize.py belongs to the runner test's harness)
  const stubs = join(tmp, 'stubs');
  cpSync(join(REPO_ROOT, 'test', 'unit', 'runners', 'fixtures', 'diffusers_env', 'stubhub.py'), join(stubs, 'stubhub.py'));
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'test', 'unit', 'compare', 'py', 'vae_capture.py'), join(tmp, 'out')], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PYTHONPATH: [stubs, lib, join(REPO_ROOT, 'python')].join(':'),
      PYTHONDONTWRITEBYTECODE: '1',
      HF_HUB_OFFLINE: '1',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  ensureBuilt();
});

function compare(cand: string, ...extra: string[]): { code: number | null; report: ReportJson } {
  const o = join(tmp, 'out');
  const r = spawnSync(process.execPath, [CLI, 'compare', join(o, 'ref'), join(o, cand), ...extra, '--json', '-'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, report: JSON.parse(r.stdout) as ReportJson };
}

test('diffusers AutoencoderKL: channels-last port, wrong GroupNorm epsilon, C == H == W through the side convention', { skip }, () => {
  const expected = JSON.parse(readFileSync(join(tmp, 'out', 'expected.json'), 'utf8')) as Record<string, Record<string, number>>;
  const ok = compare('cand_cl');
  assert.equal(ok.code, 0);
  assert.equal(ok.report.verdicts.diverged, 0);
  const bad = compare('cand_eps_cl');
  assert.equal(bad.code, 1);
  assert.equal(bad.report.first_divergence, 'encoder.down_blocks.0.resnets.0.norm1');
  for (const [run, r] of [
    ['cand_cl', ok.report],
    ['cand_eps_cl', bad.report],
  ] as const) {
    const cubic = Object.entries(expected[run]);
    assert.ok(cubic.length >= 8, `${cubic.length} C == H == W pairs`);
    for (const [name, rel] of cubic) {
      const p = r.pairs.find((q) => q.name === name);
      assert.equal(p?.transform, 'nhwc_to_nchw', name);
      assert.equal(p?.layout_why, 'convention');
      assert.ok(Math.abs((p?.rel_l2 as number) - rel) <= 1e-9 * rel + 1e-15, `${run} ${name}: ${p?.rel_l2} vs NumPy ${rel}`);
    }
  }
  // with the float64 run of the reference as noise floor, the correct port still exits 0
  assert.equal(compare('cand_cl', '--noise-floor', join(tmp, 'out', 'floor')).code, 0);
});
