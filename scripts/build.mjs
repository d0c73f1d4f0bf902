// Bundles the extension host, the CLI, worker threads and the webview scripts into dist/.
// Type checking is separate (npm run typecheck), as in the esbuild sample.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Node targets: extension host, CLI and worker threads. */
const nodeEntries = [
  { in: 'src/extension.ts', out: 'extension' },
  { in: 'src/cli.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/core/compare/worker.ts', out: 'compareWorker' },
  { in: 'src/core/viewer/imageWorker.ts', out: 'imageWorker' },
];

/**
 * Each CLI command file on its own (dist/cli-<file>.js), loaded by dist/cli.js only when its
 * command runs: the files are the `file:` values of COMMANDS in src/cli/main.ts.
 */
const cliTable = readFileSync('src/cli/main.ts', 'utf8');
for (const file of new Set([...cliTable.matchAll(/\bfile: '(\w+)'/g)].map((m) => m[1]))) {
  nodeEntries.push({ in: `src/cli/${file}.ts`, out: `cli-${file}` });
}

/** Browser targets: one bundle per webview. */
const webEntries = [
  { in: 'webview/imageDiff/main.ts', out: 'webview-imageDiff' },
  { in: 'webview/parityReport/main.ts', out: 'webview-parityReport' },
  { in: 'webview/tensorViewer/main.ts', out: 'webview-tensorViewer' },
];

mkdirSync('dist', { recursive: true });

/**
 * native/kernels.c, metrics.c and images.c → dist/kernels.wasm (WebAssembly with 128-bit SIMD) through clang and
 * wasm-ld (Debian: `apt-get install clang lld`). Without them the build still succeeds: the
 * TypeScript loops are the fallback and give the same numbers (src/core/kernels/index.ts).
 */
function buildKernels() {
  const out = 'dist/kernels.wasm';
  const args = [
    '--target=wasm32',
    '-O3',
    '-msimd128',
    '-nostdlib',
    '-fno-builtin',
    '-Wall',
    '-Werror',
    '-Wl,--no-entry',
    '-Wl,--export-dynamic',
    '-Wl,--strip-all',
    '-o',
    out,
    'native/kernels.c',
    'native/metrics.c',
    'native/images.c',
  ];
  const r = spawnSync(process.env.CLANG || 'clang', args, { encoding: 'utf8' });
  if (r.status === 0) return;
  rmSync(out, { force: true });
  const why = r.error ? 'clang not found' : r.stderr.trim().split('\n').slice(0, 8).join('\n');
  if (process.env.MFLUX_PORT_REQUIRE_KERNELS) {
    console.error(`error: building ${out} failed: ${why}`);
    process.exit(1);
  }
  console.warn(
    `warning: ${out} not built (${why}); install clang and lld (Debian: apt-get install clang lld). The TypeScript path is used, with the same numbers, slower.`,
  );
}
if (existsSync('native/kernels.c')) buildKernels();
const common = { bundle: true, sourcemap: production ? false : 'linked', minify: production, logLevel: 'warning' };

const contexts = [];
for (const e of nodeEntries.filter((e) => existsSync(e.in))) {
  contexts.push(
    await esbuild.context({
      ...common,
      entryPoints: { [e.out]: e.in },
      outdir: 'dist',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['vscode'],
      banner: e.banner ? { js: e.banner } : undefined,
    }),
  );
}
for (const e of webEntries.filter((e) => existsSync(e.in))) {
  contexts.push(
    await esbuild.context({
      ...common,
      entryPoints: { [e.out]: e.in },
      outdir: 'dist',
      platform: 'browser',
      target: 'chrome120',
      format: 'iife',
    }),
  );
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
  console.log(`built ${contexts.length} bundles into dist/`);
}
