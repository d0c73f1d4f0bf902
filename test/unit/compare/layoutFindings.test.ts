// A transform found only by the values is a finding, never a pass: a transposed square tensor
// is a bug unless the candidate's unambiguous pairs show it stores that layout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'mp-layout-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const py = `
import os, sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(1)
def side(case, tensors):
    for s in ("ref", "cand"):
        os.makedirs(f"{out}/{case}/{s}", exist_ok=True)
    for name, r, c in tensors:
        np.save(f"{out}/{case}/ref/{name}.npy", r); np.save(f"{out}/{case}/cand/{name}.npy", c)
z = rng.standard_normal((2, 5, 5)).astype(np.float32)
side("square", [("z", z, np.ascontiguousarray(z.transpose(0, 2, 1)))])
# the candidate stores conv1d activations NLC, as MLX does: [1,6,9] vs [1,9,6] says so; then [1,5,5] follows
a = rng.standard_normal((1, 6, 9)).astype(np.float32)
b = rng.standard_normal((1, 5, 5)).astype(np.float32)
side("nlc", [("conv1d.0", a, np.ascontiguousarray(a.transpose(0, 2, 1))), ("conv1d.1", b, np.ascontiguousarray(b.transpose(0, 2, 1)))])
`;
const made = spawnSync(PYTHON, ['-c', py, tmp], { encoding: 'utf8' });
assert.equal(made.status, 0, made.stderr);

function compare(dir: string) {
  const r = spawnSync(process.execPath, [CLI, 'compare', join(tmp, dir, 'ref'), join(tmp, dir, 'cand'), '--json', '-'], {
    encoding: 'utf8',
  });
  return { code: r.status, report: JSON.parse(r.stdout) };
}

test('z vs z.transpose(0,2,1) [2,5,5] with no convention: diverged, the matching transform named', () => {
  const { code, report } = compare('square');
  assert.equal(code, 1);
  const p = report.pairs[0];
  assert.equal(p.pass, false);
  assert.equal(p.verdict, 'diverged');
  assert.equal(p.layout_why, 'values');
  assert.equal(p.transform, 'none', 'the metrics are as stored');
  assert.match(p.layout_detail, /match only when the candidate is read through nlc_to_ncl .*a transposed tensor/);
  assert.equal(report.first_divergence, 'z');
});

test('the same square read through the side convention that the unambiguous pair shows: pass', () => {
  const { code, report } = compare('nlc');
  assert.equal(code, 0);
  const sq = report.pairs.find((q: { name: string }) => q.name === 'conv1d.1');
  assert.equal(sq.transform, 'nlc_to_ncl');
  assert.equal(sq.layout_why, 'convention');
  assert.equal(sq.verdict, 'pass');
  assert.equal(sq.max_abs, 0);
  assert.deepEqual(
    report.layout_conventions.map((c: { kind: string; transform: string; pairs: number; of: number; applied: number }) => [
      c.kind,
      c.transform,
      c.pairs,
      c.of,
      c.applied,
    ]),
    [['3-D', 'nlc_to_ncl', 1, 1, 1]],
  );
});
