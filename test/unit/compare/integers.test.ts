// Integers above 2^24 are compared exactly: through float32, 16777217 and 16777216 are the
// same number, and a wrong position id or token index would pass with max 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonJson } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';

const tmp = mkdtempSync(join(tmpdir(), 'mp-int-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// NumPy writes the files and computes max |a - b| in exact integer arithmetic.
const expected = pythonJson<Record<string, { max_abs: number; mismatch: number }>>(
  `
import json, sys
import numpy as np
out = sys.argv[1]
cases = {
  "i32": (np.array([16777217, 5, -16777217], np.int32), np.array([16777216, 5, -16777217], np.int32)),
  "u32": (np.array([4294967295, 7], np.uint32), np.array([4294967294, 7], np.uint32)),
  "i64": (np.array([2**40 + 1, 2**52 + 3], np.int64), np.array([2**40, 2**52 + 3], np.int64)),
  "u64": (np.array([2**50 + 1], np.uint64), np.array([2**50 + 1], np.uint64)),
  "i32_t": (np.arange(2**24, 2**24 + 24, dtype=np.int32).reshape(1, 2, 3, 4), None),
}
import os
os.makedirs(out + "/ref"); os.makedirs(out + "/cand")
res = {}
for name, (a, b) in cases.items():
    if b is None:  # channels-last candidate of wide integers: read through the transform, exactly
        b = a.transpose(0, 2, 3, 1).copy(); b[0, 1, 2, 0] += 1
        ref_view = b.transpose(0, 3, 1, 2)
    else:
        ref_view = b
    np.save(f"{out}/ref/{name}.npy", a); np.save(f"{out}/cand/{name}.npy", b)
    d = np.abs(a.astype(object) - ref_view.astype(object))
    res[name] = {"max_abs": int(d.max()), "mismatch": int((d != 0).sum())}
print(json.dumps(res))
`,
  [tmp],
);

test('I32/U32/I64 values above 2^24 differ exactly as NumPy says', async () => {
  const { report } = await runCompare({ refPath: join(tmp, 'ref'), candPath: join(tmp, 'cand'), windowElements: 7 });
  const by = new Map(report.pairs.map((p) => [p.name, p]));
  for (const [name, want] of Object.entries(expected)) {
    const p = by.get(name);
    assert.ok(p, name);
    assert.equal(p.max_abs, want.max_abs, `${name}.max_abs`);
    assert.equal(p.mismatch, want.mismatch, `${name}.mismatch`);
    assert.equal(p.pass, want.mismatch === 0, `${name}.pass`);
  }
  assert.equal(by.get('i32_t')?.transform, 'nhwc_to_nchw');
  assert.equal(by.get('i32')?.max_abs_index?.[0], 0);
});
