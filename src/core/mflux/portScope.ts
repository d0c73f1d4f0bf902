// What a port changed, so hygiene judges only that: the lines and files that differ from the
// commit the port started from (`baseCommit` in `.mflux-port/<model>.json`), or for ports
// started before that was recorded, the merge-base of HEAD with the default branch. On the
// default branch itself with no recorded base there is nothing to compare with, and every
// line counts (no scope).
import { readFileSync } from 'node:fs';
import { stateFile } from '../checklist/state';
import { run } from './exec';
import { scanRepo, type HygieneReport, type PortScope, type ScanOptions } from './hygiene';
import { addedLines } from './milestone';

export interface ScopeResult {
  readonly scope?: PortScope;
  /** How the base was chosen, for the report: "recorded base abc1234", "merge-base with main". */
  readonly how: string;
}

async function git(root: string, args: string[]): Promise<string | undefined> {
  const r = await run('git', ['-c', 'core.quotePath=false', ...args], {
    cwd: root,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
  });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** The base commit recorded in the port's state file, if it has one. */
function recordedBase(stateFile: string): string | undefined {
  try {
    const v = (JSON.parse(readFileSync(stateFile, 'utf8')) as { baseCommit?: unknown }).baseCommit;
    return typeof v === 'string' && /^[0-9a-f]{7,64}$/i.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The default branch's ref: origin/HEAD's target, else main or master (local or origin). */
async function defaultBranch(root: string): Promise<string | undefined> {
  const sym = (await git(root, ['symbolic-ref', '-q', 'refs/remotes/origin/HEAD']))?.trim();
  if (sym) return sym;
  for (const b of ['refs/heads/main', 'refs/heads/master', 'refs/remotes/origin/main', 'refs/remotes/origin/master']) {
    if ((await git(root, ['rev-parse', '--verify', '-q', b])) !== undefined) return b;
  }
  return undefined;
}

const lines = (s: string | undefined, sep = '\0') => (s ?? '').split(sep).filter(Boolean);

/** The port's scope in `root`: changes since `baseCommit` (or the merge-base fallback). */
export async function portScope(root: string, baseCommit?: string): Promise<ScopeResult> {
  const head = (await git(root, ['rev-parse', '--verify', '-q', 'HEAD']))?.trim();
  if (!head) return { how: 'not a git repository with commits: every line counts' };
  let base: string | undefined;
  let how: string;
  const recorded = baseCommit ? (await git(root, ['rev-parse', '--verify', '-q', `${baseCommit}^{commit}`]))?.trim() : undefined;
  if (recorded) {
    base = recorded;
    how = `changes since the port's base commit ${recorded.slice(0, 10)}`;
  } else {
    const branch = await defaultBranch(root);
    const mb = branch ? (await git(root, ['merge-base', 'HEAD', branch]))?.trim() : undefined;
    const missing = baseCommit ? `the recorded base ${baseCommit.slice(0, 10)} is not in this repository; ` : '';
    if (!mb || mb === head) return { how: `${missing}no base commit recorded and HEAD is on the default branch: every line counts` };
    base = mb;
    how = `${missing}changes since the merge-base ${mb.slice(0, 10)} with ${branch!.replace(/^refs\/(heads|remotes)\//, '')}`;
  }
  const diff = await git(root, [
    'diff',
    base,
    '--src-prefix=a/',
    '--dst-prefix=b/',
    '--unified=0',
    '--no-color',
    '--no-ext-diff',
    '--no-renames',
    '--',
    '*.py',
  ]);
  const changed = await git(root, ['diff', base, '--name-only', '--no-renames', '--diff-filter=d', '-z']);
  const untracked = await git(root, ['ls-files', '--others', '--exclude-standard', '-z']);
  const tracked = await git(root, ['ls-files', '-z']);
  if (diff === undefined || changed === undefined || untracked === undefined || tracked === undefined)
    return { how: `git could not compare with ${base.slice(0, 10)}: every line counts` };
  return {
    scope: {
      base,
      added: addedLines(diff),
      changed: new Set(lines(changed)),
      untracked: new Set(lines(untracked)),
      tracked: new Set(lines(tracked)),
    },
    how,
  };
}

/** Hygiene of a port judged against its base: the base recorded in its state file, else the merge-base fallback. */
export async function scanPort(
  root: string,
  options: Omit<ScanOptions, 'scope'> & { readonly baseCommit?: string; readonly useGit?: boolean } = {},
): Promise<HygieneReport & { readonly how: string }> {
  // Running git reads the repo's config (core.fsmonitor can run a program): callers in an
  // untrusted workspace pass useGit: false and every line counts.
  if (options.useGit === false) return { ...scanRepo(root, options), how: 'git not run (untrusted workspace): every line counts' };
  const base = options.baseCommit ?? (options.model ? recordedBase(stateFile(root, options.model)) : undefined);
  const { scope, how } = await portScope(root, base);
  return { ...scanRepo(root, { ...options, scope }), how };
}
