import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { naturalCompare, pairNames } from '../../../src/core/compare/pairing';
import { applyRules, compileRules, readCompareMap } from '../../../src/core/compare/mapFile';
import { manifestNames, readManifestFile } from '../../../src/core/capture/manifest';
import { compileTolerances, dtypeDefault } from '../../../src/core/compare/tolerance';
import { judge, type UnjudgedPair } from '../../../src/core/compare/verdict';

const tmp = mkdtempSync(join(tmpdir(), 'mp-pairing-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('natural order puts blocks.2 before blocks.10 and compares text parts as text', () => {
  const names = ['blocks.10.attn', 'blocks.2.attn', 'blocks.1.mlp', 'blocks.1.attn', 'final', 'blocks.02.x', 'step9', 'step10', 'step009'];
  assert.deepEqual([...names].sort(naturalCompare), [
    'blocks.1.attn',
    'blocks.1.mlp',
    'blocks.2.attn',
    'blocks.02.x',
    'blocks.10.attn',
    'final',
    'step9',
    'step009',
    'step10',
  ]);
});

test('rename rules apply in order to every match, like a sed script', () => {
  const rules = compileRules({
    rename: [
      { from: '^transformer_blocks\\.', to: 'transformer.blocks.' },
      { from: 'attn\\.to_([qkv])$', to: 'attention.w$1' },
      { from: '\\.', to: '/' },
    ],
  });
  assert.equal(applyRules('transformer_blocks.3.attn.to_k', rules), 'transformer/blocks/3/attention/wk');
  // A rule that does not match leaves the name alone.
  assert.equal(applyRules('vae.decoder', compileRules({ rename: [{ from: '^text\\.', to: 'te.' }] })), 'vae.decoder');
});

test('pairing: exact names first, then renamed names; the rest is reported as unmatched', () => {
  const rules = compileRules({ rename: [{ from: '^a\\.', to: 'b.' }] });
  const p = pairNames(['a.1', 'b.1', 'x', 'a.2'], ['b.1', 'b.2', 'x', 'y'], rules);
  // a.1 → b.1 is taken by the exact pair, so a.1 stays unmatched
  assert.deepEqual(p.pairs, [
    ['a.2', 'b.2'],
    ['b.1', 'b.1'],
    ['x', 'x'],
  ]);
  assert.deepEqual(p.unmatchedRef, ['a.1']);
  assert.deepEqual(p.unmatchedCand, ['y']);
});

test('manifest order wins over natural order; names missing from it go last', () => {
  const p = pairNames(['z', 'b.10', 'b.2', 'extra'], ['z', 'b.10', 'b.2', 'extra'], [], { ref: ['z', 'b.10', 'b.2'] });
  assert.equal(p.order, 'manifest');
  assert.deepEqual(
    p.pairs.map(([r]) => r),
    ['z', 'b.10', 'b.2', 'extra'],
  );
  // the candidate manifest is used when only it exists, through the pairing
  const q = pairNames(['r.b', 'r.a'], ['c.a', 'c.b'], compileRules({ rename: [{ from: '^r', to: 'c' }] }), { cand: ['c.b', 'c.a'] });
  assert.deepEqual(q.pairs, [
    ['r.b', 'c.b'],
    ['r.a', 'c.a'],
  ]);
});

test('manifest.jsonl: capture order, duplicates once, a torn last line tolerated, a bad middle line named', () => {
  const m = join(tmp, 'manifest.jsonl');
  writeFileSync(m, '{"name": "b.10", "file": "1.npy"}\n{"name": "b.2"}\n\n{"name": "b.10"}\n{"name": "c", "shape": [1]}\n{"name": "tor');
  assert.deepEqual(manifestNames(readManifestFile(m)), ['b.10', 'b.2', 'c']);
  writeFileSync(m, '{"name": "a"}\nnot json\n{"name": "b"}\n');
  assert.throws(() => readManifestFile(m), new RegExp(`${m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 2 is not JSON`));
  writeFileSync(m, '{"file": "a"}\n');
  assert.throws(() => readManifestFile(m), /: line 1 has no string "name"/);
});

test('map files: validated with the file named in every error', () => {
  const f = join(tmp, 'map.json');
  writeFileSync(f, '{"rename": [["^a", "b"]], "tolerances": [{"pattern": "^vae", "atol": 0.001}], "tensors": {"x": {"rtol": 0.5}}}');
  assert.deepEqual(readCompareMap(f).rename, [{ from: '^a', to: 'b', line: 1 }]);
  writeFileSync(f, '{"rename": [{"from": "(", "to": "x"}]}');
  assert.throws(() => readCompareMap(f), /map\.json:1: rename\[0\]\.from is not a valid regular expression/);
  writeFileSync(f, '{"renames": []}');
  assert.throws(() => readCompareMap(f), /map\.json: unknown key "renames"/);
  writeFileSync(f, '{oops');
  assert.throws(() => readCompareMap(f), /map\.json: not valid JSON/);
  assert.throws(() => readCompareMap(join(tmp, 'missing.json')), /missing\.json: cannot read map file \(ENOENT\)/);
});

test('tolerances: dtype defaults, looser side, then global < pattern < tensor, field by field', () => {
  assert.deepEqual(dtypeDefault('F32'), { atol: 1e-5, rtol: 1e-5 });
  assert.deepEqual(dtypeDefault('F64'), { atol: 1e-5, rtol: 1e-5 });
  assert.deepEqual(dtypeDefault('BF16'), { atol: 1e-2, rtol: 1e-2 });
  assert.deepEqual(dtypeDefault('F16'), { atol: 1e-2, rtol: 1e-2 });
  const none = compileTolerances({}, undefined);
  assert.deepEqual(none.resolve('x', 'F32', 'BF16'), { atol: 1e-2, rtol: 1e-2, source: 'dtype' });
  assert.deepEqual(none.resolve('x', 'F32', 'F32'), { atol: 1e-5, rtol: 1e-5, source: 'dtype' });
  const t = compileTolerances(
    { atol: 1e-3 },
    {
      tolerances: [
        { pattern: '^vae\\.', rtol: 0.05 },
        { pattern: '^vae\\.dec', atol: 9 },
      ],
      tensors: { 'vae.out': { atol: 0.2 } },
    },
  );
  assert.deepEqual(t.resolve('text.x', 'F32', 'F32'), { atol: 1e-3, rtol: 1e-5, source: 'global' });
  // first matching pattern only; its missing atol falls through to the global one
  assert.deepEqual(t.resolve('vae.decoder', 'F32', 'F32'), { atol: 1e-3, rtol: 0.05, source: 'pattern' });
  assert.deepEqual(t.resolve('vae.out', 'BF16', 'F32'), { atol: 0.2, rtol: 0.05, source: 'tensor' });
  assert.throws(() => compileTolerances({ rtol: -1 }, undefined), /--rtol must be a non-negative number/);
  assert.throws(
    () => compileTolerances({}, { tolerances: [{ pattern: '[' }] }),
    /tolerances\[0\]\.pattern is not a valid regular expression/,
  );
});

function pair(name: string, rel: number | null, pass: boolean, reason?: string): UnjudgedPair {
  const mismatch = pass ? 0 : 1;
  return {
    name,
    ref_name: name,
    rel_l2: rel,
    max_abs: rel,
    pass,
    mismatch,
    rtol: 1e-5,
    nan_ref: 0,
    nan_cand: 0,
    inf_ref: 0,
    inf_cand: 0,
    layout_why: 'shape',
    reason,
  } as unknown as UnjudgedPair;
}
const errorGrowth = (pairs: UnjudgedPair[]) => judge(pairs).growth;

test('error growth: one jump reads as a local bug, a slow rise as drift', () => {
  const local = errorGrowth([pair('a', 1e-7, true), pair('b', 2e-7, true), pair('c', 0.3, false), pair('d', 0.35, false)]);
  assert.equal(local.pattern, 'local');
  assert.deepEqual(
    local.points.map((p) => p.jump),
    [false, false, true, false],
  );
  assert.ok(Math.abs((local.points[2].ratio as number) - 1.5e6) < 1);
  assert.deepEqual(
    local.points.map((p) => p.verdict),
    ['pass', 'pass', 'diverged', 'drift'],
  );
  const drift = errorGrowth([1e-7, 4e-7, 1.5e-6, 5e-6, 2e-5, 7e-5].map((v, i) => pair(`l${i}`, v, v < 1e-5)));
  assert.equal(drift.pattern, 'drift');
  assert.ok(drift.points.every((p) => !p.jump));
  assert.deepEqual(
    drift.points.map((p) => p.verdict),
    ['pass', 'pass', 'pass', 'pass', 'drift', 'drift'],
  );
  assert.equal(errorGrowth([pair('a', 0, true)]).pattern, 'none');
  assert.equal(errorGrowth([pair('a', 0, true), pair('b', null, false, 'shapes differ')]).pattern, 'local');
});
