// A pair whose dtype cannot be decoded (F8_E8M0, F4) is "not compared", with the reason: never
// a failure, never the first divergence, not counted in diverged, exit code unaffected. The
// captures are real safetensors files written by test/fixtures/make_not_compared.py.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, ensureGenerated } from '../../helpers/python';
import type { ReportJson } from '../../../src/core/compare/types';
import { ensureBuilt } from '../../helpers/cli';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const dir = ensureGenerated('not_compared', 'test/fixtures/make_not_compared.py');
const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { proj_rel_l2: number };

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'compare', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  ensureBuilt();
});

test('undecodable pairs are not_compared and the rest passing exits 0 (JSON, table, HTML)', () => {
  const html = join(mkdtempSync(join(tmpdir(), 'nc-')), 'report.html');
  const r = cli(join(dir, 'ref'), join(dir, 'cand_ok'), '--json', '-', '--html', html);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ReportJson;
  assert.deepEqual(report.verdicts, { pass: 2, drift: 0, diverged: 0, not_compared: 2 });
  assert.equal(report.first_divergence, null);
  assert.equal(report.first_outside_tolerance, null);
  const scale = report.pairs.find((p) => p.name === 'scale')!;
  assert.equal(scale.verdict, 'not_compared');
  assert.match(scale.verdict_why, /F8_E8M0 cannot be decoded/);
  assert.match(report.pairs.find((p) => p.name === 'packed')!.verdict_why, /F4 cannot be decoded/);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /– not compared/);
  assert.match(page, /2 of 4 pairs were not compared/);
  const table = cli(join(dir, 'ref'), join(dir, 'cand_ok'));
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^not compared +scale /m);
  assert.match(table.stdout, /4 pairs: 2 pass, 0 drift, 0 diverged, 2 not compared/);
});

test('a real bug after an undecodable pair is the first divergence: exit 1, --strict too', () => {
  for (const extra of [[], ['--strict']]) {
    const r = cli(join(dir, 'ref'), join(dir, 'cand_bug'), '--json', '-', ...extra);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as ReportJson;
    assert.equal(report.first_divergence, 'proj');
    assert.equal(report.first_outside_tolerance, 'proj');
    assert.deepEqual(report.verdicts, { pass: 1, drift: 0, diverged: 1, not_compared: 2 });
    const proj = report.pairs.find((p) => p.name === 'proj')!;
    assert.ok(Math.abs(proj.rel_l2! - truth.proj_rel_l2) <= 1e-6 * truth.proj_rel_l2, `${proj.rel_l2} vs NumPy ${truth.proj_rel_l2}`);
  }
});
