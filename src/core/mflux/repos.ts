// Finds the mflux clone (pyproject names the project "mflux" and src/mflux/models/ exists)
// and the reference clone (a diffusers checkout) among the workspace folders and their
// siblings. More than one candidate is reported, so the user picks instead of us guessing.
// The one repo detector: Start Port, the mflux tools and the CLI all use it. Only stat calls
// and a pyproject.toml read per folder (this runs while a quick pick is opening).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface RepoDetection {
  /** mflux clones, workspace folders first. */
  readonly mflux: readonly string[];
  /** diffusers clones, workspace folders first, then siblings of the mflux clone(s). */
  readonly reference: readonly string[];
  /** One sentence per ambiguity or absence the UI should resolve with the user. */
  readonly notes: readonly string[];
}

const MAX_SIBLINGS = 500;

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The `name` of `[project]` in a pyproject.toml, read without a TOML parser. */
export function projectName(pyproject: string): string | undefined {
  let section = '';
  for (const line of pyproject.split(/\r?\n/)) {
    const s = /^\s*\[([^\]]+)\]\s*(?:#.*)?$/.exec(line);
    if (s) {
      section = s[1].trim();
      continue;
    }
    if (section !== 'project') continue;
    const m = /^\s*name\s*=\s*["']([^"']+)["']/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

export function isMfluxRepo(dir: string): boolean {
  if (!isDir(join(dir, 'src', 'mflux', 'models'))) return false;
  try {
    return projectName(readFileSync(join(dir, 'pyproject.toml'), 'utf8'))?.toLowerCase() === 'mflux';
  } catch {
    return false;
  }
}

function isDiffusersRepo(dir: string): boolean {
  if (!isDir(join(dir, 'src', 'diffusers', 'pipelines'))) return false;
  try {
    const text = readFileSync(join(dir, existsSync(join(dir, 'pyproject.toml')) ? 'pyproject.toml' : 'setup.py'), 'utf8');
    return /name\s*=\s*["']diffusers["']/.test(text) || projectName(text) === 'diffusers';
  } catch {
    // A checkout without packaging files still has the package itself.
    return true;
  }
}

/** Siblings of `dir` (not dot folders), in name order, at most MAX_SIBLINGS of them. */
function siblings(dir: string): string[] {
  const parent = dirname(resolve(dir));
  try {
    return readdirSync(parent)
      .filter((n) => !n.startsWith('.'))
      .sort()
      .slice(0, MAX_SIBLINGS)
      .map((n) => join(parent, n));
  } catch {
    return [];
  }
}

function addOnce(list: string[], p: string): void {
  const abs = resolve(p);
  if (!list.includes(abs)) list.push(abs);
}

/** The workspace folder that is an mflux clone, else the first folder; undefined without folders. */
export function pickMfluxRepo(folders: readonly string[]): string | undefined {
  return folders.find(isMfluxRepo) ?? folders[0];
}

/**
 * diffusers clones among the workspace folders, then among the siblings of `bases` (the mflux
 * clones) with a folder named "diffusers" first and other clones (forks, worktrees) in name
 * order; each once.
 */
export function findReferenceRepos(bases: readonly string[], folders: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of folders) if (isDiffusersRepo(f)) addOnce(out, f);
  const sib = bases.flatMap((b) => siblings(b));
  sib.sort((a, b) => Number(basename(b) === 'diffusers') - Number(basename(a) === 'diffusers'));
  for (const s of sib) if (isDiffusersRepo(s)) addOnce(out, s);
  return out;
}

export function folderLabel(p: string): string {
  return basename(p) || p;
}

export function detectRepos(folders: readonly string[]): RepoDetection {
  const mflux: string[] = [];
  for (const f of folders) if (isMfluxRepo(f)) addOnce(mflux, f);
  // Only look next to the folders when the workspace itself does not hold a clone.
  if (!mflux.length) for (const f of folders) for (const s of siblings(f)) if (isMfluxRepo(s)) addOnce(mflux, s);
  const reference = findReferenceRepos(mflux.length ? mflux : folders, folders);
  const notes: string[] = [];
  if (!mflux.length) notes.push('No mflux clone found: open the folder whose pyproject.toml names the project "mflux".');
  if (mflux.length > 1) notes.push(`${mflux.length} mflux clones found; pick the one the port lives in.`);
  if (!reference.length) notes.push('No diffusers clone found in the workspace or next to the mflux clone.');
  if (reference.length > 1) notes.push(`${reference.length} diffusers clones found; pick the reference.`);
  return { mflux, reference, notes };
}
