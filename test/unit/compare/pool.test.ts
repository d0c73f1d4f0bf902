// The worker pool for large pairs: 1, 2 and 3 workers give the same bits (the slice grid is
// fixed and partials merge in element order), and those numbers are NumPy's (float64
// reference computation) within 1e-12 relative; the engine uses the pool for a large pair.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pythonJson, REPO_ROOT } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';
import { ComparePool, POOL_MIN_ELEMENTS, defaultWorkerFile, measureInPool } from '../../../src/core/compare/workerPool';
import type { MetricValues } from '../../../src/core/compare/metrics';
import { openTensors } from '../../../src/core/tensors';

const tmp = mkdtempSync(join(tmpdir(), 'mp-pool-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Want = Record<string, number | number[]>;

// "big": 8.4M F32 elements (over the pool threshold) with NaN, ±Inf and denormals;
// "fort": a Fortran-order .npy (workers read their slices through the strided reader).
const want = pythonJson<Record<string, Want>>(
  `
import json, os, sys
import numpy as np
out = sys.argv[1]
os.makedirs(out + "/ref"); os.makedirs(out + "/cand")
rng = np.random.default_rng(7)
res = {}
def put(name, r, c, atol=1e-5, rtol=1e-5):
    np.save(f"{out}/ref/{name}.npy", r); np.save(f"{out}/cand/{name}.npy", c)
    R = np.ascontiguousarray(r).ravel().astype(np.float64); C = np.ascontiguousarray(c).ravel().astype(np.float64)
    fin = np.isfinite(R) & np.isfinite(C)
    d = np.abs(C[fin] - R[fin]); idx = np.flatnonzero(fin)
    close = np.isclose(C, R, atol=atol, rtol=rtol, equal_nan=False)
    fr = R[np.isfinite(R)]
    res[name] = {
      "max_abs": float(d.max()), "max_abs_index": [int(i) for i in np.unravel_index(idx[d.argmax()], r.shape)],
      "mean_abs": float(d.mean()), "rmse": float(np.sqrt((d * d).mean())),
      "rel_l2": float(np.sqrt((d * d).sum() / (R[fin] ** 2).sum())),
      "cosine": float((R[fin] * C[fin]).sum() / np.sqrt((R[fin] ** 2).sum() * (C[fin] ** 2).sum())),
      "mismatch": int((~close).sum()),
      "nan_ref": int(np.isnan(R).sum()), "nan_cand": int(np.isnan(C).sum()),
      "inf_ref": int(np.isinf(R).sum()), "inf_cand": int(np.isinf(C).sum()),
      "ref_min": float(fr.min()), "ref_max": float(fr.max()), "ref_mean": float(fr.mean()), "ref_std": float(fr.std()),
    }
n = 8_400_000
r = (rng.standard_normal(n) * 3 + 0.5).astype(np.float32)
c = (r + rng.standard_normal(n).astype(np.float32) * np.float32(2e-6)).astype(np.float32)
r[5] = np.nan; c[17] = np.inf; r[4_000_001] = -np.inf; c[4_000_001] = -np.inf
r[6_000_000:6_000_010] = np.float32(1e-42); c[7_777_777] = np.float32(r[7_777_777] + 0.25)
put("big", r.reshape(2, 4_200_000), c.reshape(2, 4_200_000))
f = (rng.standard_normal((1500, 2400)) * 2).astype(np.float32)
g = (f + rng.standard_normal(f.shape).astype(np.float32) * np.float32(1e-5)).astype(np.float32)
put("fort", np.asfortranarray(f), g)
print(json.dumps(res))
`,
  [tmp],
);

function agrees(name: string, m: MetricValues, w: Want): void {
  // relative to the value, or to the spread for a mean near zero (float64 cancellation)
  const close = (a: number | null | undefined, b: number, what: string, scale = Math.abs(b)) =>
    assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= 1e-12 * Math.max(scale, 1e-300), `${name}.${what}: ${a} vs ${b}`);
  close(m.max_abs, w.max_abs as number, 'max_abs');
  assert.deepEqual(m.max_abs_index, w.max_abs_index, `${name}.max_abs_index`);
  close(m.mean_abs, w.mean_abs as number, 'mean_abs');
  close(m.rmse, w.rmse as number, 'rmse');
  close(m.rel_l2, w.rel_l2 as number, 'rel_l2');
  close(m.cosine, w.cosine as number, 'cosine');
  for (const k of ['mismatch', 'nan_ref', 'nan_cand', 'inf_ref', 'inf_cand'] as const) assert.equal(m[k], w[k], `${name}.${k}`);
  close(m.ref_stats.min, w.ref_min as number, 'ref.min');
  close(m.ref_stats.max, w.ref_max as number, 'ref.max');
  close(m.ref_stats.mean, w.ref_mean as number, 'ref.mean', w.ref_std as number);
  close(m.ref_stats.std, w.ref_std as number, 'ref.std');
}

test('1, 2 and 3 workers give identical numbers, equal to NumPy within 1e-12', async () => {
  const ref = await openTensors(join(tmp, 'ref'));
  const cand = await openTensors(join(tmp, 'cand'));
  try {
    for (const name of ['big', 'fort']) {
      const refInfo = ref.get(name)!;
      const candInfo = cand.get(name)!;
      const got: MetricValues[] = [];
      for (const workers of [1, 2, 3]) {
        const pool = new ComparePool(workers);
        try {
          const acc = await measureInPool(pool, { ref, cand, refInfo, candInfo }, { atol: 1e-5, rtol: 1e-5 });
          assert.ok(acc, `${name}: pooled`);
          got.push(acc.finish(refInfo.shape));
        } finally {
          await pool.close();
        }
      }
      assert.deepEqual(got[1], got[0], `${name}: 2 workers = 1 worker`);
      assert.deepEqual(got[2], got[0], `${name}: 3 workers = 1 worker`);
      agrees(name, got[0], want[name]);
    }
  } finally {
    await Promise.all([ref.close(), cand.close()]);
  }
});

test('runCompare measures a large pair in the pool with the same numbers as on one thread', async () => {
  const opts = { refPath: join(tmp, 'ref'), candPath: join(tmp, 'cand'), heatmaps: 'none' as const, only: ['big'] };
  const one = (await runCompare({ ...opts, workers: 0 })).report.pairs[0];
  const two = (await runCompare({ ...opts, workers: 2 })).report.pairs[0];
  assert.ok(one.numel >= POOL_MIN_ELEMENTS);
  for (const p of [one, two]) agrees('big', p as unknown as MetricValues, want.big);
  assert.equal(two.mismatch, one.mismatch);
  assert.deepEqual(two.histogram, one.histogram);
  assert.deepEqual(two.ref_stats?.first, one.ref_stats?.first);
  assert.equal(two.pass, false);
});

test("a pool worker that cannot read its slice rejects with the reader's message, and cancelling settles", async () => {
  const pool = new ComparePool(2);
  const job = {
    refPath: join(tmp, 'ref'),
    candPath: join(tmp, 'cand'),
    refName: 'big',
    candName: 'missing',
    numel: 8_400_000,
    atol: 1e-5,
    rtol: 1e-5,
    shiftR: 0,
    shiftC: 0,
    sliceElements: 1 << 20,
  };
  try {
    await assert.rejects(pool.measure(job), /no tensor named "missing"/);
    const abort = new AbortController();
    const run = pool.measure({ ...job, candName: 'big' }, abort.signal);
    abort.abort();
    await assert.rejects(run, { name: 'AbortError' });
  } finally {
    await pool.close();
  }
});

test('cancelling mid-pair (after the first slices came back) leaves no worker thread running', { timeout: 120_000 }, async () => {
  const ref = await openTensors(join(tmp, 'ref'));
  const cand = await openTensors(join(tmp, 'cand'));
  const pool = new ComparePool(3);
  try {
    const abort = new AbortController();
    let seen = 0;
    const run = measureInPool(
      pool,
      { ref, cand, refInfo: ref.get('big')!, candInfo: cand.get('big')! },
      { atol: 1e-5, rtol: 1e-5 },
      abort.signal,
      (done) => {
        seen = done;
        abort.abort();
      },
    );
    await assert.rejects(run, { name: 'AbortError' });
    assert.ok(seen > 0 && seen < 8_400_000, `cancelled mid-pair (${seen} elements done)`);
    await pool.whenStopped();
    assert.equal(pool.alive, 0);
  } finally {
    await Promise.all([pool.close(), ref.close(), cand.close()]);
  }
});

test(
  'a file that shrinks under one worker: the pair fails naming the file and the reason, no worker left',
  { timeout: 120_000 },
  async () => {
    const dir = join(tmp, 'shrink');
    mkdirSync(dir);
    copyFileSync(join(tmp, 'ref', 'big.npy'), join(dir, 'big.npy'));
    const ref = await openTensors(join(tmp, 'ref'));
    const cand = await openTensors(dir);
    const pool = new ComparePool(2);
    const sides = { ref, cand, refInfo: ref.get('big')!, candInfo: cand.get('big')! };
    try {
      // the first pass opens the files in the workers; then the second half of the candidate goes
      assert.ok(await measureInPool(pool, sides, { atol: 1e-5, rtol: 1e-5 }));
      truncateSync(join(dir, 'big.npy'), 128 + 6_000_000 * 4);
      await assert.rejects(measureInPool(pool, sides, { atol: 1e-5, rtol: 1e-5 }), (e: Error) => {
        assert.equal(e.message, `${join(dir, 'big.npy')}: file ended while reading data (it shrank while open?)`);
        return true;
      });
      await pool.whenStopped();
      assert.equal(pool.alive, 0);
    } finally {
      await Promise.all([pool.close(), ref.close(), cand.close()]);
    }
  },
);

test('run from src/ (as the tests run), the workers load the TypeScript entry, not a dist/ bundle', () => {
  const file = defaultWorkerFile();
  assert.equal(relative(REPO_ROOT, file), join('src', 'core', 'compare', 'worker.ts'));
  assert.ok(existsSync(file), file);
});
