// Run history and the probe's notes, end to end through the real CLI on real probe runs of a
// real torch model (fixtures_history.py): `--baseline` says where the first divergence moved,
// a capped capture is reported with where it stopped, skipped values are listed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';
import { diffRuns, readBaseline } from '../../../src/core/compare';
import { ensureBuilt } from '../../helpers/cli';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'mp-history-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'compare', ...args], { encoding: 'utf8' });

before(() => {
  ensureBuilt();
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'test', 'unit', 'compare', 'fixtures_history.py'), tmp], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /capture stopped at 256 B after 'layers\.3'/, 'the probe warned in the terminal');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('compare --baseline: the first divergence moved from layers.2 to layers.7, five pairs fixed, three worse', () => {
  const oldJson = join(tmp, 'old.json');
  const first = cli(join(tmp, 'ref'), join(tmp, 'old'), '--json', oldJson, '--quiet');
  assert.equal(first.status, 1, first.stderr);
  const r = cli(join(tmp, 'ref'), join(tmp, 'new'), '--baseline', oldJson, '--json', '-');
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.baseline.first_before, 'layers.2');
  assert.equal(report.baseline.first_after, 'layers.7');
  assert.equal(report.baseline.headline, 'first divergence moved from `layers.2` to `layers.7`');
  const changed = Object.fromEntries(
    report.baseline.pairs
      .filter((p: { change: string }) => p.change !== 'same')
      .map((p: { name: string; change: string }) => [p.name, p.change]),
  );
  // layers 2–9 were wrong yesterday (the error propagates): 2–6 are right today, 7–9 fail by more (rel_l2 up 2x+)
  assert.deepEqual(changed, {
    'layers.2': 'fixed',
    'layers.3': 'fixed',
    'layers.4': 'fixed',
    'layers.5': 'fixed',
    'layers.6': 'fixed',
    'layers.7': 'worse',
    'layers.8': 'worse',
    'layers.9': 'worse',
  });
  const text = cli(join(tmp, 'ref'), join(tmp, 'new'), '--baseline', oldJson);
  assert.match(text.stdout, /since the baseline: first divergence moved from `layers\.2` to `layers\.7`; 5 better, 3 worse/);
  assert.match(text.stdout, /candidate: skipped attn_mask: /, 'the skipped value is listed');
  // the same run against itself: nothing moved
  const same = cli(join(tmp, 'ref'), join(tmp, 'old'), '--baseline', oldJson);
  assert.match(same.stdout, /first divergence still at `layers\.2`; 0 better, 0 worse/);
});

test('compare: a capped capture says where it stopped; the pairs it never wrote are unpaired, not failures', () => {
  const r = cli(join(tmp, 'ref'), join(tmp, 'capped'), '--json', '-');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.capture.cand.cut, {
    after: 'layers.3',
    bytes: 256,
    max_bytes: 266,
    origin: 'MFLUX_PORT_MAX_BYTES',
    scope: 'run',
  });
  assert.equal(report.pairs.length, 4);
  assert.equal(report.unmatched_ref.length, 6);
  assert.equal(report.capture.ref.cut, null);
  assert.equal(report.capture.ref.sites['layers.0'].line > 0, true, 'dump sites travel with the report');
  const text = cli(join(tmp, 'ref'), join(tmp, 'capped'));
  assert.match(
    text.stdout,
    /candidate: capture stopped at 256 B after layers\.3 \(MFLUX_PORT_MAX_BYTES=266 B\); later checkpoints were not dumped/,
  );
});

test('--baseline: bad files are one-line errors naming the file; a baseline is never overwritten', () => {
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, '{"pairs": [{"name": 3}]}');
  const r = cli(join(tmp, 'ref'), join(tmp, 'new'), '--baseline', bad);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n')[0], `error: ${bad}: pairs[0] needs a string "name" and a boolean "pass"`);
  const missing = cli(join(tmp, 'ref'), join(tmp, 'new'), '--baseline', join(tmp, 'nope.json'));
  assert.match(missing.stderr, /nope\.json: does not exist/);
  writeFileSync(bad, '{"pairs": []}');
  const over = cli(join(tmp, 'ref'), join(tmp, 'new'), '--baseline', bad, '--json', bad);
  assert.equal(over.status, 2);
  assert.equal(readFileSync(bad, 'utf8'), '{"pairs": []}');
  // rel_l2 must change by 2x to count: noise is "same"
  const base = { version: 1 as const, first_divergence: 'a', pairs: [{ name: 'a', pass: false, rel_l2: 0.1, max_abs: 1 }] };
  assert.equal(diffRuns(base, { ...base, pairs: [{ name: 'a', pass: false, rel_l2: 0.15, max_abs: 1 }] }).pairs[0].change, 'same');
  assert.equal(diffRuns(base, { ...base, pairs: [{ name: 'a', pass: false, rel_l2: 0.2, max_abs: 1 }] }).pairs[0].change, 'worse');
  assert.equal(diffRuns(base, { ...base, pairs: [{ name: 'a', pass: false, rel_l2: 0.04, max_abs: 1 }] }).pairs[0].change, 'better');
  assert.ok(readBaseline);
});
