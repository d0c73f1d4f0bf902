// The built CLI (`node dist/cli.js`) against what Python sees on the same files.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPython } from '../../helpers/python';
import { fixtures } from './helpers';
import { ensureBuilt, runCli } from '../../helpers/cli';

const { dir } = fixtures();

before(() => {
  ensureBuilt();
});

const snapshot = 'hub/models--acme--tiny/snapshots/0123456789abcdef0123456789abcdef01234567';
const inspected = [
  'torch/views.pt',
  'torch/nested.pt',
  'torch/pytorch_model.bin',
  'npy/mlx_f32.npy',
  'npy/mlx_bf16.npy',
  'npy/mlx_col_major.npy',
  'st/mlx.safetensors',
  snapshot,
  'sharded',
];

for (const rel of inspected) {
  test(`inspect --json ${rel} prints what Python sees`, () => {
    const path = join(dir, rel);
    const r = runCli('inspect', path, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const want = JSON.parse(runPython('test/fixtures/tensors_python_view.py', ['inspect', path]));
    assert.deepEqual(JSON.parse(r.stdout), want);
  });
}

for (const rel of ['torch/all_dtypes.pt', 'torch/views.pt', 'npy/mlx_bf16.npy', 'npy/fortran_3d_f32.npy', 'npy/be_f64.npy']) {
  test(`stats --json ${rel} matches NumPy`, () => {
    const path = join(dir, rel);
    const r = runCli('stats', path, '--json');
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout).tensors;
    const want = JSON.parse(runPython('test/fixtures/tensors_python_view.py', ['stats', path])).tensors;
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      const g = got[i];
      const w = want[i];
      assert.deepEqual([g.name, g.dtype, g.shape, g.nan, g.inf], [w.name, w.dtype, w.shape, w.nan, w.inf]);
      // float32 output, float64 accumulation: min/max/first are exact after rounding to float32
      // stats reads F64 and 32/64-bit integers as float64, everything else as float32
      const r = (v: unknown) => (['F64', 'I32', 'U32', 'I64', 'U64'].includes(g.dtype) ? zero(v) : round32(v));
      for (const k of ['min', 'max']) assert.deepEqual(g[k], r(w[k]), `${g.name}.${k}`);
      assert.deepEqual(g.first, w.first.map(r), `${g.name}.first`);
      for (const k of ['mean', 'std']) close(g[k], w[k], `${g.name}.${k}`, g.dtype);
    }
  });
}

function round32(v: unknown): unknown {
  return zero(typeof v === 'number' ? Math.fround(v) : v);
}

/** JSON has no -0 on the JavaScript side; compare zeros without sign. */
function zero(v: unknown): unknown {
  return v === 0 ? 0 : v;
}

function close(g: unknown, w: unknown, what: string, dtype: string): void {
  if (typeof w !== 'number' || typeof g !== 'number') return assert.deepEqual(g, w, what);
  const tol = dtype === 'F64' ? 1e-12 : 1e-6;
  assert.ok(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)), `${what}: ${g} vs NumPy ${w}`);
}

test('stats --tensor picks one tensor; human output has the table', () => {
  const path = join(dir, 'torch/views.pt');
  const r = runCli('stats', path, '--tensor', 'slice', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    JSON.parse(r.stdout).tensors.map((t: { name: string }) => t.name),
    ['slice'],
  );
  const h = runCli('stats', path);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /transposed\s+F32\s+\[8, 6\]\s+0\s+47\s+23\.5/);
});

test('inspect without --json prints sizes and parameter counts per top-level prefix', () => {
  const r = runCli('inspect', join(dir, snapshot));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /5 tensors, 100 parameters, 264 bytes/);
  assert.match(r.stdout, /^\s+model\s+4\s+68\s+200 bytes$/m);
  assert.match(r.stdout, /^\s+lm_head\s+1\s+32\s+64 bytes$/m);
  const big = runCli('inspect', join(dir, 'torch/pytorch_model.bin'));
  assert.match(big.stdout, /^\s+total\s+6\s+\d+\s+[\d.]+ (bytes|KB)$/m);
  assert.match(r.stdout, /lm_head\.weight\s+BF16\s+\[8, 4\]\s+64 bytes/);
});

test('bad input and usage: exit 2, one line on stderr starting "error: " naming the file', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mflux-cli-'));
  const bad = join(tmp, 'bad.safetensors');
  writeFileSync(bad, Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]), Buffer.from('{}')]));
  const cases: [string[], RegExp][] = [
    [['inspect', bad], /^error: .*bad\.safetensors: header claims 4\.29 GB but the limit is 100 MB/],
    [['stats', bad, '--json'], /^error: .*bad\.safetensors: /],
    [['inspect', join(tmp, 'missing.npy')], /^error: .*missing\.npy: no such file or folder$/],
    [['inspect'], /^error: inspect needs at least one PATH/],
    [['stats', join(dir, 'torch/views.pt'), '--tensor', 'nope'], /^error: .*views\.pt: no tensor named "nope"$/],
    [['stats', join(dir, 'torch/views.pt'), '--frobnicate'], /^error: unknown option --frobnicate/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
  }
});
