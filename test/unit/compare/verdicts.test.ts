// Verdicts on captures of real PyTorch modules (test/fixtures/make_verdicts.py, written by the
// project's probe): a correct port in float64 is pass/drift only and exits 0; each injected
// bug is diverged at its module and exits 1; a channels-last candidate is read through its
// learned layout even where C == H == W, with NumPy's metrics; the noise floor catches a
// wrong epsilon the jump rule alone misses.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, ensureGenerated } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';
import type { ReportJson } from '../../../src/core/compare/types';
import { ensureBuilt } from '../../helpers/cli';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const dir = ensureGenerated('verdicts', 'test/fixtures/make_verdicts.py');
type Expected = Record<string, { rel_l2: number | null; max_abs: number; mismatch: number; cubic: boolean }>;
const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Record<
  string,
  { first_divergence: string | null; channels_last: boolean; expected?: Expected }
>;
const ref = join(dir, 'ref');
const floor = join(dir, 'ref_floor');

function cli(...args: string[]): { code: number; report: ReportJson; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'compare', ...args, '--json', '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, report: JSON.parse(r.stdout) as ReportJson, stderr: r.stderr };
}

before(() => {
  ensureBuilt();
});

test('a correct port in float64 is pass/drift only: exit 0; --strict keeps the old rule: exit 1', () => {
  for (const c of ['correct', 'correct_cl']) {
    const r = cli(ref, join(dir, c));
    assert.equal(r.code, 0, `${c}: ${r.stderr}`);
    assert.equal(r.report.verdicts.diverged, 0, c);
    assert.equal(r.report.first_divergence, null);
    // float32 sin/cos of t·f with t up to 999 really is outside 1e-5: drift, not a bug
    assert.equal(r.report.first_outside_tolerance, 'time_proj');
    assert.equal(r.report.pairs.find((p) => p.name === 'time_proj')?.verdict, 'drift');
    assert.ok(r.report.pairs.every((p) => p.verdict === (p.pass ? 'pass' : 'drift')));
    const strict = cli(ref, join(dir, c), '--strict');
    assert.equal(strict.code, 1);
    assert.equal(strict.report.first_divergence, 'time_proj');
    assert.equal(strict.report.strict, true);
  }
});

test('each injected bug is the first divergence at its module: exit 1, nothing diverged before it', () => {
  for (const c of ['swapped_norm', 'attention_scale', 'transposed_weight', 'transposed_kernel_cl']) {
    const want = truth[c].first_divergence as string;
    const r = cli(ref, join(dir, c));
    assert.equal(r.code, 1, c);
    assert.equal(r.report.first_divergence, want, c);
    const i = r.report.pairs.findIndex((p) => p.name === want);
    assert.ok(
      r.report.pairs.slice(0, i).every((p) => p.verdict !== 'diverged'),
      c,
    );
    assert.match(r.report.pairs[i].verdict_why, /a jump/, c);
    assert.equal(r.report.error_growth.points[i].jump, true);
    assert.equal(r.report.error_growth.pattern, 'local');
    // after the bug the error is carried: drift, counted apart from the one divergence
    assert.equal(r.report.verdicts.diverged, 1, c);
    assert.ok(r.report.verdicts.drift > 0);
  }
});

test('channels-last candidate: C == H == W pairs follow the side convention, before and after the bug, with NumPy metrics', async () => {
  for (const c of ['correct_cl', 'transposed_kernel_cl']) {
    const { report } = await runCompare({ refPath: ref, candPath: join(dir, c) });
    const conv = report.layout_conventions.find((k) => k.kind === '4-D activations');
    assert.equal(conv?.transform, 'nhwc_to_nchw');
    assert.equal(conv?.pairs, conv?.of);
    const expected = truth[c].expected as Expected;
    let cubic = 0;
    for (const p of report.pairs) {
      const e = expected[p.name];
      assert.ok(e, p.name);
      if (e.cubic) {
        cubic++;
        assert.equal(p.transform, 'nhwc_to_nchw', `${c} ${p.name}`);
        assert.equal(p.layout_why, 'convention');
        assert.match(p.layout_detail ?? '', /4-D activations of the candidate read through nhwc_to_nchw: \d+ of \d+ unambiguous pairs/);
      } else if (p.ref.shape.length === 4) assert.equal(p.layout_why, 'shape');
      assert.equal(p.mismatch, e.mismatch, `${c} ${p.name} mismatch`);
      assert.ok(Math.abs((p.max_abs as number) - e.max_abs) <= 1e-12 * Math.max(1, e.max_abs), `${c} ${p.name} max_abs`);
      if (e.rel_l2 === null) assert.equal(p.rel_l2, null);
      else
        assert.ok(Math.abs((p.rel_l2 as number) - e.rel_l2) <= 1e-9 * e.rel_l2 + 1e-15, `${c} ${p.name} rel_l2 ${p.rel_l2} vs ${e.rel_l2}`);
    }
    assert.ok(cubic >= 8, `${cubic} C == H == W pairs`);
    if (c === 'transposed_kernel_cl') {
      const after = report.pairs.filter((p) => expected[p.name].cubic && !p.pass);
      assert.ok(after.length >= 5, 'C == H == W pairs that fail after the bug are still read channels-last');
    }
  }
});

test('--noise-floor: a wrong epsilon the jump rule misses diverges; correct candidates still pass', () => {
  const plain = cli(ref, join(dir, 'wrong_eps'));
  assert.equal(plain.code, 0, 'the jump rule alone sees drift');
  assert.equal(plain.report.pairs.find((p) => p.name === 'norm_out')?.verdict, 'drift');
  const r = cli(ref, join(dir, 'wrong_eps'), '--noise-floor', floor);
  assert.equal(r.code, 1);
  assert.equal(r.report.first_divergence, 'norm_out');
  const p = r.report.pairs.find((q) => q.name === 'norm_out');
  assert.ok((p?.floor_ratio as number) > 4 && typeof p?.noise_floor === 'number', JSON.stringify(p?.verdict_why));
  assert.deepEqual(r.report.noise_floor && [r.report.noise_floor.factor, r.report.noise_floor.pairs], [4, 41]);
  assert.ok(r.report.error_growth.points.every((q) => typeof q.noise_floor === 'number'));
  for (const c of ['correct', 'correct_cl']) {
    const ok = cli(ref, join(dir, c), '--noise-floor', floor);
    assert.equal(ok.code, 0, c);
    assert.equal(ok.report.verdicts.diverged, 0);
    // the float32 time embedding's error is the reference's own noise: ratio about 1
    const tp = ok.report.pairs.find((q) => q.name === 'time_proj');
    assert.ok((tp?.floor_ratio as number) < 2, String(tp?.floor_ratio));
  }
  for (const c of ['swapped_norm', 'attention_scale', 'transposed_weight', 'transposed_kernel_cl']) {
    const b = cli(ref, join(dir, c), '--noise-floor', floor);
    assert.equal(b.code, 1);
    assert.equal(b.report.first_divergence, truth[c].first_divergence, c);
  }
  // a loose factor lets the epsilon through again; bad factors are usage errors
  assert.equal(cli(ref, join(dir, 'wrong_eps'), '--noise-floor', floor, '--floor-factor', '100').code, 0);
  const bad = spawnSync(process.execPath, [CLI, 'compare', ref, join(dir, 'wrong_eps'), '--noise-floor', floor, '--floor-factor', '0.5'], {
    encoding: 'utf8',
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --floor-factor must be a number ≥ 1/);
});

test('--noise-floor with a REF2 equal to REF (a thread count that changed nothing): a zero floor falls back to the jump rule', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'zero floor '));
  try {
    const again = join(tmp, 'ref_again');
    cpSync(ref, again, { recursive: true });
    for (const c of ['correct', 'wrong_eps']) {
      const plain = cli(ref, join(dir, c));
      const r = cli(ref, join(dir, c), '--noise-floor', again);
      assert.ok(plain.report.verdicts.drift > 0, `${c} drifts somewhere, so the fallback is exercised`);
      assert.equal(r.code, plain.code, c);
      assert.deepEqual(r.report.verdicts, plain.report.verdicts, c);
      for (const q of r.report.pairs) {
        assert.equal(q.noise_floor, 0, q.name);
        assert.equal(q.floor_ratio, null, q.name);
        if (q.verdict === 'drift' || q.verdict === 'diverged') assert.match(q.verdict_why ?? '', /noise floor 0/, q.name);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
