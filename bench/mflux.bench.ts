// mflux tools: mapping coverage of a FLUX-sized transformer + 36-layer text encoder, the static
// mapping reader on a ~150-target mapping file, and the hygiene scan of a 40-file package —
// side by side with what a user would otherwise run (a Python expansion script, importing the
// mapping as the dump script does, grep). Data is generated once into bench/data/mflux.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { computeCoverage } from '../src/core/mflux/coverage';
import { scanRepo } from '../src/core/mflux/hygiene';
import { readMappingFile } from '../src/core/mflux/mappingStatic';

const ROOT = resolve(__dirname, '..');
const DATA = join(ROOT, 'bench', 'data', 'mflux');
const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';

function run(cmd: string, args: string[]): { stdout: string; seconds: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && !(cmd === 'grep' && r.status === 1)) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return { stdout: r.stdout, seconds };
}

function best<T>(n: number, f: () => T): { seconds: number; result: T } {
  let seconds = Infinity;
  let result!: T;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    result = f();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds, result };
}

const fmt = (s: number) => (s < 1 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(2)} s`);
function row(what: string, ours: number, other: number, otherName: string): void {
  const ratio = other / ours;
  console.log(
    `${what}\n  ours ${fmt(ours).padStart(10)}   ${otherName} ${fmt(other).padStart(10)}   ${ratio >= 1 ? `${ratio.toFixed(1)}x faster` : `${(1 / ratio).toFixed(1)}x slower`} than ${otherName}`,
  );
}

function main(): void {
  if (!existsSync(join(DATA, 'done'))) {
    mkdirSync(DATA, { recursive: true });
    console.log('generating bench data (once) into bench/data/mflux …');
    run(PYTHON, [join(ROOT, 'bench', 'mflux_gen.py'), DATA]);
  }
  const keys = JSON.parse(readFileSync(join(DATA, 'keys.json'), 'utf8')) as Record<string, string[]>;
  const targets = JSON.parse(readFileSync(join(DATA, 'targets.json'), 'utf8')) as Record<string, [string, string, number | null][]>;

  // 1. Coverage (both sides: the computation only, after loading).
  const ours = best(20, () =>
    Object.entries(targets).map(([comp, ts]) =>
      computeCoverage({
        name: comp,
        keys: keys[comp],
        numLayers: comp === 'text_encoder' ? 36 : undefined,
        targets: ts.map(([to, from, mb]) => ({ to, from: [from], required: true, maxBlocks: mb ?? undefined })),
      }),
    ),
  );
  let py = Infinity;
  let pyResult: Record<string, [number, number]> = {};
  for (let i = 0; i < 5; i++) {
    const r = JSON.parse(run(PYTHON, [join(ROOT, 'bench', 'mflux_python.py'), 'coverage', DATA]).stdout) as {
      seconds: number;
      result: Record<string, [number, number]>;
    };
    py = Math.min(py, r.seconds);
    pyResult = r.result;
  }
  for (const c of ours.result) {
    const [unmapped, misses] = pyResult[c.name];
    if (c.unmappedKeys.length !== unmapped || c.unmatchedPatterns.length !== misses)
      throw new Error(
        `coverage disagrees with Python for ${c.name}: ${c.unmappedKeys.length}/${c.unmatchedPatterns.length} vs ${unmapped}/${misses}`,
      );
  }
  const nKeys = Object.values(keys).reduce((s, k) => s + k.length, 0);
  row(
    `coverage: ${nKeys} checkpoint keys × ${Object.values(targets).reduce((s, t) => s + t.length, 0)} patterns (same counts as Python)`,
    ours.seconds,
    py,
    'Python expansion',
  );

  // 2. Static read of the mapping file vs importing it (the dump script's way), startup included.
  const file = join(DATA, 'repo/src/mflux/models/big/weights/big_weight_mapping.py');
  const stat = best(10, () => readMappingFile(file, join(DATA, 'repo')));
  const n = stat.result.getters.reduce((s, g) => s + g.targets.length, 0);
  let imp = Infinity;
  for (let i = 0; i < 5; i++) imp = Math.min(imp, run(PYTHON, [join(ROOT, 'bench', 'mflux_python.py'), 'import', DATA]).seconds);
  row(`static mapping read: ${n} WeightTargets, ${stat.result.unresolved.length} unresolved`, stat.seconds, imp, 'python import (process)');

  // 3. Hygiene scan (strings/comments masked) vs grep (which also flags docstrings and comments).
  const scan = best(10, () => scanRepo(join(DATA, 'pkg'), { extraPaths: ['.'], config: { disabledRules: ['tensor-file'] } }));
  let grep = Infinity;
  let grepHits = 0;
  for (let i = 0; i < 5; i++) {
    const r = run('grep', ['-rnE', 'np\\.save|torch\\.save|mx\\.save|breakpoint\\(|pdb|mflux_port_probe', join(DATA, 'pkg')]);
    grep = Math.min(grep, r.seconds);
    grepHits = r.stdout.split('\n').filter(Boolean).length;
  }
  row(
    `hygiene scan: 40 files × 300 lines, ${scan.result.findings.length} findings (grep: ${grepHits} hits, mostly docstrings/comments)`,
    scan.seconds,
    grep,
    'grep -rnE (process)',
  );
}

main();
