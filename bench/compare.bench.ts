// The parity engine's full metric set vs NumPy computing the same set the usual way, on two
// 256 MB F32 tensors and two 128 MB BF16 tensors (generated once into bench/data/ by NumPy).
// Both sides include reading the files. Wall time is printed with CPU time, because the
// machine may be shared: the CPU-time ratio is the steadier one. Numbers must agree.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCompare } from '../src/core/compare/engine';
import type { PairResult } from '../src/core/compare/types';
import { kernels, useKernels } from '../src/core/kernels';
import { defaultPoolSize } from '../src/core/compare/workerPool';

const POOL = defaultPoolSize();

const ROOT = join(__dirname, '..');
const DATA = join(ROOT, 'bench', 'data');
const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';
const RUNS = Number(process.env.BENCH_RUNS || 3);

if (!existsSync(join(DATA, 'compare.done'))) {
  console.log('generating bench/data (two 256 MB F32 and two 128 MB BF16 tensors, once)…');
  const g = spawnSync(PYTHON, [join(ROOT, 'bench', 'compare_data.py'), DATA], { stdio: 'inherit' });
  if (g.status !== 0) process.exit(1);
}

interface NumpyResult {
  max_abs: number;
  max_abs_index: number[];
  mean_abs: number;
  rmse: number;
  max_rel: number;
  rel_l2: number;
  cosine: number;
  sqnr_db: number;
  mismatch: number;
  nan_ref: number;
  nan_cand: number;
  inf_ref: number;
  inf_cand: number;
  ref_stats: Record<'min' | 'max' | 'mean' | 'std', number>;
  cand_stats: Record<'min' | 'max' | 'mean' | 'std', number>;
  first_ref: number[];
  first_cand: number[];
  hist_zero: number;
  histogram: number[];
  seconds: number;
  cpu_seconds: number;
}

async function engine(
  kind: string,
  workers?: number,
  heatmaps: 'none' | 'all' = 'none',
): Promise<{ wall: number; cpu: number; pair: PairResult }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runCompare({
    refPath: join(DATA, `${kind}_ref.safetensors`),
    candPath: join(DATA, `${kind}_cand.safetensors`),
    heatmaps,
    workers,
  });
  const wall = (performance.now() - t0) / 1000;
  const u = process.cpuUsage(c0);
  return { wall, cpu: (u.user + u.system) / 1e6, pair: out.report.pairs[0] };
}

function numpy(kind: string, atol: number, rtol: number): NumpyResult {
  const r = spawnSync(
    PYTHON,
    [
      join(ROOT, 'bench', 'compare_numpy.py'),
      join(DATA, `${kind}_ref.safetensors`),
      join(DATA, `${kind}_cand.safetensors`),
      String(atol),
      String(rtol),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`numpy failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as NumpyResult;
}

function agree(p: PairResult, n: NumpyResult): string[] {
  const bad: string[] = [];
  const rel = (a: number | null, b: number, what: string, tol = 1e-6) => {
    if (a === null || Math.abs(a - b) > tol * Math.max(Math.abs(b), 1e-30)) bad.push(`${what}: ${a} vs ${b}`);
  };
  // NumPy subtracts in float32; the engine in float64. The float32-rounded values agree.
  rel(Math.fround(p.max_abs ?? NaN), n.max_abs, 'max_abs', 0);
  rel(p.mean_abs, n.mean_abs, 'mean_abs');
  rel(p.rmse, n.rmse, 'rmse');
  rel(p.max_rel, n.max_rel, 'max_rel', 1e-5);
  rel(p.rel_l2, n.rel_l2, 'rel_l2');
  rel(p.cosine, n.cosine, 'cosine', 1e-9);
  rel(p.sqnr_db, n.sqnr_db, 'sqnr_db');
  for (const side of ['ref', 'cand'] as const) {
    const a = p[`${side}_stats`];
    const b = n[`${side}_stats`];
    rel(a?.min ?? null, b.min, `${side}.min`, 0);
    rel(a?.max ?? null, b.max, `${side}.max`, 0);
    rel(a?.mean ?? null, b.mean, `${side}.mean`, 1e-6);
    rel(a?.std ?? null, b.std, `${side}.std`, 1e-6);
  }
  if (JSON.stringify(p.ref_stats?.first) !== JSON.stringify(n.first_ref)) bad.push('first ref values');
  if (JSON.stringify(p.cand_stats?.first) !== JSON.stringify(n.first_cand)) bad.push('first cand values');
  if (JSON.stringify(p.max_abs_index) !== JSON.stringify(n.max_abs_index))
    bad.push(`max_abs_index ${p.max_abs_index} vs ${n.max_abs_index}`);
  for (const k of ['nan_ref', 'nan_cand', 'inf_ref', 'inf_cand'] as const) if (p[k] !== n[k]) bad.push(k);
  // isclose on float32 arrays works in float32; allow a handful of borderline elements.
  if (Math.abs(p.mismatch - n.mismatch) > Math.max(2, 1e-7 * p.numel)) bad.push(`mismatch ${p.mismatch} vs ${n.mismatch}`);
  const h = p.histogram;
  const mine = [...(h?.counts ?? [])];
  if (h?.zero !== n.hist_zero || JSON.stringify(mine) !== JSON.stringify(n.histogram.slice(0, 60))) bad.push('histogram');
  return bad;
}

function fmt(v: number): string {
  return v.toFixed(2).padStart(7);
}

(async () => {
  let failed = false;
  for (const [kind, label] of [
    ['f32', 'F32, 256 MB per side'],
    ['bf16', 'BF16, 128 MB per side'],
  ] as const) {
    let best = { wall: Infinity, cpu: Infinity };
    let bestJs = { wall: Infinity, cpu: Infinity };
    let best1 = { wall: Infinity, cpu: Infinity };
    let bestNp = { wall: Infinity, cpu: Infinity };
    let bestHeat = { wall: Infinity, cpu: Infinity };
    let bestHeat0 = { wall: Infinity, cpu: Infinity };
    let first = { wall: 0, cpu: 0 };
    let first1 = { wall: 0, cpu: 0 };
    let jsPair: PairResult | undefined;
    let pair: PairResult | undefined;
    let np: NumpyResult | undefined;
    for (let i = 0; i < RUNS; i++) {
      // The pool's workers start on the first run and stay up for the next ones (as in the
      // extension host); the first run, start-up included, is printed on its own row.
      const e = await engine(kind);
      if (i === 0) first = e;
      pair = e.pair;
      best = { wall: Math.min(best.wall, e.wall), cpu: Math.min(best.cpu, e.cpu) };
      // The pool with one worker: the scaling from 1 to the default pool size.
      const o = await engine(kind, 1);
      if (i === 0) first1 = o;
      best1 = { wall: Math.min(best1.wall, o.wall), cpu: Math.min(best1.cpu, o.cpu) };
      // The same engine on its TypeScript fallback (no SIMD kernels, no pool), in the same run.
      useKernels(false);
      const j = await engine(kind, 0);
      useKernels(true);
      jsPair = j.pair;
      // With a heatmap (the panel, --html): the pool pools it too; vs the same on one thread.
      const h = await engine(kind, undefined, 'all');
      bestHeat = { wall: Math.min(bestHeat.wall, h.wall), cpu: Math.min(bestHeat.cpu, h.cpu) };
      const h0 = await engine(kind, 0, 'all');
      bestHeat0 = { wall: Math.min(bestHeat0.wall, h0.wall), cpu: Math.min(bestHeat0.cpu, h0.cpu) };
      bestJs = { wall: Math.min(bestJs.wall, j.wall), cpu: Math.min(bestJs.cpu, j.cpu) };
      np = numpy(kind, pair.atol, pair.rtol);
      bestNp = { wall: Math.min(bestNp.wall, np.seconds), cpu: Math.min(bestNp.cpu, np.cpu_seconds) };
    }
    const p = pair as PairResult;
    const n = np as NumpyResult;
    console.log(`\ncompare: 64 Mi elements, ${label} (full metric set incl. reading; best of ${RUNS})`);
    console.log('                      wall s   cpu s');
    console.log(
      `  mflux-port engine   ${fmt(best.wall)} ${fmt(best.cpu)}   (SIMD kernels ${kernels() ? 'on' : 'NOT BUILT'}, ${POOL} workers)`,
    );
    console.log(`  same, 1 worker      ${fmt(best1.wall)} ${fmt(best1.cpu)}`);
    console.log(
      `  first run (workers starting): ${POOL} workers ${fmt(first.wall)} ${fmt(first.cpu)}; 1 worker ${fmt(first1.wall)} ${fmt(first1.cpu)}`,
    );
    console.log(`  with heatmaps, ${POOL} w   ${fmt(bestHeat.wall)} ${fmt(bestHeat.cpu)}`);
    console.log(
      `  with heatmaps, 0 w   ${fmt(bestHeat0.wall)} ${fmt(bestHeat0.cpu)}   (one thread; ${fmt(bestHeat0.wall / bestHeat.wall)}× wall)`,
    );
    console.log(`  TypeScript fallback ${fmt(bestJs.wall)} ${fmt(bestJs.cpu)}`);
    console.log(`  NumPy (same set)    ${fmt(bestNp.wall)} ${fmt(bestNp.cpu)}`);
    console.log(`  speed-up vs NumPy   ${fmt(bestNp.wall / best.wall)}× ${fmt(bestNp.cpu / best.cpu)}×   (goal ≥ 10×)`);
    console.log(`  kernels vs fallback ${fmt(bestJs.wall / best.wall)}× ${fmt(bestJs.cpu / best.cpu)}×`);
    console.log(`  ${POOL} workers vs 1     ${fmt(best1.wall / best.wall)}×            (goal ≥ 1.7× on 2 cores)`);
    const bad = [...agree(p, n), ...agree(jsPair as PairResult, n).map((b) => `fallback ${b}`)];
    console.log(
      `  agreement: ${bad.length ? `MISMATCH ${bad.join('; ')}` : `all metrics agree (max_abs ${p.max_abs}, rel_l2 ${p.rel_l2?.toExponential(4)}, mismatch ${p.mismatch} vs NumPy ${n.mismatch})`}`,
    );
    if (bad.length) failed = true;
  }
  // Streaming keeps the engine's memory flat whatever the tensor size (inputs: 512 MB + 256 MB).
  console.log(`\npeak RSS of the engine's process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  process.exit(failed ? 1 : 0);
})();
