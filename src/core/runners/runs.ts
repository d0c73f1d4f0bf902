// Run folders: debug_artifacts/<run_id>/{ref,mlx} in the repo each side runs in, each with a
// run.json saying what produced it. Run ids are UTC timestamps, so name order is time order.
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Side } from './env';

const ARTIFACTS = 'debug_artifacts';
const RUN_JSON = 'run.json';
export const RUN_ID = /^\d{8}-\d{6}-\d{3}(?:-\d+)?$/;

/** `20251125-211530-042` (UTC, milliseconds). */
export function runIdFor(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}-${p(date.getUTCMilliseconds(), 3)}`;
}

function artifactsDir(repo: string): string {
  return join(repo, ARTIFACTS);
}

export function sideDir(repo: string, runId: string, side: Side): string {
  return join(repo, ARTIFACTS, runId, side);
}

/**
 * Creates `<repo>/debug_artifacts/<id>/<side>` for every repo given, with an id free in all of
 * them (a `-2`, `-3`… suffix when two runs start in the same millisecond).
 */
export async function createRun(repos: ReadonlyArray<{ repo: string; side: Side }>, now = new Date()): Promise<string> {
  const base = runIdFor(now);
  for (let n = 1; n < 1000; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const created: string[] = [];
    let clash = false;
    for (const { repo } of repos) {
      const dir = join(repo, ARTIFACTS, id);
      if (created.includes(dir)) continue;
      await mkdir(join(repo, ARTIFACTS), { recursive: true });
      try {
        await mkdir(dir);
        created.push(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        clash = true;
        break;
      }
    }
    if (clash) {
      for (const d of created) await rm(d, { recursive: true, force: true });
      continue;
    }
    for (const { repo, side } of repos) await mkdir(sideDir(repo, id, side), { recursive: true });
    return id;
  }
  throw new Error(`could not find a free run id near ${base}`);
}

export interface RepoState {
  readonly role: 'reference' | 'mflux';
  readonly path: string;
  /** HEAD commit, null when not a git repo (or no commit yet). */
  readonly commit: string | null;
  /** Uncommitted changes, untracked files included (a new port is mostly new files). */
  readonly dirty: boolean | null;
  readonly error?: string;
}

export type RunStatus = 'running' | 'passed' | 'failed' | 'unknown' | 'stopped';

export interface RunRecord {
  readonly version: 1;
  readonly runId: string;
  readonly side: Side;
  readonly port?: string;
  /** The line typed into the terminal. */
  readonly command: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly shell: string;
  /** The variables the run set (MFLUX_PORT_*, PYTHONUNBUFFERED, HF_HUB_OFFLINE, PYTHONPATH prefix). */
  readonly env: Readonly<Record<string, string>>;
  readonly repos: readonly RepoState[];
  readonly platform: { readonly os: string; readonly arch: string; readonly release: string };
  readonly start: string;
  readonly end: string | null;
  /** null while running, and when the terminal could not report it (no shell integration). */
  readonly exitCode: number | null;
  readonly status: RunStatus;
  /** The other side's folder this run is compared with (the reference run an MLX run loaded from). */
  readonly pairedWith?: string;
  /** The file in the run folder with the last lines the terminal showed (output-tail.txt), when kept. */
  readonly outputTail?: string;
}

/** Writes run.json atomically (temp file, then rename), so a reader never sees half a file. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  const tmp = join(dir, `.${RUN_JSON}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(record, null, 2) + '\n');
  await rename(tmp, join(dir, RUN_JSON));
}

export async function readRunRecord(dir: string): Promise<RunRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, RUN_JSON), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as RunRecord;
    return r && typeof r === 'object' && typeof r.runId === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

export function statusFor(exitCode: number | undefined | null): RunStatus {
  if (exitCode === undefined || exitCode === null) return 'unknown';
  return exitCode === 0 ? 'passed' : 'failed';
}

export interface RunEntry {
  readonly runId: string;
  readonly dir: string;
  readonly sides: Partial<Record<Side, RunRecord | null>>;
}

/** Runs in a repo, newest first. A side folder without a readable run.json is listed as null. */
export async function listRuns(repo: string): Promise<RunEntry[]> {
  let names: string[];
  try {
    names = await readdir(artifactsDir(repo));
  } catch {
    return [];
  }
  const ids = names
    .filter((n) => RUN_ID.test(n))
    .sort(compareRunIds)
    .reverse();
  const out: RunEntry[] = [];
  for (const runId of ids) {
    const dir = join(artifactsDir(repo), runId);
    const sides: Partial<Record<Side, RunRecord | null>> = {};
    for (const side of ['ref', 'mlx'] as const) {
      const inner = join(dir, side);
      const rec = await readRunRecord(inner);
      if (rec) sides[side] = rec;
      else if (await exists(inner)) sides[side] = null;
    }
    out.push({ runId, dir, sides });
  }
  return out;
}

/** Orders `…-042` before `…-042-2` before `…-042-10`. */
export function compareRunIds(a: string, b: string): number {
  const [ab, an] = splitId(a);
  const [bb, bn] = splitId(b);
  return ab < bb ? -1 : ab > bb ? 1 : an - bn;
}

function splitId(id: string): [string, number] {
  const m = /^(\d{8}-\d{6}-\d{3})(?:-(\d+))?$/.exec(id);
  return m ? [m[1], m[2] ? Number(m[2]) : 1] : [id, 0];
}

/** The newest run of `side` in `repo` that ended with exit code 0 (a noise-floor run is never the reference). */
export async function latestPassed(repo: string, side: Side): Promise<{ runId: string; dir: string } | undefined> {
  for (const r of await listRuns(repo)) {
    const rec = r.sides[side];
    if (rec?.status === 'passed' && !rec.env?.MFLUX_PORT_VARIANT) return { runId: r.runId, dir: join(r.dir, side) };
  }
  return undefined;
}

/**
 * Deletes all but the newest `keep` runs of a repo (keep <= 0 keeps everything). Only folders
 * named like run ids are touched, never ones in `protect` (running now). Returns the removed ids.
 */
export async function pruneRuns(repo: string, keep: number, protect: ReadonlySet<string> = new Set()): Promise<string[]> {
  if (!(keep > 0)) return [];
  const runs = await listRuns(repo);
  const removed: string[] = [];
  for (const r of runs.slice(Math.floor(keep))) {
    if (protect.has(r.runId)) continue;
    await rm(r.dir, { recursive: true, force: true });
    removed.push(r.runId);
  }
  return removed;
}

/** Removes a side folder that stayed empty (its side never started), and the run folder if that leaves it empty. */
export async function discardEmptySide(repo: string, runId: string, side: Side): Promise<void> {
  for (const dir of [sideDir(repo, runId, side), join(repo, ARTIFACTS, runId)]) {
    try {
      await rmdir(dir); // refuses folders that are not empty: nothing a run wrote is ever lost
    } catch {
      return;
    }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await readdir(p);
    return true;
  } catch {
    return false;
  }
}
