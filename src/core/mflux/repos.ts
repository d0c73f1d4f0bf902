// Finds the mflux clone (pyproject names the project "mflux" and src/mflux/models/ exists)
// and the reference clone (a diffusers checkout) among the workspace folders and their
// siblings. More than one candidate is reported, so the user picks instead of us guessing.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

export function isDiffusersRepo(dir: string): boolean {
  if (!isDir(join(dir, 'src', 'diffusers', 'pipelines'))) return false;
  try {
    const text = readFileSync(join(dir, existsSync(join(dir, 'pyproject.toml')) ? 'pyproject.toml' : 'setup.py'), 'utf8');
    return /name\s*=\s*["']diffusers["']/.test(text) || projectName(text) === 'diffusers';
  } catch {
    // A checkout without packaging files still has the package itself.
    return true;
  }
}

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

export function detectRepos(folders: readonly string[]): RepoDetection {
  const mflux: string[] = [];
  const reference: string[] = [];
  const add = (list: string[], p: string) => {
    const abs = resolve(p);
    if (!list.includes(abs)) list.push(abs);
  };
  for (const f of folders) {
    if (isMfluxRepo(f)) add(mflux, f);
    if (isDiffusersRepo(f)) add(reference, f);
  }
  // Only look next to the folders when the workspace itself does not hold a clone.
  if (!mflux.length) for (const f of folders) for (const s of siblings(f)) if (isMfluxRepo(s)) add(mflux, s);
  const bases = mflux.length ? mflux : folders;
  const sib = bases.flatMap((b) => siblings(b));
  sib.sort((a, b) => Number(b.endsWith('/diffusers')) - Number(a.endsWith('/diffusers')));
  for (const s of sib) if (isDiffusersRepo(s)) add(reference, s);
  const notes: string[] = [];
  if (!mflux.length) notes.push('No mflux clone found: open the folder whose pyproject.toml names the project "mflux".');
  if (mflux.length > 1) notes.push(`${mflux.length} mflux clones found; pick the one the port lives in.`);
  if (!reference.length) notes.push('No diffusers clone found in the workspace or next to the mflux clone.');
  if (reference.length > 1) notes.push(`${reference.length} diffusers clones found; pick the reference.`);
  return { mflux, reference, notes };
}
