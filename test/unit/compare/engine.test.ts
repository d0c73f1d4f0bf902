// Every metric of every pair against NumPy (test/fixtures/make_compare.py computes them in
// float64 on the same files, after aligning the candidate with numpy transposes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';
import type { PairResult, ReportJson } from '../../../src/core/compare/types';
import { NUMPY_METRICS } from '../../helpers/metrics';

type Expected = Record<string, Record<string, unknown> & { cand_name: string; ref_shape: number[]; cand_shape: number[] }>;

const dir = ensureGenerated('compare', 'test/fixtures/make_compare.py');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
const map = { rename: [{ from: '^transformer_blocks\\.(\\d+)\\.attn\\.to_q$', to: 'transformer.blocks.$1.attention.wq' }] };

function near(actual: unknown, want: unknown, what: string): void {
  if (want === null || typeof want !== 'number') return assert.deepEqual(actual, want, what);
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)} vs ${want}`);
  const a = actual as number;
  const tol = 1e-9 * Math.max(1, Math.abs(want));
  assert.ok(Math.abs(a - want) <= tol, `${what}: ${a} vs ${want}`);
}

const METRICS = [...NUMPY_METRICS, 'mismatch_ratio', 'pass', 'atol', 'rtol'] as const;

function checkPair(p: PairResult, e: Expected[string]): void {
  for (const k of METRICS) near(p[k], e[k], `${p.name}.${k}`);
  assert.deepEqual(p.max_abs_index, e.max_abs_index, `${p.name}.max_abs_index`);
  assert.equal(p.transform, e.transform, `${p.name}.transform`);
  assert.equal(p.cand_name, e.cand_name);
  assert.deepEqual(p.ref.shape, e.ref_shape);
  assert.deepEqual(p.cand.shape, e.cand_shape);
  for (const side of ['ref_stats', 'cand_stats'] as const) {
    const want = e[side] as Record<string, unknown>;
    for (const k of ['min', 'max', 'mean', 'std'] as const) near(p[side]?.[k], want[k], `${p.name}.${side}.${k}`);
    // First values: float32 values widened to double are exact.
    assert.deepEqual(p[side]?.first, want.first, `${p.name}.${side}.first`);
  }
  assert.deepEqual(p.histogram, e.histogram, `${p.name}.histogram`);
}

let small: ReportJson;

test('every metric matches NumPy, streamed in small chunks through several transform windows', async () => {
  const out = await runCompare({ refPath: join(dir, 'ref'), candPath: join(dir, 'cand'), map, chunkElements: 777, windowElements: 1000 });
  small = out.report;
  const byName = new Map(small.pairs.map((p) => [p.name, p]));
  for (const [name, e] of Object.entries(expected)) {
    const p = byName.get(name);
    assert.ok(p, `pair ${name} missing`);
    checkPair(p, e);
  }
});

test('default chunking gives the same report as tiny chunks', async () => {
  const out = await runCompare({ refPath: join(dir, 'ref'), candPath: join(dir, 'cand'), map });
  for (const [name, e] of Object.entries(expected)) checkPair(out.report.pairs.find((p) => p.name === name) as PairResult, e);
  assert.deepEqual(
    out.report.pairs.map((p) => p.name),
    small.pairs.map((p) => p.name),
  );
});

test('structural failures, unmatched names, natural order and first divergence', async () => {
  const r = small;
  const bad = r.pairs.find((p) => p.name === 'bad.shape') as PairResult;
  assert.equal(bad.pass, false);
  assert.equal(bad.transform, null);
  assert.match(bad.reason ?? '', /\[3, 4\] and \[4, 4\] hold different numbers of elements/);
  const perm = r.pairs.find((p) => p.name === 'bad.perm') as PairResult;
  assert.match(perm.reason ?? '', /no known layout transform/);
  assert.deepEqual(r.unmatched_ref, ['only.in.ref']);
  assert.deepEqual(r.unmatched_cand, ['only.in.cand']);
  // same shape, other values, no aligned neighbour: the alignment only suggests the pair
  assert.equal(r.alignment?.aligned, 0);
  assert.deepEqual(
    r.alignment?.suggestions.map((s) => [s.ref, s.cand]),
    [['only.in.ref', 'only.in.cand']],
  );
  assert.ok((r.alignment?.suggestions[0].confidence ?? 1) < 0.8);
  assert.match(r.alignment?.suggestions[0].why ?? '', /values do not confirm/);
  assert.ok(r.pairs.every((p) => p.pairing.by === (p.ref_name === p.cand_name ? 'name' : 'rule')));
  assert.equal(r.order, 'natural');
  const names = r.pairs.map((p) => p.name);
  assert.ok(names.indexOf('blocks.2.identical') < names.indexOf('blocks.10.f64'), 'natural order: blocks.2 before blocks.10');
  // first failing pair in natural order
  assert.equal(
    r.first_divergence,
    names.find((n) => !(expected[n]?.pass ?? false)),
  );
  assert.equal(r.first_divergence, 'audio.conv1d');
  assert.equal(r.error_growth.points.length, r.pairs.length);
});

test('without the rename rule and without alignment the renamed tensors stay unpaired on both sides', async () => {
  const out = await runCompare({ refPath: join(dir, 'ref'), candPath: join(dir, 'cand'), heatmaps: 'none', align: false });
  assert.ok(out.report.unmatched_ref.includes('transformer_blocks.0.attn.to_q'));
  assert.ok(out.report.unmatched_cand.includes('transformer.blocks.0.attention.wq'));
  assert.equal(out.report.alignment, undefined);
  assert.deepEqual(out.heatmaps, {});
});

test('without the rename rule the alignment pairs the renamed tensor (its values confirm it) and marks it', async () => {
  const out = await runCompare({ refPath: join(dir, 'ref'), candPath: join(dir, 'cand'), heatmaps: 'none' });
  const p = out.report.pairs.find((x) => x.ref_name === 'transformer_blocks.0.attn.to_q') as PairResult;
  assert.equal(p.cand_name, 'transformer.blocks.0.attention.wq');
  assert.equal(p.pairing.by, 'aligned');
  assert.ok((p.pairing.confidence ?? 0) >= 0.8);
  // the numbers equal the rule-paired run's
  const withRule = small.pairs.find((x) => x.ref_name === p.ref_name) as PairResult;
  assert.equal(withRule.pairing.by, 'rule');
  assert.equal(p.max_abs, withRule.max_abs);
  assert.deepEqual(out.report.unmatched_ref, ['only.in.ref']);
});

test('single files on both sides compare as one pair', async () => {
  const out = await runCompare({ refPath: join(dir, 'ref', 'vae.conv_in.npy'), candPath: join(dir, 'cand', 'vae.conv_in.npy') });
  assert.equal(out.report.pairs.length, 1);
  checkPair(out.report.pairs[0], expected['vae.conv_in']);
  assert.ok(out.heatmaps['vae.conv_in'], 'failing pair gets a heatmap');
});

test('cancellation stops the run with an AbortError', async () => {
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(
    runCompare(
      { refPath: join(dir, 'ref'), candPath: join(dir, 'cand'), chunkElements: 100 },
      {
        signal: ac.signal,
        onProgress: () => {
          if (++calls === 3) ac.abort();
        },
      },
    ),
    (e: Error) => e.name === 'AbortError',
  );
});

test('a missing folder is a one-line input error naming it', async () => {
  await assert.rejects(
    runCompare({ refPath: join(dir, 'nope'), candPath: join(dir, 'cand') }),
    (e: Error) => e.name === 'CompareInputError' && e.message.includes('nope') && !e.message.includes('\n'),
  );
});

test('heatmaps are kept for the first failing pairs only, up to maxHeatmaps', async () => {
  const out = await runCompare({ refPath: join(dir, 'ref'), candPath: join(dir, 'cand'), maxHeatmaps: 2 });
  const failing = out.report.pairs.filter((p) => !p.pass && !p.reason).map((p) => p.name);
  assert.deepEqual(Object.keys(out.heatmaps), failing.slice(0, 2));
});
