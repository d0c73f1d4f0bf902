// The compare metric kernel (native/metrics.c) on NumPy-made data: NaN/±Inf alone and in
// runs, denormals, ±0, huge values, bf16 edge values, a mean far from zero, lengths that
// are not multiples of 4 or of the 4,096-element block. Its numbers match NumPy's (sums
// against math.fsum, exact), match the TypeScript reference, and are bit-identical however
// the pair is cut into chunks or worker slices on the block grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonJson } from '../../helpers/python';
import { MetricAccumulator, type MetricValues } from '../../../src/core/compare/metrics';
import { kernels, useKernels } from '../../../src/core/kernels';

interface Case {
  name: string;
  r: number[];
  c: number[];
  want: {
    max_abs: number;
    max_abs_index: number;
    max_rel: number;
    mismatch: number;
    nan_ref: number;
    nan_cand: number;
    inf_ref: number;
    inf_cand: number;
    mean_abs: number;
    rmse: number;
    rel_l2: number;
    cosine: number;
    sqnr_db: number;
    ref: { mean: number; std: number; min: number; max: number };
    cand: { mean: number; std: number; min: number; max: number };
    zero: number;
    counts: number[];
    below: number;
    above: number;
  };
}

const ATOL = 1e-5;
const RTOL = 1e-4;

// Values as float32 bit patterns (exact through JSON); expected values in float64 from the
// float32 values, sums by math.fsum (correctly rounded), as the kernel's definitions say.
const CASES = pythonJson<Case[]>(`
import json, math
import numpy as np
np.seterr(all="ignore")
rng = np.random.default_rng(13)
B = 4096
def case(name, r, c):
    r = r.astype(np.float32); c = c.astype(np.float32)
    rv, cv = r.astype(np.float64), c.astype(np.float64)
    both = np.isfinite(rv) & np.isfinite(cv)
    d = cv[both] - rv[both]; ad = np.abs(d); ar = np.abs(rv[both])
    idx = np.flatnonzero(both)
    rel = ad / np.maximum(ar, 1e-12)
    mis = int((ad > ${ATOL} + ${RTOL} * ar).sum())
    # non-finite: a mismatch unless equal (same infinity, or NaN against NaN)
    nb = ~both
    mis += int(((rv[nb] != cv[nb]) & ~(np.isnan(rv[nb]) & np.isnan(cv[nb]))).sum())
    fs = math.fsum
    n = int(both.sum())
    sq = fs(d * d); r2 = fs(rv[both] ** 2); c2 = fs(cv[both] ** 2); dot = fs(rv[both] * cv[both])
    def side(v):
        f = v[np.isfinite(v)]
        m = fs(f) / f.size
        var = fs((f - m) ** 2) / f.size
        return {"mean": m, "std": math.sqrt(var), "min": float(f.min()), "max": float(f.max())}
    a32 = ad.astype(np.float32)
    e = np.frexp(a32[(a32 > 0) & np.isfinite(a32)])[1] - 1  # |d| over float32's range is in no bin
    return {"name": name, "r": r.view(np.uint32).tolist(), "c": c.view(np.uint32).tolist(), "want": {
        "max_abs": float(ad.max()), "max_abs_index": int(idx[np.argmax(ad)]), "max_rel": float(rel.max()),
        "mismatch": mis, "nan_ref": int(np.isnan(rv).sum()), "nan_cand": int(np.isnan(cv).sum()),
        "inf_ref": int(np.isinf(rv).sum()), "inf_cand": int(np.isinf(cv).sum()),
        "mean_abs": fs(ad) / n, "rmse": math.sqrt(sq / n), "rel_l2": math.sqrt(sq / r2),
        "cosine": dot / (math.sqrt(r2) * math.sqrt(c2)), "sqnr_db": 10 * math.log10(r2 / sq),
        "ref": side(rv), "cand": side(cv),
        "zero": int((a32 == 0).sum()), "counts": [int((e == k).sum()) for k in range(-40, 20)],
        "below": int((e < -40).sum()), "above": int((e >= 20).sum())}}
out = []
N = 3 * B + 4093  # not a multiple of 4 nor of the block
r = rng.standard_normal(N); c = r + rng.standard_normal(N) * 1e-3
for x in (r, c):
    x[rng.integers(0, N, 30)] = 1e-40; x[rng.integers(0, N, 30)] = -1.4e-45; x[rng.integers(0, N, 30)] = -0.0
r[rng.integers(0, N, 10)] = np.nan; c[rng.integers(0, N, 10)] = np.nan
r[9000:9013] = np.nan; c[100:103] = np.inf
at = rng.integers(0, N, 8); r[at] = c[at] = -np.inf
r[2 * B + 5] = np.inf
big = rng.integers(0, N, 6); r[big] = 3e38; c[big] = -3e38  # |d| overflows float32
c[777] = r[777] + 7.5
r[5000] = 3e38; c[5000] = -3e38
# block 1 all finite (the kernel's fast path), the others with NaN/Inf (its element path)
b1 = slice(B, 2 * B)
bad = ~np.isfinite(r[b1]) | ~np.isfinite(c[b1])
r[b1][bad] = 0.5; c[b1][bad] = 0.25
out.append(case("edges", r, c))
N = 2 * B + 1
r = 1000.0 + rng.standard_normal(N) * 1e-3; c = r + rng.standard_normal(N) * 1e-4
out.append(case("far from zero", r, c))
bits = rng.integers(0, 65536, 4 * B + 3, dtype=np.uint32)
bits[7::89] = 0x0001; bits[9::101] = 0x8000  # denormal, -0
bits[:B:97] = 0x7f80; bits[5:B:211] = 0xff80  # inf, -inf: in block 0 only, the others take the fast path
bits[:4] = [0x3f80, 0x3f81, 0x4000, 0xc000]
r = (bits << 16).view(np.float32); cb = bits.copy(); cb[1::3] += 1
c = (cb << 16).view(np.float32)
r = np.where(np.isnan(r), np.float32(1), r); c = np.where(np.isnan(c), np.float32(1), c)
out.append(case("bf16 edges", r, c))
N = 5
r = np.array([1, 2, 3, 4, 5.5]); c = np.array([1, 2.5, 3, 4, 5])
out.append(case("five", r, c))
print(json.dumps(out))
`);

function f32(bits: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

/** The upper halves of float32 values that are bfloat16 values: their bfloat16 bit patterns. */
function bf16Bits(x: Float32Array): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  assert.ok(
    u.every((b) => (b & 0xffff) === 0),
    'values are bfloat16 values',
  );
  return Uint16Array.from(u, (b) => b >>> 16);
}

/** Measures the pair fed in pieces of `piece` elements. */
function measure(r: Float32Array | Uint16Array, c: Float32Array | Uint16Array, piece: number): MetricValues {
  const acc = new MetricAccumulator(ATOL, RTOL);
  for (let at = 0; at < r.length; at += piece) acc.update(r.subarray(at, at + piece), c.subarray(at, at + piece));
  return acc.finish([r.length]);
}

/** Measures the pair as the worker pool does: slices of `slice` elements, partials merged. */
function sliced(r: Float32Array, c: Float32Array, slice: number, piece: number): MetricValues {
  const shiftR = r.find((v) => Number.isFinite(v)) as number;
  const shiftC = c.find((v) => Number.isFinite(v)) as number;
  const parts: Float64Array[] = [];
  for (let lo = 0; lo < r.length; lo += slice) {
    const a = MetricAccumulator.slice(ATOL, RTOL, shiftR, shiftC, lo);
    const hi = Math.min(r.length, lo + slice);
    for (let at = lo; at < hi; at += piece) a.update(r.subarray(at, Math.min(hi, at + piece)), c.subarray(at, Math.min(hi, at + piece)));
    parts.push(a.partial());
  }
  return MetricAccumulator.merge(ATOL, RTOL, parts, Array.from(r.subarray(0, 10)), Array.from(c.subarray(0, 10))).finish([r.length]);
}

function near(a: number | null | undefined, b: number, tol: number, what: string): void {
  assert.equal(typeof a, 'number', `${what}: ${a}`);
  assert.ok(Math.abs((a as number) - b) <= tol * Math.abs(b), `${what}: ${a} vs ${b} (rel ${Math.abs((a as number) - b) / Math.abs(b)})`);
}

function checkNumpy(m: MetricValues, w: Case['want'], name: string): void {
  assert.equal(m.max_abs, w.max_abs, `${name} max_abs`);
  assert.deepEqual(m.max_abs_index, [w.max_abs_index], `${name} max_abs_index`);
  assert.equal(m.max_rel, w.max_rel, `${name} max_rel`);
  for (const k of ['mismatch', 'nan_ref', 'nan_cand', 'inf_ref', 'inf_cand'] as const) assert.equal(m[k], w[k], `${name} ${k}`);
  // within 2,048 additions' rounding of the block's lanes (kernels/index.ts), far inside 1e-12
  for (const k of ['mean_abs', 'rmse', 'rel_l2', 'sqnr_db'] as const) near(m[k], w[k], 1e-12, `${name} ${k}`);
  near(m.cosine, w.cosine, 1e-14, `${name} cosine`);
  for (const side of ['ref', 'cand'] as const) {
    const s = m[`${side}_stats`];
    const e = w[side];
    assert.deepEqual([s.min, s.max], [e.min, e.max], `${name} ${side} min/max`);
    near(s.mean, e.mean, 1e-12, `${name} ${side}.mean`);
    near(s.std, e.std, 1e-12, `${name} ${side}.std`);
  }
  const h = m.histogram;
  assert.deepEqual([h.zero, h.below, h.above, h.counts], [w.zero, w.below, w.above, w.counts], `${name} histogram`);
}

test('metric kernel = NumPy (exact sums by math.fsum) on NaN/Inf/denormal/bf16 edge data of odd lengths', () => {
  assert.ok(kernels(), 'dist/kernels.wasm did not load: run `npm run build` (needs clang and lld)');
  for (const k of CASES) {
    const r = f32(k.r);
    const c = f32(k.c);
    for (const piece of [4096, 1 << 20]) checkNumpy(measure(r, c, piece), k.want, `${k.name} (pieces of ${piece})`);
  }
});

test('metric kernel: bit-identical whatever the chunk or slice size on the 4,096 grid', () => {
  assert.ok(kernels(), 'the TypeScript path sums chunk by chunk: this is about the kernel');
  for (const k of CASES) {
    const r = f32(k.r);
    const c = f32(k.c);
    const one = measure(r, c, r.length);
    for (const piece of [4096, 8192, 3 * 4096]) assert.deepEqual(measure(r, c, piece), one, `${k.name}: pieces of ${piece}`);
    for (const [slice, piece] of [
      [4096, 4096],
      [8192, 4096],
      [3 * 4096, 3 * 4096],
    ])
      assert.deepEqual(sliced(r, c, slice, piece), one, `${k.name}: slices of ${slice} in pieces of ${piece}`);
  }
});

test('metric kernel: bfloat16 bit patterns decoded inside the pass give the bits of their float32 values', () => {
  const k = CASES.find((x) => x.name === 'bf16 edges') as Case;
  const r = f32(k.r);
  const c = f32(k.c);
  const one = measure(r, c, r.length);
  checkNumpy(one, k.want, 'bf16 as float32');
  const rb = bf16Bits(r);
  const cb = bf16Bits(c);
  for (const [a, b, what] of [
    [rb, cb, 'both bf16'],
    [rb, c, 'ref bf16'],
    [r, cb, 'cand bf16'],
  ] as const) {
    assert.deepEqual(measure(a, b, 4096), one, `${what} (kernel)`);
    useKernels(false);
    try {
      assert.deepEqual(measure(a, b, 4096), measure(r, c, 4096), `${what} (TypeScript)`);
    } finally {
      useKernels(true);
    }
  }
});

test('metric kernel = TypeScript reference: exact fields equal, sums within 1e-12', () => {
  for (const k of CASES) {
    const r = f32(k.r);
    const c = f32(k.c);
    const simd = measure(r, c, 4096);
    useKernels(false);
    let js: MetricValues;
    try {
      assert.equal(kernels(), null);
      js = measure(r, c, 4096);
    } finally {
      useKernels(true);
    }
    for (const f of ['max_abs', 'max_abs_index', 'max_rel', 'mismatch', 'nan_ref', 'nan_cand', 'inf_ref', 'inf_cand', 'histogram'] as const)
      assert.deepEqual(simd[f], js[f], `${k.name} ${f}`);
    for (const f of ['mean_abs', 'rmse', 'rel_l2', 'sqnr_db', 'cosine'] as const) near(simd[f], js[f] as number, 1e-12, `${k.name} ${f}`);
    for (const side of ['ref_stats', 'cand_stats'] as const) {
      assert.deepEqual(
        [simd[side].min, simd[side].max, simd[side].first],
        [js[side].min, js[side].max, js[side].first],
        `${k.name} ${side}`,
      );
      near(simd[side].mean, js[side].mean as number, 1e-12, `${k.name} ${side}.mean`);
    }
  }
});
