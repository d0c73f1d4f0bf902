// A TypeScript helper bundled to one CommonJS file, for tests that start it as a child process:
// a bundled child starts in milliseconds (tsx would take most of the test's time).
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';

/** Bundles `entry` (a .ts file) to `<outDir>/<its name>.cjs` and returns that path. */
export function bundleScript(entry: string, outDir: string): string {
  const out = join(outDir, `${basename(entry, '.ts')}.cjs`);
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  return out;
}
