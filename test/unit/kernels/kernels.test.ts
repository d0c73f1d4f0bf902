// The SIMD kernels (dist/kernels.wasm, built by `npm run build`) and the TypeScript fallback
// give the same numbers, and both match NumPy, on edge-case data written by NumPy
// (test/fixtures/make_kernels.py) and on the compare engine's fixture (make_compare.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';
import type { PairResult } from '../../../src/core/compare/types';
import { kernels, useKernels } from '../../../src/core/kernels';
import { openTensors, tensorStats, type TensorStats } from '../../../src/core/tensors';
import { decodeLE } from '../../../src/core/tensors/decode';

interface Side {
  min: number;
  max: number;
  mean: number;
  std: number;
  nan: number;
  inf: number;
  finite: number;
}
interface Expected {
  max_abs: number;
  max_abs_index: number;
  mean_abs: number;
  rel_l2: number;
  cosine: number;
  mismatch: number;
  hist_zero: number;
  hist: number[];
  ref: Side;
  cand: Side;
}

const dir = ensureGenerated('kernels', 'test/fixtures/make_kernels.py');
const infinities = (_k: string, v: unknown) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'), infinities) as Record<string, Expected>;
const refPath = join(dir, 'ref.safetensors');
const candPath = join(dir, 'cand.safetensors');

function close(a: number | null | undefined, b: number, tol: number, what: string, scale = Math.abs(b)): void {
  assert.equal(typeof a, 'number', `${what}: ${a}`);
  assert.ok(Math.abs((a as number) - b) <= tol * scale || a === b, `${what}: ${a} vs ${b}`);
}

async function both<T>(f: () => Promise<T>): Promise<{ simd: T; js: T }> {
  useKernels(true);
  assert.ok(kernels(), 'dist/kernels.wasm did not load: run `npm run build` (needs clang and lld)');
  const simd = await f();
  useKernels(false);
  try {
    assert.equal(kernels(), null);
    return { simd, js: await f() };
  } finally {
    useKernels(true);
  }
}

function checkAgainstNumpy(p: PairResult, e: Expected): void {
  const n = p.name;
  assert.equal(p.max_abs, e.max_abs, `${n}.max_abs`);
  assert.deepEqual(p.max_abs_index, [e.max_abs_index], `${n}.max_abs_index`);
  assert.equal(p.mismatch, e.mismatch, `${n}.mismatch`);
  close(p.mean_abs, e.mean_abs, 1e-9, `${n}.mean_abs`);
  close(p.rel_l2, e.rel_l2, 1e-9, `${n}.rel_l2`);
  close(p.cosine, e.cosine, 1e-9, `${n}.cosine`);
  assert.equal(p.histogram?.zero, e.hist_zero, `${n}.histogram.zero`);
  assert.deepEqual(p.histogram?.counts, e.hist, `${n}.histogram`);
  for (const [side, want] of [
    ['ref', e.ref],
    ['cand', e.cand],
  ] as const) {
    assert.equal(p[`nan_${side}`], want.nan, `${n}.nan_${side}`);
    assert.equal(p[`inf_${side}`], want.inf, `${n}.inf_${side}`);
    // The metric stats are over finite values; NumPy's min/max here include ±Inf.
    const s = p[`${side}_stats`];
    close(s?.mean, want.mean, 1e-9, `${n}.${side}.mean`, Math.max(Math.abs(want.mean), want.std));
    close(s?.std, want.std, 1e-9, `${n}.${side}.std`);
  }
}

/** Everything but float64 sums is bit-exact between the paths; sums within 1e-12 of their scale. */
function checkSame(a: PairResult, b: PairResult): void {
  const n = a.name;
  for (const k of ['max_abs', 'max_abs_index', 'max_rel', 'mismatch', 'nan_ref', 'nan_cand', 'inf_ref', 'inf_cand', 'histogram'] as const) {
    assert.deepEqual(a[k], b[k], `${n}.${k}: kernels and TypeScript differ`);
  }
  for (const k of ['mean_abs', 'rmse', 'rel_l2', 'cosine', 'sqnr_db'] as const) {
    if (b[k] === null) assert.equal(a[k], null, `${n}.${k}`);
    else close(a[k], b[k] as number, 1e-12, `${n}.${k} (kernels vs TypeScript)`);
  }
  for (const side of ['ref_stats', 'cand_stats'] as const) {
    const x = a[side];
    const y = b[side];
    assert.deepEqual([x?.min, x?.max, x?.first], [y?.min, y?.max, y?.first], `${n}.${side} min/max/first`);
    close(x?.mean, y?.mean ?? NaN, 1e-12, `${n}.${side}.mean`, Math.max(Math.abs(y?.mean ?? 0), y?.std ?? 0));
    close(x?.std, y?.std ?? NaN, 1e-12, `${n}.${side}.std`);
  }
}

for (const chunkElements of [1001, undefined]) {
  test(`compare metrics: kernels = TypeScript = NumPy on NaN/Inf/denormals, all bf16 and f16 patterns (chunks ${chunkElements ?? 'default'})`, async () => {
    const run = () => runCompare({ refPath, candPath, heatmaps: 'none', chunkElements });
    const { simd, js } = await both(run);
    for (const [name, e] of Object.entries(expected)) {
      const a = simd.report.pairs.find((p) => p.name === name) as PairResult;
      const b = js.report.pairs.find((p) => p.name === name) as PairResult;
      checkAgainstNumpy(a, e);
      checkAgainstNumpy(b, e);
      checkSame(a, b);
    }
  });
}

test('compare engine fixture (transforms, NaN/Inf, bf16, f64): kernels and TypeScript agree', async () => {
  const cdir = ensureGenerated('compare', 'test/fixtures/make_compare.py');
  const map = { rename: [{ from: '^transformer_blocks\\.(\\d+)\\.attn\\.to_q$', to: 'transformer.blocks.$1.attention.wq' }] };
  const { simd, js } = await both(() => runCompare({ refPath: join(cdir, 'ref'), candPath: join(cdir, 'cand'), map, chunkElements: 333 }));
  assert.equal(simd.report.pairs.length, js.report.pairs.length);
  for (let i = 0; i < js.report.pairs.length; i++) {
    const a = simd.report.pairs[i];
    const b = js.report.pairs[i];
    assert.equal(a.name, b.name);
    if (b.max_abs === null) assert.deepEqual(a, b);
    else checkSame(a, b);
  }
});

test('tensor stats: kernels = TypeScript = NumPy (min/max with ±Inf, NaN/Inf counts, mean/std)', async () => {
  const stats = async (): Promise<Record<string, TensorStats>> => {
    const src = await openTensors(candPath);
    const out: Record<string, TensorStats> = {};
    for (const t of src.list()) out[t.name] = await tensorStats(src, t.name);
    await src.close?.();
    return out;
  };
  const { simd, js } = await both(stats);
  for (const [name, e] of Object.entries(expected)) {
    for (const s of [simd[name], js[name]]) {
      assert.deepEqual([s.min, s.max, s.nan, s.inf, s.finite], [e.cand.min, e.cand.max, e.cand.nan, e.cand.inf, e.cand.finite], name);
      close(s.mean, e.cand.mean, 1e-9, `${name}.mean`, Math.max(Math.abs(e.cand.mean), e.cand.std));
      close(s.std, e.cand.std, 1e-9, `${name}.std`);
    }
    close(simd[name].mean, js[name].mean as number, 1e-12, `${name}.mean paths`, Math.max(Math.abs(e.cand.mean), e.cand.std));
    close(simd[name].std, js[name].std as number, 1e-12, `${name}.std paths`);
  }
});

test('bf16/f16 decode: every bit pattern as NumPy decodes it (kernels keep f16 NaN payloads as NumPy does; the table gives NaN)', async () => {
  const bits = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) bits[i] = i;
  const bytes = new Uint8Array(bits.buffer);
  for (const kind of ['BF16', 'F16'] as const) {
    const b = readFileSync(join(dir, `${kind.toLowerCase()}_f32.bin`));
    const want = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    const { simd, js } = await both(async () => new Uint32Array((decodeLE(kind, bytes, 65536) as Float32Array).slice().buffer));
    for (let i = 0; i < 65536; i++) {
      const hex = `${kind} pattern 0x${i.toString(16)}`;
      assert.equal(simd[i], want[i], `${hex} (kernel): ${simd[i].toString(16)} vs NumPy ${want[i].toString(16)}`);
      const nan = (want[i] & 0x7f800000) === 0x7f800000 && (want[i] & 0x7fffff) !== 0;
      if (nan) assert.ok(Number.isNaN(new Float32Array(new Uint32Array([js[i]]).buffer)[0]), `${hex} (TypeScript) is NaN`);
      else assert.equal(js[i], want[i], `${hex} (TypeScript): ${js[i].toString(16)} vs NumPy ${want[i].toString(16)}`);
    }
  }
});
