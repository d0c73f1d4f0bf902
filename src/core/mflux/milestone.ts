// Milestone commits ("VAE done", "transformer done"): commit the tracked changes of the
// mflux repo (and, when asked, stage the port's new files first), but refuse while the change
// still carries probe calls or debug dumps. The extension's own runner scripts (port_runners/)
// call the probe on purpose and never block a milestone; allowlisted paths are not judged.
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { run } from './exec';
import {
  compileRules,
  DEFAULT_TENSOR_EXTENSIONS,
  pathAllowed,
  RUNNER_DIR,
  scanPython,
  TENSOR_FILE_RULE,
  type HygieneConfig,
  type HygieneFinding,
} from './hygiene';

export interface MilestoneResult {
  readonly sha: string;
  readonly message: string;
  /** Files in the commit, relative to the repo root. */
  readonly files: readonly string[];
}

export class MilestoneRefused extends Error {
  constructor(
    message: string,
    readonly findings: readonly HygieneFinding[],
  ) {
    super(message);
  }
}

async function git(repo: string, args: string[], signal?: AbortSignal): Promise<string> {
  const r = await run('git', args, { cwd: repo, signal, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
  if (r.exitCode !== 0) {
    const why = (r.stderr || r.stdout).split('\n').find((l) => l.trim()) ?? `exit code ${r.exitCode}`;
    throw new Error(`git ${args[0]} failed in ${repo}: ${why.trim()}`);
  }
  return r.stdout;
}

/** Added lines per file (1-based, in the new version) of `git diff HEAD`: staged and unstaged tracked changes. */
export function addedLines(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let file: string | undefined;
  let line = 0;
  for (const l of diff.split('\n')) {
    if (l.startsWith('+++ ')) {
      const p = l.slice(4).trim();
      file = p === '/dev/null' ? undefined : p.replace(/^b\//, '');
      if (file && !out.has(file)) out.set(file, new Set());
    } else if (l.startsWith('@@')) {
      const m = /\+(\d+)/.exec(l);
      line = m ? Number(m[1]) : 0;
    } else if (file && l.startsWith('+')) {
      out.get(file)!.add(line++);
    } else if (l.startsWith(' ')) {
      line++;
    }
  }
  return out;
}

/** Findings on the lines a milestone would add, plus tensor files it would commit. */
export async function checkMilestone(
  repo: string,
  config: HygieneConfig = {},
  signal?: AbortSignal,
): Promise<{ findings: HygieneFinding[]; files: string[] }> {
  const root = (await git(repo, ['rev-parse', '--show-toplevel'], signal)).trim();
  const hasHead = (await run('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: root })).exitCode === 0;
  const base = hasHead ? ['HEAD'] : ['--cached'];
  const names = (await git(root, ['diff', ...base, '--name-only', '--no-renames', '-z'], signal)).split('\0').filter(Boolean);
  const diff = await git(root, ['diff', ...base, '--unified=0', '--no-color', '--no-ext-diff', '--no-renames', '--', '*.py'], signal);
  const added = addedLines(diff);
  const compiled = compileRules(config);
  const findings: HygieneFinding[] = [];
  for (const [rel, lines] of added) {
    if (!lines.size || rel.startsWith(`${RUNNER_DIR}/`) || pathAllowed(rel, config.allowPaths)) continue;
    let text: string;
    try {
      text = readFileSync(join(root, rel), 'utf8');
    } catch {
      continue;
    }
    findings.push(...scanPython(join(root, rel), text, compiled).filter((f) => lines.has(f.line)));
  }
  const tensorExts = new Set((config.tensorExtensions ?? DEFAULT_TENSOR_EXTENSIONS).map((e) => e.toLowerCase()));
  if (!(config.disabledRules ?? []).includes(TENSOR_FILE_RULE)) {
    const deleted = new Set(
      (await git(root, ['diff', ...base, '--name-only', '--diff-filter=D', '-z'], signal)).split('\0').filter(Boolean),
    );
    for (const rel of names) {
      if (tensorExts.has(extname(rel).toLowerCase()) && !deleted.has(rel) && !pathAllowed(rel, config.allowPaths)) {
        findings.push({
          file: join(root, rel),
          ruleId: TENSOR_FILE_RULE,
          message: `tensor file ${rel} would be committed`,
          line: 1,
          column: 1,
          endColumn: 1,
          endLine: 1,
          text: rel,
        });
      }
    }
  }
  return { findings, files: names };
}

export function formatFinding(f: HygieneFinding, root?: string): string {
  const path = root && f.file.startsWith(root) ? f.file.slice(root.length + 1) : f.file;
  return `${path}:${f.line}:${f.column}: ${f.message}: ${f.text}`;
}

export interface MilestoneOptions {
  /** Untracked files (repo-relative) to add first, e.g. the port's new package files. */
  readonly stage?: readonly string[];
  readonly signal?: AbortSignal;
}

/** Takes staged-by-us files out of the index again, leaving them in the work tree. */
async function unstage(root: string, files: readonly string[], hasHead: boolean): Promise<void> {
  if (!files.length) return;
  await run('git', hasHead ? ['reset', '-q', '--', ...files] : ['rm', '--cached', '-q', '--', ...files], { cwd: root });
}

/**
 * Commits every tracked change (staged or not), plus the `stage` files, with `message` and
 * returns the new commit. Refuses, committing nothing and leaving the index as it was, when the
 * change adds probe calls, debug dumps or tensor files.
 */
export async function commitMilestone(
  repo: string,
  message: string,
  config: HygieneConfig = {},
  options: MilestoneOptions = {},
): Promise<MilestoneResult> {
  const { signal } = options;
  const msg = message.trim();
  if (!msg) throw new Error('a milestone needs a message, e.g. "VAE done"');
  const root = (await git(repo, ['rev-parse', '--show-toplevel'], signal)).trim();
  const stage = [...new Set(options.stage ?? [])];
  for (const f of stage)
    if (!f || f.startsWith('/') || f.split(/[\\/]/).includes('..') || f.startsWith('-'))
      throw new Error(`milestone "${msg}" not committed: ${JSON.stringify(f)} is not a path inside ${root}`);
  const hasHead = (await run('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: root })).exitCode === 0;
  if (stage.length) await git(root, ['add', '--', ...stage], signal);
  let checked: { findings: HygieneFinding[]; files: string[] };
  try {
    checked = await checkMilestone(root, config, signal);
  } catch (e) {
    await unstage(root, stage, hasHead);
    throw e;
  }
  const { findings, files } = checked;
  if (findings.length) await unstage(root, stage, hasHead);
  if (findings.length) {
    const list = findings
      .slice(0, 20)
      .map((f) => formatFinding(f, root))
      .join('\n');
    const more = findings.length > 20 ? `\n… and ${findings.length - 20} more` : '';
    throw new MilestoneRefused(`milestone "${msg}" not committed: the change still contains debug code\n${list}${more}`, findings);
  }
  if (!files.length) throw new Error(`milestone "${msg}" not committed: no tracked changes in ${root}`);
  // `commit -a` adds the tracked changes; the staged new files are in the index already.
  await git(root, ['commit', '-a', '-q', '-m', msg], signal);
  const sha = (await git(root, ['rev-parse', 'HEAD'], signal)).trim();
  return { sha, message: msg, files };
}
