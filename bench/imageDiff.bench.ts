// `mflux-port image-diff` vs odiff (npm odiff-bin) on the same 1024×1024 PNG pairs, both as
// command-line processes, decode included; each also writes its diff image. Best of N runs,
// interleaved. image-diff computes more: PSNR, SSIM, max/mean |diff| and mflux's golden rule;
// the same set computed the usual Python way (PIL + scikit-image) is printed for context.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readPngPair } from '../src/core/images/pngPair';
import { imageDiffAndMap } from '../src/core/images/imageDiff';

const ROOT = join(__dirname, '..');
const DATA = join(ROOT, 'bench', 'data', 'images');
const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';
const RUNS = Number(process.env.BENCH_RUNS || 5);
const CLI = join(ROOT, 'dist', 'cli.js');

/**
 * odiff is not in the lock (the registry here serves only its Linux x64 binary, and a lock
 * without the others breaks `npm ci`): installed on first use into bench/data/odiff.
 */
function odiffBinary(): string {
  const dir = join(ROOT, 'bench', 'data', 'odiff');
  const candidates = [
    join(dir, 'node_modules', '@odiff', `${process.platform}-${process.arch}`, 'odiff'),
    join(dir, 'node_modules', 'odiff-bin', 'bin', 'odiff.exe'),
    join(dir, 'node_modules', 'odiff-bin', 'bin', 'odiff'),
  ];
  if (!candidates.some((c) => existsSync(c))) {
    const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, 'odiff-bin@4.5.0'], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('could not install odiff-bin into bench/data/odiff');
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`odiff binary not found (looked in ${candidates.join(', ')})`);
  return found;
}

if (!existsSync(join(DATA, 'images.done'))) {
  const g = spawnSync(PYTHON, [join(ROOT, 'bench', 'image_data.py'), DATA], { stdio: 'inherit' });
  if (g.status !== 0) process.exit(1);
}
if (!existsSync(CLI)) {
  console.error('dist/cli.js missing: run `npm run build` (npm run bench does it)');
  process.exit(1);
}

interface Timing {
  wall: number;
  cpu: number;
}

/** Wall time, and CPU time (user + system) of the process as bash's `times` reports it. */
function time(cmd: string, args: string[], okCodes: number[]): Timing {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>"$TMPERR"; s=$?; times; exit $s', 'bash', cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TMPERR: '/dev/null' },
  });
  const wall = (performance.now() - t0) / 1000;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  // second line of `times`: children's user and system time, e.g. "0m0.123s 0m0.045s"
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wall, cpu: secs.reduce((x, y) => x + y, 0) };
}

function best(a: Timing, b: Timing): Timing {
  return { wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) };
}

const INF: Timing = { wall: Infinity, cpu: Infinity };
const ms = (v: number) => `${(v * 1000).toFixed(0).padStart(5)} ms`;

async function main(): Promise<void> {
  const odiff = odiffBinary();
  const out = mkdtempSync(join(tmpdir(), 'mp-bench-img-'));
  try {
    // Process start-up alone, so a reader can see what the numbers are made of.
    let nodeStart = INF;
    for (let i = 0; i < RUNS; i++) nodeStart = best(nodeStart, time(process.execPath, ['-e', '0'], [0]));
    for (const cand of ['close', 'defect']) {
      const a = join(DATA, 'ref.png');
      const b = join(DATA, `${cand}.png`);
      let ours = INF;
      let oursFast = INF;
      let theirs = INF;
      let py = INF;
      let pyCompute = Infinity;
      let pyOut = '';
      for (let i = 0; i < RUNS; i++) {
        ours = best(ours, time(process.execPath, [CLI, 'image-diff', a, b, '--json', '--heatmap', join(out, 'ours.png')], [0, 1]));
        oursFast = best(
          oursFast,
          time(process.execPath, [CLI, 'image-diff', a, b, '--json', '--no-ssim', '--heatmap', join(out, 'ours.png')], [0, 1]),
        );
        theirs = best(theirs, time(odiff, [a, b, join(out, 'odiff.png')], [0, 22]));
        py = best(py, time(PYTHON, [join(ROOT, 'bench', 'image_skimage.py'), a, b], [0]));
        pyOut = spawnSync(PYTHON, [join(ROOT, 'bench', 'image_skimage.py'), a, b], { encoding: 'utf8' }).stdout.trim();
        pyCompute = Math.min(pyCompute, Number(pyOut.split(' ')[0]));
      }
      // In-process: read + decode both files and every metric (SSIM included), in this process,
      // as the CLI does it (both images inflating at once on libuv's threads).
      let core = INF;
      let result;
      for (let i = 0; i < RUNS; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const pair = await readPngPair(a, b);
        result = imageDiffAndMap(pair.ref, pair.cand, {}, undefined, pair.kernels).result;
        const c = process.cpuUsage(c0);
        core = best(core, { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 });
      }
      const r = result as ReturnType<typeof imageDiffAndMap>['result'];
      // The numbers must be scikit-image's / NumPy's (the bench fails otherwise).
      const [, pyPsnr, pySsim, pyMax, pyMean, pyRatio] = pyOut.split(' ').map(Number);
      const agree =
        Math.abs((r.psnr ?? Infinity) - pyPsnr) < 1e-5 &&
        Math.abs((r.ssim ?? NaN) - pySsim) < 1e-7 &&
        r.max_abs === pyMax &&
        Math.abs(r.mean_abs - pyMean) < 1e-5 &&
        Math.abs(r.mflux_mismatch_ratio - pyRatio) < 1e-7;
      if (!agree) throw new Error(`image-diff disagrees with PIL + scikit-image: ${JSON.stringify(r)} vs "${pyOut}"`);
      const ratio = (us: Timing) => `${(us.wall / theirs.wall).toFixed(2).padStart(6)}×  ${(us.cpu / theirs.cpu).toFixed(2).padStart(6)}×`;
      console.log(`\nimage-diff 1024×1024 RGB, ref vs ${cand} (best of ${RUNS}; decode and diff image included)`);
      console.log('                                      wall       cpu   ÷ odiff (wall, cpu)');
      console.log(
        `  CLI, all metrics + heatmap     ${ms(ours.wall)}  ${ms(ours.cpu)}  ${ratio(ours)}   goal ≤ 3× odiff   PSNR ${r.psnr?.toFixed(2)} dB, SSIM ${r.ssim?.toFixed(4)}, max ${r.max_abs}, mean ${r.mean_abs.toFixed(3)}, golden ${(r.mflux_mismatch_ratio * 100).toFixed(2)}% → ${r.mflux_pass ? 'pass' : 'fail'}`,
      );
      console.log(
        `  CLI --no-ssim + heatmap        ${ms(oursFast.wall)}  ${ms(oursFast.cpu)}  ${ratio(oursFast)}   goal ≤ 1× (as fast as odiff)`,
      );
      console.log(`  in-process decode + all metrics${ms(core.wall)}  ${ms(core.cpu)}  ${ratio(core)}   goal ≤ 1× odiff's whole process`);
      console.log(`  odiff                          ${ms(theirs.wall)}  ${ms(theirs.cpu)}            pixel mismatch count and diff image`);
      console.log(
        `  PIL + scikit-image (same set)  ${ms(py.wall)}  ${ms(py.cpu)}   of which decode + metrics ${ms(pyCompute)}; agrees with image-diff (PSNR, SSIM, max, mean, golden ratio)`,
      );
      console.log(
        `  ratio Python / CLI all metrics  ${(py.wall / ours.wall).toFixed(2).padStart(6)}×  ${(py.cpu / ours.cpu).toFixed(2).padStart(6)}×`,
      );
      console.log(`  node start-up alone            ${ms(nodeStart.wall)}  ${ms(nodeStart.cpu)}   (part of both CLI rows)`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
