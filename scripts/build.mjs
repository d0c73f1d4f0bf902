// Bundles the extension host, the CLI, worker threads and the webview scripts into dist/.
// Type checking is separate (npm run typecheck), as in the esbuild sample.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Node targets: extension host, CLI and worker threads. */
const nodeEntries = [
  { in: 'src/extension.ts', out: 'extension' },
  { in: 'src/cli.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/core/compare/worker.ts', out: 'compareWorker' },
  { in: 'src/core/viewer/imageWorker.ts', out: 'imageWorker' },
];

/** Browser targets: one bundle per webview. */
const webEntries = [
  { in: 'webview/imageDiff/main.ts', out: 'webview-imageDiff' },
  { in: 'webview/parityReport/main.ts', out: 'webview-parityReport' },
  { in: 'webview/tensorViewer/main.ts', out: 'webview-tensorViewer' },
];

mkdirSync('dist', { recursive: true });
const common = { bundle: true, sourcemap: production ? false : 'linked', minify: production, logLevel: 'warning' };

const contexts = [];
for (const e of nodeEntries.filter((e) => existsSync(e.in))) {
  contexts.push(await esbuild.context({
    ...common,
    entryPoints: { [e.out]: e.in },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    banner: e.banner ? { js: e.banner } : undefined,
  }));
}
for (const e of webEntries.filter((e) => existsSync(e.in))) {
  contexts.push(await esbuild.context({
    ...common,
    entryPoints: { [e.out]: e.in },
    outdir: 'dist',
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
  }));
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
