// Any mix of formats on the two sides: a torch.save dict (PyTorch reference, bf16 and fp32)
// against an .npz (NumPy/MLX side, channels-last). Expected values from NumPy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonJson } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';

const tmp = mkdtempSync(join(tmpdir(), 'mp-formats-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const script = `
import json, sys, numpy as np, torch
out = sys.argv[1]
g = torch.Generator().manual_seed(3)
act = torch.randn(1, 8, 6, 4, generator=g)
w = torch.randn(4, 4, generator=g).to(torch.bfloat16)
torch.save({"vae.act": act, "proj.weight": w}, out + "/ref.pt")
a = act.numpy()
cand_act = a + np.float32(1e-3) * np.arange(a.size, dtype=np.float32).reshape(a.shape) / a.size
wn = w.float().numpy()
np.savez(out + "/cand.npz", **{"vae.act": np.ascontiguousarray(cand_act.transpose(0, 2, 3, 1)), "proj.weight": wn})
def m(r, c, atol, rtol):
    r = r.astype(np.float64); c = c.astype(np.float64); d = np.abs(c - r)
    return {"max_abs": float(d.max()), "mean_abs": float(d.mean()), "mismatch": int((~np.isclose(c, r, rtol=rtol, atol=atol, equal_nan=True)).sum())}
print(json.dumps({"vae.act": m(a, cand_act, 1e-5, 1e-5), "proj.weight": m(wn, wn, 1e-2, 1e-2)}))
`;

test('torch.save reference vs .npz candidate, through the channels-last transform', async () => {
  const want = pythonJson<Record<string, { max_abs: number; mean_abs: number; mismatch: number }>>(script, [tmp]);
  const out = await runCompare({ refPath: join(tmp, 'ref.pt'), candPath: join(tmp, 'cand.npz') });
  const by = new Map(out.report.pairs.map((p) => [p.name, p]));
  assert.equal(by.get('vae.act')?.transform, 'nhwc_to_nchw');
  assert.equal(by.get('proj.weight')?.ref.dtype, 'BF16');
  assert.equal(by.get('proj.weight')?.atol, 1e-2, 'bf16 reference: the looser default applies');
  for (const [name, e] of Object.entries(want)) {
    const p = by.get(name);
    assert.ok(p, name);
    assert.ok(Math.abs((p.max_abs ?? NaN) - e.max_abs) <= 1e-12, `${name}.max_abs ${p.max_abs} vs ${e.max_abs}`);
    assert.ok(Math.abs((p.mean_abs ?? NaN) - e.mean_abs) <= 1e-12, `${name}.mean_abs`);
    assert.equal(p.mismatch, e.mismatch, `${name}.mismatch`);
  }
  assert.deepEqual(out.report.unmatched_ref, []);
});
