// The pure logic the webviews run (golden rule, re-judging, name tree, jumps), in Node,
// against NumPy on the same data.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated, pythonJson } from '../../helpers/python';
import { loadPair } from '../../../src/core/viewer/imageLoad';
import { jointHistogram, judge, rtolCurve } from '../../../webview/shared/goldenRule';
import { findJumps, neededAtol, pyName, rejudge, roundUp } from '../../../webview/parityReport/rejudge';
import { buildTree, totals } from '../../../webview/tensorViewer/tree';
import type { TensorEntry } from '../../../src/protocol/tensorViewer';

const dir = ensureGenerated('panels-host', 'test/fixtures/panels_host.py');
const exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const img = (f: string) => join(dir, 'images', f);

describe('golden rule in the webview', () => {
  for (const [label, a, b, want] of [
    ['RGB', 'ref.png', 'cand.png', () => exp.rgb.ratio],
    ['RGBA (alpha compared too)', 'ref_rgba.png', 'cand_rgba.png', () => exp.rgba_ratio],
    ['palette (indices, as PIL loads them)', 'ref_pal.png', 'cand_pal.png', () => exp.pal_ratio],
  ] as const) {
    it(`mismatch ratio equals np.isclose on ${label}`, () => {
      const p = loadPair(img(a), img(b));
      const v = judge(jointHistogram(p.ref!.values, p.cand!.values), { rtol: 0.1, atol: 0, threshold: 0.15 });
      assert.ok(Math.abs(v.ratio - want()) < 1e-12, `${v.ratio} vs ${want()}`);
      assert.equal(v.pass, want() <= 0.15);
    });
  }

  it('the rtol curve matches np.isclose at each rtol, with an atol', () => {
    const p = loadPair(img('ref.png'), img('cand.png'));
    const rtols = [0.001, 0.01, 0.05, 0.2, 1];
    const got = rtolCurve(jointHistogram(p.ref!.values, p.cand!.values), 2, rtols);
    const want = pythonJson<number[]>(
      `import sys,json,numpy as np
from PIL import Image
R=np.array(Image.open(sys.argv[1])); C=np.array(Image.open(sys.argv[2]))
print(json.dumps([float(1-np.isclose(C,R,rtol=r,atol=2).mean()) for r in [0.001,0.01,0.05,0.2,1]]))`,
      [img('ref.png'), img('cand.png')],
    );
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-12, `rtol ${rtols[i]}: ${g} vs ${want[i]}`));
  });
});

describe('re-judging in the parity report', () => {
  it('counts mismatches like np.isclose, including NaN and infinities', () => {
    const ref = new Float32Array([1, -2, 0, Infinity, NaN, 1e-3, 5]);
    const cand = new Float32Array([1.01, -2, 1e-6, Infinity, NaN, 2e-3, -5]);
    const want = pythonJson<number[]>(`import json,numpy as np
r=np.array([1,-2,0,np.inf,np.nan,1e-3,5],dtype=np.float32); c=np.array([1.01,-2,1e-6,np.inf,np.nan,2e-3,-5],dtype=np.float32)
print(json.dumps([int((~np.isclose(c,r,rtol=rt,atol=at,equal_nan=True)).sum()) for at,rt in [(1e-5,1e-5),(1e-2,0),(0,0.5),(11,0)]]))`);
    const got = [
      [1e-5, 1e-5],
      [1e-2, 0],
      [0, 0.5],
      [11, 0],
    ].map(([a, r]) => rejudge(ref, cand, a, r).mismatch);
    assert.deepEqual(got, want);
  });

  it('the needed atol passes and a smaller one does not', () => {
    const ref = new Float32Array([0.5, -1.25, 3, 0]);
    const cand = new Float32Array([0.5004, -1.2502, 3.01, 0.0001]);
    const need = neededAtol(ref, cand, 1e-3)!;
    const printed = roundUp(need);
    assert.ok(printed >= need && printed < need * 1.11);
    assert.equal(rejudge(ref, cand, printed, 1e-3).pass, true);
    assert.equal(rejudge(ref, cand, need * 0.99, 1e-3).pass, false);
    assert.equal(neededAtol(new Float32Array([1]), new Float32Array([NaN]), 0), null);
    assert.equal(pyName('transformer.blocks.0.attn'), 'transformer_blocks_0_attn');
  });

  it('marks ≥10× steps of rel L2 that exceed the rtol', () => {
    assert.deepEqual(findJumps([1e-7, 2e-7, 3e-4, 4e-4, 5e-3, null, 1e-1], [1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5]), [2, 4, 6]);
  });
});

describe('tensor viewer tree', () => {
  const e = (name: string, shape: number[], dtype = 'F32'): TensorEntry => ({
    name,
    dtype,
    shape,
    numel: shape.reduce((a, b) => a * b, 1),
    byteLength: shape.reduce((a, b) => a * b, 4),
    decodable: true,
  });
  it('folds numbered blocks, joins single chains and keeps file order', () => {
    const list = [
      e('model.diffusion_model.in.weight', [8, 4]),
      ...[0, 1, 2].flatMap((b) => [
        e(`model.diffusion_model.blocks.${b}.q.weight`, [4, 4]),
        e(`model.diffusion_model.blocks.${b}.k.weight`, [4, 4]),
      ]),
      e('model.diffusion_model.blocks.2.extra', [2]),
      e('vae.decoder.conv.weight', [3, 3, 3, 3]),
    ];
    const root = buildTree(list);
    assert.deepEqual(
      root.children.map((c) => c.label),
      ['model.diffusion_model', 'vae.decoder.conv.weight'],
    );
    const dm = root.children[0];
    assert.deepEqual(
      dm.children.map((c) => c.label),
      ['in.weight', 'blocks.{0..2}'],
    );
    const blocks = dm.children[1];
    assert.deepEqual(blocks.repeat, { count: 3, uniform: false });
    assert.equal(blocks.count, 7);
    assert.equal(blocks.numel, 6 * 16 + 2);
    assert.equal(root.count, list.length);
    const t = totals(list);
    assert.equal(
      t.numel,
      list.reduce((a, x) => a + x.numel, 0),
    );
  });
});
