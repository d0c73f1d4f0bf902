// Runs Debian's python3 (NumPy, PyTorch, Pillow, scikit-image) for fixtures and for
// independent expected values. Never the code under test.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';
export const REPO_ROOT = resolve(__dirname, '..', '..');
export const GENERATED = join(REPO_ROOT, 'test', 'fixtures', 'generated');
/** The folder of the shared fixture modules (st_write.py, …): on PYTHONPATH for every run here. */
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');

function env(): NodeJS.ProcessEnv {
  const path = [FIXTURES, process.env.PYTHONPATH].filter(Boolean).join(':');
  return { ...process.env, PYTHONPATH: path, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' };
}

/** Runs a Python script (path relative to the repo root) and returns its stdout. */
export function runPython(script: string, args: string[] = [], input?: string): string {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, script), ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 256 * 1024 * 1024,
    env: env(),
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

/** Runs inline Python code (`from st_write import …` works) and returns its stdout. */
export function pythonCode(code: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: env() });
  if (r.status !== 0) throw new Error(`python failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

/** Runs inline Python code and parses its stdout as JSON. */
export function pythonJson<T = unknown>(code: string, args: string[] = []): T {
  return JSON.parse(pythonCode(code, args)) as T;
}

/** The script's text and that of the local modules it imports (NAME.py beside it or in test/fixtures). */
function scriptAndModules(script: string): Buffer[] {
  const text = readFileSync(join(REPO_ROOT, script));
  const names = [...new Set([...text.toString('utf8').matchAll(/^(?:from|import) (\w+)/gm)].map((m) => m[1]))].sort();
  const dirs = [dirname(join(REPO_ROOT, script)), FIXTURES];
  const modules = names.flatMap((n) => dirs.map((d) => join(d, `${n}.py`))).filter((p) => existsSync(p));
  return [text, ...modules.map((p) => readFileSync(p))];
}

/**
 * Generates a fixture folder once per version of its script and of the shared modules it
 * imports: runs `script` with the output folder as its only argument, then writes a stamp named
 * by their hash. Returns the folder.
 */
export function ensureGenerated(name: string, script: string): string {
  const dir = join(GENERATED, name);
  const sha = createHash('sha256');
  for (const b of scriptAndModules(script)) sha.update(b);
  const hash = sha.digest('hex').slice(0, 12);
  const stamp = join(dir, `.done-${hash}`);
  if (!existsSync(stamp)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    runPython(script, [dir]);
    writeFileSync(stamp, new Date().toISOString());
  }
  return dir;
}

/** The expected.json a fixture script wrote into its generated folder (values computed by NumPy/PyTorch). */
export function readExpected<T = unknown>(dir: string): T {
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as T;
}
