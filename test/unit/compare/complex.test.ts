// Complex pairs (test/fixtures/make_complex.py): a torch.save complex64 RoPE table against
// an .npz, complex vs real, a 90° phase rotation, NHWC complex, NaN/Inf; every metric
// against NumPy's own complex arithmetic. And a capture compared with itself passes.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCompare } from '../../../src/core/compare/engine';
import type { PairResult } from '../../../src/core/compare/types';
import { REPO_ROOT, ensureGenerated } from '../../helpers/python';
import { ensureBuilt } from '../../helpers/cli';
import { NUMPY_METRICS } from '../../helpers/metrics';

const dir = ensureGenerated('complex', 'test/fixtures/make_complex.py');
const want: Record<string, Record<string, number | number[] | null>> = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')).pairs;

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
before(() => {
  ensureBuilt();
});

const FIELDS = [...NUMPY_METRICS, 'max_abs_index'] as const;

test('complex metrics equal NumPy on every pair, through layouts and a real candidate', async () => {
  const { report } = await runCompare({ refPath: join(dir, 'ref'), candPath: join(dir, 'cand') });
  const by = new Map<string, PairResult>(report.pairs.map((p) => [p.name, p]));
  assert.deepEqual([...by.keys()].sort(), Object.keys(want).sort());
  for (const [name, e] of Object.entries(want)) {
    const p = by.get(name)!;
    assert.equal(p.reason, undefined, `${name} was compared`);
    for (const f of FIELDS) {
      const a = p[f];
      const b = e[f];
      if (Array.isArray(b) || b === null || Number.isInteger(b)) assert.deepEqual(a, b, `${name}.${f}`);
      else
        assert.ok(
          typeof a === 'number' && Math.abs(a - (b as number)) <= 1e-9 * Math.max(1, Math.abs(b as number)),
          `${name}.${f}: ${a} vs NumPy ${b}`,
        );
    }
    assert.ok(Math.abs((p.ref_stats?.mean ?? NaN) - (e.ref_abs_mean as number)) <= 1e-9, `${name}: side stats are over |z|`);
  }
  assert.equal(by.get('act')?.transform, 'nhwc_to_nchw', 'a complex NHWC candidate is gathered with (re, im) kept together');
  assert.equal(by.get('real')?.cand.dtype, 'F32');
  assert.equal(by.get('freqs')?.pass, true);
  assert.equal(by.get('phase')?.pass, false);
});

test('the same complex capture compared with itself passes with max 0 (CLI, exit 0)', () => {
  const r = cli('compare', join(dir, 'ref'), join(dir, 'ref'), '--json', '-');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.first_divergence, null);
  for (const p of report.pairs) {
    assert.equal(p.pass, true, p.name);
    assert.equal(p.reason, undefined, p.name);
  }
  assert.ok(report.pairs.some((p: PairResult) => p.ref.dtype === 'C64') && report.pairs.some((p: PairResult) => p.ref.dtype === 'C128'));
});

test('stats and inspect list complex tensors with magnitude stats (CLI)', () => {
  const r = cli('stats', join(dir, 'torch', 'complex.pt'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const rows: { name: string; dtype: string; of?: string; mean: number }[] = JSON.parse(r.stdout).tensors;
  assert.deepEqual(
    rows.map((t) => [t.name, t.dtype, t.of]),
    [
      ['rope', 'C64', 'abs'],
      ['freqs', 'C128', 'abs'],
      ['view', 'C64', 'abs'],
    ],
  );
  const wantMean = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')).files['torch/complex.pt'][0].stats.mean;
  assert.ok(Math.abs(rows[0].mean - wantMean) <= 1e-6 * wantMean, `${rows[0].mean} vs NumPy ${wantMean}`);
  const human = cli('stats', join(dir, 'torch', 'complex.pt'));
  assert.match(human.stdout, /rope\s+C64 \|z\|/);
});
