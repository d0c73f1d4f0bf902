// Tensor readers: listing a 20-shard, 3,000-tensor checkpoint, and streaming statistics over
// a 1 GiB float32 and a 512 MiB bfloat16 tensor, side by side with NumPy on the same files.
// Data is generated once into bench/data/tensors. Best of N runs, warm page cache for both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openTensors } from '../src/core/tensors';
import { tensorStats } from '../src/core/tensors/stats';

const ROOT = resolve(__dirname, '..');
const DATA = join(ROOT, 'bench', 'data', 'tensors');
const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';

function python(args: string[]): string {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Best wall time and best CPU time (user + system, all threads) over n runs. */
async function best<T>(n: number, f: () => Promise<T>): Promise<{ seconds: number; cpu: number; result: T }> {
  let seconds = Infinity;
  let cpu = Infinity;
  let result!: T;
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    result = await f();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  return { seconds, cpu, result };
}

function verdict(ours: number, numpy: number): string {
  const ratio = numpy / ours;
  return ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`;
}

// Wall time is what a user feels; CPU time is printed too because on a shared, loaded
// machine wall time mostly measures the scheduler.
function row(what: string, ours: { seconds: number; cpu: number }, numpy: { seconds: number; cpu: number }, them = 'NumPy'): void {
  console.log(`${what}`);
  const label = them.toLowerCase().padStart(6);
  console.log(
    `  wall  ours ${fmt(ours.seconds).padStart(9)}   ${label} ${fmt(numpy.seconds).padStart(9)}   ${verdict(ours.seconds, numpy.seconds)} than ${them}`,
  );
  console.log(
    `  cpu   ours ${fmt(ours.cpu).padStart(9)}   ${label} ${fmt(numpy.cpu).padStart(9)}   ${verdict(ours.cpu, numpy.cpu)} than ${them}`,
  );
}

function fmt(s: number): string {
  return s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`;
}

async function main(): Promise<void> {
  if (!existsSync(join(DATA, 'done'))) {
    mkdirSync(DATA, { recursive: true });
    console.log('generating bench data (once) into bench/data/tensors …');
    python([join(ROOT, 'bench', 'tensors_gen.py'), DATA]);
  } else if (!existsSync(join(DATA, 'f32_fortran_256m.npy'))) {
    python([join(ROOT, 'bench', 'tensors_gen.py'), DATA, 'fortran-only']);
  }
  const index = join(DATA, 'sharded', 'model.safetensors.index.json');
  const list = await best(20, async () => {
    const src = await openTensors(index);
    const n = src.list().length;
    await src.close();
    return n;
  });
  if (list.result !== 3000) throw new Error(`listed ${list.result} tensors, expected 3000`);
  const npList = JSON.parse(python([join(ROOT, 'bench', 'tensors_numpy.py'), 'list', index, '20']));
  row('list 20 shards / 3,000 tensors (index.json; both read every header)', list, npList, 'Python');
  console.log(`  (issue 13 goal: no slower than Python in-process, i.e. ≤ ${fmt(npList.seconds)}; measured ${fmt(list.seconds)})`);

  for (const [file, label] of [
    ['f32_1g.npy', 'stats over 1 GiB F32 (268M elements)'],
    ['bf16_512m.npy', 'stats over 512 MiB BF16 (268M elements)'],
    ['f32_fortran_256m.npy', 'stats over 256 MiB F32 in Fortran order (4096 x 16384)'],
  ]) {
    const path = join(DATA, file);
    const ours = await best(3, async () => {
      const src = await openTensors(path);
      const s = await tensorStats(src, src.list()[0].name);
      await src.close();
      return s;
    });
    // non-finite numbers come from Python as the strings "NaN", "Infinity", "-Infinity"
    const np = JSON.parse(python([join(ROOT, 'bench', 'tensors_numpy.py'), 'stats', path, '3']), (_k, v) =>
      typeof v === 'string' ? Number(v) : v,
    );
    row(label, ours, np);
    console.log(`  (issue 13 goal: ≥ 5× faster than NumPy; measured ${(np.seconds / ours.seconds).toFixed(2)}× wall)`);
    const o = ours.result;
    const n = np.result;
    const rel = (a: number | null, b: number) => (a === null ? NaN : Math.abs(a - b) / Math.max(1e-300, Math.abs(b)));
    console.log(
      `  same answer: min ${o.min === n.min} max ${o.max === n.max} nan ${o.nan === n.nan} inf ${o.inf === n.inf} mean rel.diff ${rel(o.mean, n.mean).toExponential(1)} std rel.diff ${rel(o.std, n.std).toExponential(1)}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
