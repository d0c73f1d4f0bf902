// The built bundles (dist/cli.js and the workers) for tests that run the CLI as a process.
// `npm test` builds once before any test file starts, so here nothing is rebuilt while other
// test files, running in parallel, execute dist/. A file run on its own (`node --test …`) gets
// one build here when dist/cli.js is missing or older than a source file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './python';

export const CLI = join(REPO_ROOT, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether dist/cli.js is at least as new as everything under src/ and native/. */
export function isBuilt(): boolean {
  if (!existsSync(CLI)) return false;
  const built = statSync(CLI).mtimeMs;
  return ['src', 'native'].every((d) => !existsSync(join(REPO_ROOT, d)) || newestMtime(join(REPO_ROOT, d)) <= built);
}

/** Builds dist/ only when it is missing or stale (see above). */
export function ensureBuilt(): void {
  if (isBuilt()) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with these arguments (stdout up to 64 MiB). */
export function runCli(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
