// What run.json records about each repo, and keeping debug_artifacts/ out of git.
import { mkdir, readFile, appendFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { RepoState } from './runs';

async function git(cwd: string, args: string[]): Promise<string> {
  // execa is ESM-only: a dynamic import works from both the CommonJS bundle and the tests.
  const { execa } = await import('execa');
  const r = await execa('git', args, { cwd, reject: true, timeout: 20_000, env: { GIT_OPTIONAL_LOCKS: '0' } });
  return r.stdout;
}

export async function repoState(role: RepoState['role'], path: string): Promise<RepoState> {
  try {
    await git(path, ['rev-parse', '--git-dir']);
  } catch {
    return { role, path, commit: null, dirty: null, error: 'not a git repository' };
  }
  let commit: string | null = null;
  try {
    commit = (await git(path, ['rev-parse', 'HEAD'])).trim();
  } catch {
    // a repository without commits yet
  }
  try {
    const status = await git(path, ['status', '--porcelain']);
    return { role, path, commit, dirty: status.trim().length > 0 };
  } catch (e) {
    return { role, path, commit, dirty: null, error: firstLine(e) };
  }
}

const PATTERN = 'debug_artifacts/';
const ALREADY = new Set([
  'debug_artifacts',
  'debug_artifacts/',
  '/debug_artifacts',
  '/debug_artifacts/',
  'debug_artifacts/*',
  '/debug_artifacts/*',
]);

/**
 * Adds `debug_artifacts/` to the repo's info/exclude once. Asks git where that file is, which
 * covers worktrees and submodules (where `.git` is a file pointing elsewhere). Returns the
 * file, and whether it changed; undefined when `repo` is not a git repository.
 */
export async function ensureExcluded(repo: string): Promise<{ file: string; added: boolean } | undefined> {
  let file: string;
  try {
    file = (await git(repo, ['rev-parse', '--git-path', 'info/exclude'])).trim();
  } catch {
    return undefined;
  }
  if (!isAbsolute(file)) file = join(repo, file);
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    await mkdir(dirname(file), { recursive: true });
  }
  if (text.split(/\r?\n/).some((l) => ALREADY.has(l.trim()))) return { file, added: false };
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${sep}# mflux Port Studio: tensor dumps of runner scripts\n${PATTERN}\n`);
  return { file, added: true };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
