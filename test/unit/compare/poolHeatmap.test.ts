// Heatmaps of large pairs are pooled in the compare workers: each worker pools its run of
// slices into its own maps and the partials merge by max (exact in any order). The maps must
// be NumPy's (|c − r| rounded to float32, max over the reduced dims, max-pooled, NaN kept)
// bit for bit, with no pool and with pools of 1, 2 and 3 workers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonJson } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';
import { ComparePool, POOL_MIN_ELEMENTS } from '../../../src/core/compare/workerPool';
import type { CompareOutput } from '../../../src/core/compare/types';

const tmp = mkdtempSync(join(tmpdir(), 'mp-poolheat-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Want {
  shape: number[];
  main: [number, number];
  channels: { channel: number; max: number | null; size: [number, number] }[];
}

const want = pythonJson<Record<string, Want>>(
  `
import json, os, sys
import numpy as np
out = sys.argv[1]
os.makedirs(out + "/ref"); os.makedirs(out + "/cand"); os.makedirs(out + "/want")
rng = np.random.default_rng(11)
res = {}
def pool2(m, p, q):
    # NaN-propagating max over p x q windows; edges padded with 0 (every |diff| is >= 0)
    h, w = m.shape; H = -(-h // p) * p; W = -(-w // q) * q
    z = np.zeros((H, W), np.float32); z[:h, :w] = m
    return z.reshape(H // p, p, W // q, q).max(axis=(1, 3))
def put(name, r, c, reduce_axes, p, q, chan=None):
    np.save(f"{out}/ref/{name}.npy", r); np.save(f"{out}/cand/{name}.npy", c)
    R = r.astype(np.float64); C = c.astype(np.float64)
    d = np.abs(C - R).astype(np.float32)
    d[~(np.isfinite(R) & np.isfinite(C))] = np.nan
    m = pool2(d.max(axis=reduce_axes) if reduce_axes else d, p, q)
    m.astype("<f4").tofile(f"{out}/want/{name}.main.f32")
    chans = []
    if chan:
        cp, per = chan
        for ch in range(d.shape[1]):
            cm = pool2(d[:, ch].max(axis=0), cp, cp)
            cm.astype("<f4").tofile(f"{out}/want/{name}.ch{ch}.f32")
            mx = d[:, ch].max()
            chans.append({"channel": ch, "max": None if np.isnan(mx) else float(mx), "size": list(cm.shape)})
        # worst first: NaN channels, then by max, ties by index
        chans.sort(key=lambda e: (0 if e["max"] is None else 1, -(e["max"] or 0), e["channel"]))
    res[name] = {"shape": list(r.shape), "main": list(m.shape), "channels": chans}
def pair(shape):
    r = (rng.standard_normal(shape) * 2).astype(np.float32)
    c = (r + rng.standard_normal(shape).astype(np.float32) * np.float32(1e-3)).astype(np.float32)
    return r, c
# NCHW: max over batch and channels, 1200 -> 400 by 3; per-channel maps 1200 -> 120 by 10
r, c = pair((2, 3, 1200, 1200))
r[1, 2, 500, 600] = np.nan; c[0, 1, 7, 1199] = np.inf; c[0, 0, 0, 0] += 5; c[1, 0, 1199, 3] -= 4
put("act_nchw", r, c, (0, 1), 3, 3, (10, 3))
# [B, seq, dim]: the batch reduces (its rows are far apart in the file: other workers), 3 x 4 cells
r, c = pair((3, 1500, 1900))
c[2, 1499, 1899] += 7; r[0, 0, 5] = np.nan; c[1, 750, 950] = -np.inf
put("hidden", r, c, (0,), 3, 4)
# 2-D: one element per cell, pooled 6 x 6 with uneven last row/column
r, c = pair((2900, 2900))
c[2899, 2899] += 3; r[1450, 17] = np.nan
put("square", r, c, None, 6, 6)
print(json.dumps(res))
`,
  [tmp],
);

function f32(name: string): Float32Array {
  const b = readFileSync(join(tmp, 'want', name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Bit for bit, NaN where NumPy has NaN. */
function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: size`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) ? !Number.isNaN(a) : a !== e) assert.fail(`${what}[${i}]: ${a}, NumPy ${e}`);
  }
}

function checkAgainstNumpy(out: CompareOutput, label: string): void {
  for (const [name, w] of Object.entries(want)) {
    const h = out.heatmaps[name];
    assert.ok(h, `${label}: heatmap of ${name}`);
    assert.deepEqual([h.main.height, h.main.width], w.main, `${label} ${name}: map size`);
    sameBits(h.main.data, f32(`${name}.main.f32`), `${label} ${name}`);
    assert.deepEqual(
      h.channels.map((c) => [c.channel, Number.isNaN(c.channelMax) ? null : c.channelMax, c.height, c.width]),
      w.channels.map((c) => [c.channel, c.max === null ? null : Math.fround(c.max), ...c.size]),
      `${label} ${name}: worst channels`,
    );
    for (const c of h.channels) sameBits(c.data, f32(`${name}.ch${c.channel}.f32`), `${label} ${name} channel ${c.channel}`);
  }
}

const options = { refPath: join(tmp, 'ref'), candPath: join(tmp, 'cand'), heatmaps: 'all' as const };

test('pooled heatmaps equal NumPy bit for bit with no pool and with 1, 2 and 3 workers', async () => {
  for (const w of Object.values(want)) assert.ok(w.shape.reduce((a, b) => a * b, 1) >= POOL_MIN_ELEMENTS);
  const none = await runCompare({ ...options, workers: 0 });
  checkAgainstNumpy(none, 'no pool');
  for (const size of [1, 2, 3]) {
    const pool = new ComparePool(size);
    try {
      const out = await runCompare({ ...options, workers: size }, { pool });
      assert.equal(pool.measured, Object.keys(want).length, `${size} workers: every pair measured in the pool`);
      checkAgainstNumpy(out, `${size} workers`);
      // the numbers do not depend on the pool size either
      for (const [i, p] of out.report.pairs.entries()) assert.equal(p.max_abs, none.report.pairs[i].max_abs);
    } finally {
      await pool.close();
    }
  }
});

test('the mean reduction stays on the calling thread and gives the same maps as without a pool', async () => {
  const pool = new ComparePool(2);
  try {
    const only = ['hidden'];
    const pooled = await runCompare({ ...options, only, reduction: 'mean', workers: 2 }, { pool });
    const alone = await runCompare({ ...options, only, reduction: 'mean', workers: 0 });
    assert.equal(pool.measured, 0);
    assert.equal(pooled.heatmaps.hidden.main.reduction, 'mean');
    assert.deepEqual(pooled.heatmaps.hidden.main.data, alone.heatmaps.hidden.main.data);
  } finally {
    await pool.close();
  }
});
