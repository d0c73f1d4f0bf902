// The capture probe: writing a 64 MiB float32, a 32 MiB bfloat16 and a non-contiguous tensor
// with dump() against torch.save / np.save of the same tensor (what users write by hand), and the
// cost of a dump() call left in code outside a run against a bare Python function call, and
// capture()'s cost per module (hooks alone; hooks and dumps against np.save per output).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';

const r = spawnSync(PYTHON, [join(ROOT, 'bench', 'probe_bench.py')], {
  encoding: 'utf8',
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
});
if (r.status !== 0) {
  console.error(`bench/probe_bench.py failed:\n${r.stderr}`);
  process.exit(1);
}
const t = JSON.parse(r.stdout) as Record<string, number>;
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;

function row(what: string, ours: number, theirs: number, tool: string): void {
  const ratio = theirs / ours;
  const verdict = ratio >= 1 ? `${ratio.toFixed(2)}x faster than ${tool}` : `${(1 / ratio).toFixed(2)}x slower than ${tool}`;
  console.log(`${what.padEnd(40)} probe ${ms(ours).padStart(9)}   ${tool} ${ms(theirs).padStart(9)}   ${verdict}`);
}

row('dump 64 MiB float32 (write + manifest)', t.f32_probe, t.f32_torch_save, 'torch.save');
row('dump 64 MiB float32', t.f32_probe, t.f32_np_save, 'np.save');
row('dump 32 MiB bfloat16 (kept as BF16)', t.bf16_probe, t.bf16_torch_save, 'torch.save');
row('dump 64 MiB transposed view', t.strided_probe, t.strided_torch_save, 'torch.save(.contiguous())');
console.log(
  `${'dump() outside a run'.padEnd(40)} probe ${t.noop_probe_ns.toFixed(0).padStart(6)} ns   bare call ${t.noop_bare_ns.toFixed(0).padStart(6)} ns   ${(t.noop_probe_ns / t.noop_bare_ns).toFixed(2)}x a bare function call`,
);
const per = (s: number) => `${((s / t.cap_modules) * 1e6).toFixed(1)} µs`;
console.log(
  `${'capture(), per module (hooks, none picked)'.padEnd(40)} probe ${per(t.cap_hooks - t.cap_bare).padStart(9)}   (forward alone ${per(t.cap_bare)} per module)`,
);
row(
  `capture(), per module (2 KiB output dumped)`,
  (t.cap_dump - t.cap_bare) / t.cap_modules,
  t.cap_np_save / (t.cap_modules - 1),
  'np.save',
);
