// Tensor stats (src/core/tensors/stats.ts) against NumPy on NumPy-written .npy files: NaN/±Inf,
// float32 denormals, every bf16 and f16 bit pattern, sizes that are not a multiple of the
// 4,096-element block, more than one 1M-element slice, Fortran order. The SIMD kernel (read
// straight into its memory) and the TypeScript twin (statsLanes.ts) must give the same bits, and
// so must every chunking of the same values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTensors, type TensorStats } from '../../../src/core/tensors';
import { StatsAccumulator, isPermutedContiguous, tensorStats } from '../../../src/core/tensors/stats';
import { kernels, useKernels } from '../../../src/core/kernels';
import { pythonJson } from '../../helpers/python';

const tmp = mkdtempSync(join(tmpdir(), 'mflux-stats-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

interface Want {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  inf: number;
  finite: number;
  first: number[];
}

// NumPy writes the files and computes the expected stats in float64 over the finite values.
// non-finite numbers come as the strings "nan", "inf", "-inf" (JSON has none)
const revive = (v: unknown): unknown =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Array.isArray(v) ? v.map(revive) : v;
const raw = pythonJson<Record<string, Record<string, unknown>>>(
  `
import json, sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(13)
out = {}
def num(x):
    x = float(x)
    return x if np.isfinite(x) else "nan" if np.isnan(x) else "inf" if x > 0 else "-inf"
def save(name, a, values=None):
    np.save(f"{d}/{name}.npy", a)
    v = (a if values is None else values).reshape(-1, order="C")
    f = v[np.isfinite(v)].astype(np.float64)
    nn = v[~np.isnan(v)]
    out[name] = {"min": num(nn.min()) if nn.size else None, "max": num(nn.max()) if nn.size else None,
                 "mean": float(f.mean()) if f.size else None, "std": float(f.std()) if f.size else None,
                 "nan": int(np.isnan(v).sum()), "inf": int(np.isinf(v).sum()), "finite": int(f.size),
                 "first": [num(x) for x in v[:10]]}
# 2.3 slices, not a multiple of the block; NaN/±Inf scattered, float32 denormals, a large offset
a = (100 + rng.standard_normal(2_411_723)).astype(np.float32)
a[[5, 4096, 4097, 1_048_575, 1_048_576, 2_411_722]] = [np.nan, np.inf, -np.inf, np.nan, np.inf, np.nan]
a[rng.integers(0, a.size, 500)] = np.float32(1e-45)
a[rng.integers(0, a.size, 500)] = np.float32(-3e-39)
save("f32", a)
# a whole slice of NaN first (the shift is the first finite value of each slice)
b = rng.standard_normal(1_048_576 * 2 + 300).astype(np.float32)
b[: 1_048_576 + 7] = np.nan
save("f32_nan_head", b)
save("f32_all_nan", np.full(10_000, np.nan, np.float32))
# every bf16 and f16 bit pattern (NaNs, ±Inf, subnormals, extremes), 3 times in a shuffled order
bits = np.tile(np.arange(65536, dtype=np.uint16), 3)
rng.shuffle(bits)
bf = bits.view("V2")
save("bf16", bf, (bits.astype(np.uint32) << 16).view(np.float32))
save("f16", bits.view(np.float16))
# Fortran order: stats as of the row-major values
c = np.asfortranarray(rng.standard_normal((1531, 2049)).astype(np.float32) * 3 - 1)
c[7, 3] = np.nan
save("f32_fortran", c)
print(json.dumps(out))`,
  [tmp],
);
const want: Record<string, Want> = Object.fromEntries(
  Object.entries(raw).map(([k, o]) => [k, Object.fromEntries(Object.entries(o).map(([f, v]) => [f, revive(v)])) as unknown as Want]),
);

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

function checkNumpy(s: TensorStats, w: Want, what: string): void {
  assert.deepEqual([s.min, s.max, s.nan, s.inf, s.finite], [w.min, w.max, w.nan, w.inf, w.finite], what);
  assert.ok(s.first.length === w.first.length && s.first.every((x, i) => same(x, w.first[i])), `${what}: first ${s.first}`);
  if (w.mean === null) return assert.deepEqual([s.mean, s.std], [null, null], what);
  const scale = Math.max(Math.abs(w.mean), w.std!);
  assert.ok(Math.abs(s.mean! - w.mean) <= 1e-12 * scale, `${what}: mean ${s.mean} vs NumPy ${w.mean}`);
  assert.ok(Math.abs(s.std! - w.std!) <= 1e-12 * w.std!, `${what}: std ${s.std} vs NumPy ${w.std}`);
}

async function stats(name: string, simd: boolean, chunkElements?: number): Promise<TensorStats> {
  useKernels(simd);
  try {
    if (simd) assert.ok(kernels(), 'dist/kernels.wasm did not load: run `npm run build` (needs clang and lld)');
    const src = await openTensors(join(tmp, `${name}.npy`));
    try {
      const t = src.list()[0].name;
      if (chunkElements === undefined) return await tensorStats(src, t);
      const acc = new StatsAccumulator();
      for await (const c of src.chunks(t, { chunkElements })) acc.add(c);
      return acc.result();
    } finally {
      await src.close();
    }
  } finally {
    useKernels(true);
  }
}

for (const name of ['f32', 'f32_nan_head', 'f32_all_nan', 'bf16', 'f16']) {
  test(`stats of ${name}: kernel (straight into its memory) = TypeScript to the bit, = NumPy, whatever the chunking`, async () => {
    const simd = await stats(name, true);
    checkNumpy(simd, want[name], `${name} kernel`);
    assert.deepEqual(await stats(name, false), simd, `${name}: TypeScript path`);
    for (const chunk of [1000, 4096, 4097, 65_537, 1 << 20, 1 << 22]) {
      for (const k of [true, false]) assert.deepEqual(await stats(name, k, chunk), simd, `${name}: chunks of ${chunk}, kernels ${k}`);
    }
  });
}

test('stats of a Fortran-order tensor: storage-order sums agree with NumPy and with the row-major stream', async () => {
  const direct = await stats('f32_fortran', true);
  checkNumpy(direct, want.f32_fortran, 'fortran, kernel in storage order');
  for (const k of [true, false])
    checkNumpy(await stats('f32_fortran', k, 1 << 20), want.f32_fortran, `fortran, row-major chunks, kernels ${k}`);
});

test('a view is read in storage order only when it visits every element once', () => {
  assert.equal(isPermutedContiguous([4, 3], undefined), true);
  assert.equal(isPermutedContiguous([4, 3], [1, 4]), true);
  assert.equal(isPermutedContiguous([2, 1, 3], [1, 99, 2]), true);
  assert.equal(isPermutedContiguous([4, 3], [1, 3]), false); // overlapping
  assert.equal(isPermutedContiguous([4, 3], [3, 2]), false); // gaps
  assert.equal(isPermutedContiguous([2, 2, 2], [1, 1, 5]), false); // span equals numel, yet not one-to-one
  assert.equal(isPermutedContiguous([3, 4], [8, 2]), false); // every other element
});
