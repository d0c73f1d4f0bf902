// Run history: what changed between two comparisons of the same port. A run folder keeps its
// report summary (report-summary.json, the per-pair verdicts of `compare --json` without the
// heavy parts), and `compare --baseline OLD.json` / Compare With Previous Run diff two of them.
import { readFileSync } from 'node:fs';
import type { ReportJson } from './types';

export const SUMMARY_FILE = 'report-summary.json';

export interface SummaryPair {
  readonly name: string;
  readonly pass: boolean;
  readonly rel_l2: number | null;
  readonly max_abs: number | null;
}

export interface ReportSummaryJson {
  readonly version: 1;
  readonly first_divergence: string | null;
  readonly pairs: readonly SummaryPair[];
  readonly ref_path?: string;
  readonly cand_path?: string;
  readonly time?: string;
}

export type Change = 'fixed' | 'broke' | 'better' | 'worse' | 'same' | 'new' | 'gone';

export interface PairChange {
  readonly name: string;
  readonly change: Change;
  readonly before: SummaryPair | null;
  readonly after: SummaryPair | null;
}

export interface RunDelta {
  readonly first_before: string | null;
  readonly first_after: string | null;
  /** One sentence: "first divergence moved from `a` to `b`" (or stayed, appeared, went away). */
  readonly headline: string;
  readonly pairs: readonly PairChange[];
  readonly better: number;
  readonly worse: number;
}

/** rel_l2 has to change by this factor, either way, to count as better or worse (not noise). */
const CHANGE_FACTOR = 2;

export function summarize(
  r: Pick<ReportJson, 'pairs' | 'first_divergence' | 'ref_path' | 'cand_path'>,
  now = new Date(),
): ReportSummaryJson {
  return {
    version: 1,
    first_divergence: r.first_divergence,
    pairs: r.pairs.map((p) => ({ name: p.name, pass: p.pass, rel_l2: finite(p.rel_l2), max_abs: finite(p.max_abs) })),
    ref_path: r.ref_path,
    cand_path: r.cand_path,
    time: now.toISOString(),
  };
}

const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** A baseline: a `compare --json` report or a report-summary.json. One-line errors naming the file. */
export function readBaseline(file: string): ReportSummaryJson {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${file}: ${err.code === 'ENOENT' ? 'does not exist' : err.code ? err.message : `not JSON (${err.message})`}`);
  }
  const o = raw as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.pairs))
    throw new Error(`${file}: not a parity report (no "pairs" list); use a compare --json output or a ${SUMMARY_FILE}`);
  const pairs: SummaryPair[] = [];
  for (const [i, p] of (o.pairs as unknown[]).entries()) {
    const q = p as Record<string, unknown> | null;
    if (!q || typeof q.name !== 'string' || typeof q.pass !== 'boolean')
      throw new Error(`${file}: pairs[${i}] needs a string "name" and a boolean "pass"`);
    pairs.push({ name: q.name, pass: q.pass, rel_l2: finite(q.rel_l2 as number), max_abs: finite(q.max_abs as number) });
  }
  const first = typeof o.first_divergence === 'string' ? o.first_divergence : null;
  return { version: 1, first_divergence: first, pairs, ref_path: str(o.ref_path), cand_path: str(o.cand_path), time: str(o.time) };
}

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

function judge(before: SummaryPair, after: SummaryPair): Change {
  if (before.pass !== after.pass) return after.pass ? 'fixed' : 'broke';
  const a = before.rel_l2;
  const b = after.rel_l2;
  if (a === null || b === null || a === b) return 'same';
  if (a === 0) return b > 0 && !after.pass ? 'worse' : 'same';
  const ratio = b / a;
  if (ratio >= CHANGE_FACTOR) return 'worse';
  if (ratio <= 1 / CHANGE_FACTOR) return 'better';
  return 'same';
}

export function diffRuns(before: ReportSummaryJson, after: ReportSummaryJson): RunDelta {
  const old = new Map(before.pairs.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const pairs: PairChange[] = [];
  for (const p of after.pairs) {
    seen.add(p.name);
    const b = old.get(p.name);
    pairs.push({ name: p.name, change: b ? judge(b, p) : 'new', before: b ?? null, after: p });
  }
  for (const p of before.pairs) if (!seen.has(p.name)) pairs.push({ name: p.name, change: 'gone', before: p, after: null });
  const better = pairs.filter((p) => p.change === 'better' || p.change === 'fixed').length;
  const worse = pairs.filter((p) => p.change === 'worse' || p.change === 'broke').length;
  return {
    first_before: before.first_divergence,
    first_after: after.first_divergence,
    headline: headline(before.first_divergence, after.first_divergence),
    pairs,
    better,
    worse,
  };
}

function headline(a: string | null, b: string | null): string {
  if (a === b) return a === null ? 'everything passes, as before' : `first divergence still at \`${a}\``;
  if (a === null) return `new divergence: first at \`${b}\` (everything passed before)`;
  if (b === null) return `the divergence is gone (it was first at \`${a}\`): everything passes`;
  return `first divergence moved from \`${a}\` to \`${b}\``;
}

/** Lines for a terminal or a notification detail: the headline, then each pair that changed. */
export function describeDelta(d: RunDelta): string[] {
  const n = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toPrecision(3));
  const lines = [`since the baseline: ${d.headline}; ${d.better} better, ${d.worse} worse`];
  for (const p of d.pairs) {
    if (p.change === 'same') continue;
    const what =
      p.change === 'new'
        ? 'new pair'
        : p.change === 'gone'
          ? 'no longer compared'
          : `${p.change}: rel_l2 ${n(p.before?.rel_l2)} -> ${n(p.after?.rel_l2)}`;
    lines.push(`  ${p.name}: ${what}`);
  }
  return lines;
}
