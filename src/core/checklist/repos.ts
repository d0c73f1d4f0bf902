// Which folder is the mflux clone and which folders could be the reference clone, for
// starting a port. Only cheap stat calls: this runs while a quick pick is opening.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function looksLikeMflux(dir: string): Promise<boolean> {
  return isDir(join(dir, 'src', 'mflux'));
}

export async function looksLikeDiffusers(dir: string): Promise<boolean> {
  return isDir(join(dir, 'src', 'diffusers'));
}

/** The workspace folder holding `src/mflux`, else the first folder; undefined without folders. */
export async function pickMfluxRepo(folders: readonly string[]): Promise<string | undefined> {
  for (const f of folders) if (await looksLikeMflux(f)) return f;
  return folders[0];
}

/** Siblings of the mflux repo scanned at most, so a huge parent folder cannot stall the prompt. */
const MAX_SIBLINGS = 500;

/**
 * diffusers clones among the workspace folders and the mflux repo's siblings, workspace
 * folders first, each once.
 */
export async function findReferenceRepos(mfluxRepo: string, folders: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const add = (p: string) => {
    const abs = resolve(p);
    if (abs !== resolve(mfluxRepo) && !out.includes(abs)) out.push(abs);
  };
  for (const f of folders) if (await looksLikeDiffusers(f)) add(f);
  const parent = dirname(resolve(mfluxRepo));
  let names: string[] = [];
  try {
    names = (await readdir(parent)).slice(0, MAX_SIBLINGS);
  } catch {
    // unreadable parent: only workspace folders count
  }
  // "diffusers" itself first, then other clones (forks, worktrees) in name order.
  names.sort((a, b) => Number(b === 'diffusers') - Number(a === 'diffusers') || a.localeCompare(b));
  for (const n of names) {
    const p = join(parent, n);
    if (!n.startsWith('.') && (await looksLikeDiffusers(p))) add(p);
  }
  return out;
}

export function folderLabel(p: string): string {
  return basename(p) || p;
}
