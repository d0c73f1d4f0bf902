// NaN at the same position on both sides: the engine, the panel's re-judging and the copied
// pytest line all follow np.testing.assert_allclose's equal_nan=True, checked against NumPy
// on files NumPy wrote (real F32 safetensors and complex64 .npy).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT, pythonJson } from '../../helpers/python';
import { neededAtol, pytestAssertion, rejudge } from '../../../webview/parityReport/rejudge';
import type { ReportJson } from '../../../src/core/compare/types';
import { ensureBuilt } from '../../helpers/cli';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'mp-nan-'));
let expected: Record<string, { mismatch: number; assert_allclose_passes: boolean }>;

const CASES = `
import numpy as np
nan, inf = np.nan, np.inf
real = {
  "same_nan": ([1, nan, 3, inf], [1, nan, 3, inf]),
  "moved_nan": ([1, nan, 3, 4], [1, 2, nan, 4]),
  "nan_vs_number": ([1, nan, 3, 4], [1, 2, 3, 4]),
  "same_nan_and_off": ([1, nan, 3, 4], [1, nan, 3.5, 4]),
}
cplx = {
  "c_same_nan": ([1 + 1j, complex(nan, 0), 2j], [1 + 1j, complex(0, nan), 2j]),
  "c_nan_vs_number": ([1 + 1j, complex(nan, 0), 2j], [1 + 1j, 0j, 2j]),
}
`;

before(() => {
  ensureBuilt();
  mkdirSync(join(tmp, 'ref'));
  mkdirSync(join(tmp, 'cand'));
  expected = pythonJson(
    CASES +
      `
import json, sys
from st_write import write_safetensors
d = sys.argv[1]
out = {}
def judge(name, r, c):
    try:
        np.testing.assert_allclose(c, r, rtol=1e-5, atol=1e-5)  # the copied line's call; equal_nan defaults to True
        ok = True
    except AssertionError:
        ok = False
    out[name] = {"mismatch": int((~np.isclose(c, r, rtol=1e-5, atol=1e-5, equal_nan=True)).sum()), "assert_allclose_passes": ok}
for side in ("ref", "cand"):
    write_safetensors(f"{d}/{side}/real.safetensors", {name: np.asarray(pair[side == "cand"], dtype=np.float32) for name, pair in real.items()})
    for name, pair in cplx.items():
        np.save(f"{d}/{side}/{name}.npy", np.asarray(pair[side == "cand"], dtype=np.complex64))
for name, (r, c) in real.items(): judge(name, np.float32(r), np.float32(c))
for name, (r, c) in cplx.items(): judge(name, np.complex64(r), np.complex64(c))
print(json.dumps(out))
`,
    [tmp],
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('compare counts NaN against NaN as a match, as np.testing.assert_allclose does', () => {
  const r = spawnSync(process.execPath, [CLI, 'compare', join(tmp, 'ref'), join(tmp, 'cand'), '--json', '-'], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const rep = JSON.parse(r.stdout) as ReportJson;
  const byName = new Map(rep.pairs.map((p) => [p.name.replace(/^real\./, ''), p]));
  for (const [name, e] of Object.entries(expected)) {
    const p = byName.get(name);
    assert.ok(p, `${name} compared: ${[...byName.keys()].join(', ')}`);
    assert.equal(p.mismatch, e.mismatch, `${name}: mismatches as np.isclose(equal_nan=True) counts`);
    assert.equal(p.verdict === 'pass', e.assert_allclose_passes, `${name}: ${p.verdict} vs assert_allclose`);
  }
  assert.equal(expected.same_nan.assert_allclose_passes, true);
  assert.equal(expected.c_same_nan.assert_allclose_passes, true);
  assert.equal(expected.moved_nan.mismatch, 2);
});

test('the panel re-judges and copies the same rule: equal_nan=True, written out', () => {
  const f = (xs: number[]) => new Float32Array(xs);
  assert.equal(rejudge(f([1, NaN, 3]), f([1, NaN, 3]), 0, 0).pass, true);
  assert.equal(rejudge(f([1, NaN, 3]), f([1, 2, NaN]), 1, 1).mismatch, 2);
  assert.equal(neededAtol(f([1, NaN, 3]), f([1, NaN, 3.5]), 0), 0.5);
  assert.equal(neededAtol(f([1, NaN]), f([1, 2]), 0), null);
  const line = pytestAssertion('blocks.0', 0.5, 0).split('\n')[1];
  assert.match(line, /equal_nan=True\)$/);
  // the copied line, run by NumPy on those values, passes where the panel says it does
  const py = `import numpy as np
mlx_blocks_0 = np.float32([1, np.nan, 3.5]); ref_blocks_0 = np.float32([1, np.nan, 3])
${line}
print("ok")`;
  const r = spawnSync(PYTHON, ['-c', py], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'ok', r.stderr);
});
