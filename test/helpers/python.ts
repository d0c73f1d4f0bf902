// Runs Debian's python3 (NumPy, PyTorch, Pillow, scikit-image) for fixtures and for
// independent expected values. Never the code under test.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';
export const REPO_ROOT = resolve(__dirname, '..', '..');
export const GENERATED = join(REPO_ROOT, 'test', 'fixtures', 'generated');

/** Runs a Python script (path relative to the repo root) and returns its stdout. */
export function runPython(script: string, args: string[] = [], input?: string): string {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, script), ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

/** Runs inline Python code and parses its stdout as JSON. */
export function pythonJson<T = unknown>(code: string, args: string[] = []): T {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * Generates a fixture folder once per version of its script: runs `script` with the output
 * folder as its only argument, then writes a stamp named by the script's hash. Returns the folder.
 */
export function ensureGenerated(name: string, script: string): string {
  const dir = join(GENERATED, name);
  const hash = createHash('sha256')
    .update(readFileSync(join(REPO_ROOT, script)))
    .digest('hex')
    .slice(0, 12);
  const stamp = join(dir, `.done-${hash}`);
  if (!existsSync(stamp)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    runPython(script, [dir]);
    writeFileSync(stamp, new Date().toISOString());
  }
  return dir;
}
