// Paths and names the hygiene scan needs: the files it covers, the allowlist matcher
// (mfluxPort.hygiene.allowPaths) and the tensor file names a package's code loads (assets,
// not leftovers).
import { statSync } from 'node:fs';
import { readableTexts, walkFiles } from './walk';
import { join } from 'node:path';

/** Folders never walked: installed packages and caches. */
export const SKIP_DIRS: ReadonlySet<string> = new Set(['node_modules', '__pycache__', 'venv', 'env', 'site-packages']);

/**
 * Whether a repo-relative path (forward slashes) matches an allowlist entry: a plain path covers
 * that file or folder; a glob has `*` (within one folder), `**` (any depth, also none) and `?`,
 * and a glob matching a folder covers what is inside it. `./` and trailing slashes are ignored,
 * backslashes read as slashes.
 */
export function pathAllowed(rel: string, allow: readonly string[] = []): boolean {
  return allow.some((a) => {
    if (typeof a !== 'string') return false;
    const p = a
      .trim()
      .replace(/\\/g, '/')
      .replace(/^(?:\.\/)+/, '')
      .replace(/\/+$/, '');
    if (!p) return false;
    if (!/[*?]/.test(p)) return rel === p || rel.startsWith(p + '/');
    const re = p
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((t) =>
        t === '**/' ? '(?:[^/]+/)*' : t === '**' ? '.*' : t === '*' ? '[^/]*' : t === '?' ? '[^/]' : t.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    return new RegExp(`^${re}(?:/.*)?$`).test(rel);
  });
}

/** File names the code refers to in string literals (`"pos_emb.safetensors"`): assets it loads. */
export function namesInCode(files: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const [, text] of readableTexts(files)) {
    // Lines that save or dump name what they write, not what the code loads.
    for (const line of text.split(/\r?\n/)) {
      if (/save|dump|write/i.test(line)) continue;
      for (const m of line.matchAll(/["']([^"'\n]*\.(?:npy|npz|pt|pth|safetensors|gguf|ckpt))["']/gi)) out.add(m[1].split(/[\\/]/).pop()!);
    }
  }
  return out;
}

/** Python files one hygiene scan covers, at most (a port's package holds a few dozen). */
const MAX_TARGETS = 100_000;

/** Where the runners put their scripts (mfluxPort.runner.*Script defaults), relative to each repo. */
export const RUNNER_DIR = 'port_runners';

/**
 * Python files a port's hygiene covers: the model package, scripts at the repo root, and extra
 * folders. The extension's own runner scripts (`port_runners/`) call the probe on purpose and
 * are not the port's code.
 */
export function hygieneTargets(root: string, model: string | undefined, extraPaths: readonly string[] = []): string[] {
  const files: string[] = [];
  const addDir = (dir: string, recursive: boolean) =>
    files.push(
      ...walkFiles(dir, {
        match: (name) => name.endsWith('.py'),
        maxFiles: MAX_TARGETS,
        maxDepth: recursive ? Infinity : 0,
        hiddenFiles: true,
        skipDir: (name) => SKIP_DIRS.has(name),
      }),
    );
  if (model) addDir(join(root, 'src', 'mflux', 'models', model), true);
  addDir(root, false);
  for (const extra of extraPaths) {
    const p = join(root, extra);
    try {
      if (statSync(p).isDirectory()) addDir(p, true);
      else if (p.endsWith('.py')) files.push(p);
    } catch {
      /* a missing extra path is not an error */
    }
  }
  return [...new Set(files)];
}
