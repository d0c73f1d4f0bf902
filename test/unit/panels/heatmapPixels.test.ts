// The parity panel's heatmap pixels: max-pooling to the canvas and the colormap lookup,
// checked against NumPy doing the same on the same values (NaN, ±Inf, ragged edges included).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pythonJson } from '../../helpers/python';
import { colorize, type ColormapName, type Scale } from '../../../webview/shared/colormap';
import { poolForDisplay } from '../../../webview/parityReport/pool';
import { anchorTable } from '../../../src/core/images/anchors';

interface Case {
  width: number;
  height: number;
  values: (number | string)[];
  pooled: { width: number; height: number; values: (number | string)[] };
}

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity));

// 37×23 values with NaN and ±Inf, max-pooled by NumPy into 5×4-element cells (ragged last cells).
const CASE = pythonJson<Case>(`import json, numpy as np
rng = np.random.default_rng(7)
h, w, fy, fx = 23, 37, 4, 5
a = rng.random((h, w), dtype=np.float32) * 1e-2
a[3, 4] = np.nan; a[22, 36] = np.nan; a[10, 10] = np.inf; a[11, 30] = -np.inf
ph, pw = -(-h // fy), -(-w // fx)
pad = np.full((ph * fy, pw * fx), -np.inf, np.float32); pad[:h, :w] = a
cells = pad.reshape(ph, fy, pw, fx).transpose(0, 2, 1, 3).reshape(ph, pw, fy * fx)
pooled = np.where(np.isnan(cells).any(axis=2), np.nan, np.nanmax(np.where(np.isnan(cells), -np.inf, cells), axis=2))
enc = lambda x: [('nan' if np.isnan(v) else 'inf' if v > 0 else '-inf') if not np.isfinite(v) else float(v) for v in x.ravel()]
print(json.dumps({'width': w, 'height': h, 'values': enc(a), 'pooled': {'width': pw, 'height': ph, 'values': enc(pooled)}}))
`);

function expectedPixels(values: number[], name: ColormapName, scale: Scale, min: number, max: number): number[] {
  // NumPy computes the levels; the RGB of each level is the anchor table the panels share.
  const levels = pythonJson<number[]>(
    `import json, sys, numpy as np
v = np.array(json.loads(sys.argv[1]), dtype=np.float64); mn, mx, log = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == 'log'
with np.errstate(all='ignore'):
    if log:
        lo = np.log10(max(mn, 1e-30)); hi = np.log10(max(mx, mn * 10, 1e-29))
        lv = np.where(v > 0, (np.log10(np.where(v > 0, v, 1)) - lo) * (255 / (hi - lo)), 0)
    else:
        lv = (v - mn) * (255 / (mx - mn))
    lv = np.clip(np.nan_to_num(lv, nan=0, posinf=255, neginf=0), 0, 255).astype(np.int64)
print(json.dumps([-1 if np.isnan(x) else int(l) for x, l in zip(v, lv)]))`,
    [
      `[${values.map((v) => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity')).join(',')}]`,
      String(min),
      String(max),
      scale,
    ],
  );
  const t = anchorTable(name, 4);
  const out: number[] = [];
  for (const l of levels) out.push(...(l < 0 ? [255, 0, 255, 255] : [t[l * 4], t[l * 4 + 1], t[l * 4 + 2], 255]));
  return out;
}

describe('heatmap pixels', () => {
  it('max-pools a map to the canvas like NumPy (NaN wins a cell, ragged edge cells)', () => {
    const values = Float32Array.from(CASE.values.map(num));
    const p = poolForDisplay({ label: 'm', width: CASE.width, height: CASE.height, values }, 8, 6);
    assert.equal(p.width, CASE.pooled.width);
    assert.equal(p.height, CASE.pooled.height);
    assert.deepEqual(
      Array.from(p.values),
      CASE.pooled.values.map((v) => Math.fround(num(v))),
    );
  });

  for (const [name, scale] of [
    ['magma', 'linear'],
    ['viridis', 'log'],
    ['gray', 'linear'],
  ] as [ColormapName, Scale][]) {
    it(`colours every pixel through the ${name} table on a ${scale} scale (NaN magenta)`, () => {
      const values = Array.from(Float32Array.from(CASE.values.map(num)));
      const min = scale === 'log' ? 1e-4 : 0;
      const max = 8e-3;
      const out = new Uint8ClampedArray(values.length * 4);
      colorize(values, out, name, scale, { min, max });
      assert.deepEqual(Array.from(out), expectedPixels(values, name, scale, min, max));
    });
  }

  it('writes the same pixels into a view that does not start on a word boundary', () => {
    const values = [0, 2e-3, NaN, 8e-3, 1];
    const backing = new Uint8ClampedArray(values.length * 4 + 1);
    const out = backing.subarray(1);
    colorize(values, out, 'magma', 'linear', { min: 0, max: 8e-3 });
    assert.deepEqual(Array.from(out), expectedPixels(values, 'magma', 'linear', 0, 8e-3));
  });
});
