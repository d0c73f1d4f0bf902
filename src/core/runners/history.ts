// Run history of a port: every compared run keeps its report summary in its MLX run folder
// (report-summary.json, see core/compare/history.ts); Compare With Previous Run diffs the
// newest with the one before it that captured the same modules, and the checklist lists the
// runs with their first divergence. Pure Node (no vscode).
import { rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeDelta, diffRuns, readBaseline, SUMMARY_FILE, type ReportSummaryJson, type RunDelta } from '../compare/history';
import { listRuns, type RunRecord } from './runs';
import { addEvidence, itemState, removeEvidence, type PortState } from '../checklist/state';

export const INCLUDE_ENV = 'MFLUX_PORT_CAPTURE_INCLUDE';

export interface HistoryEntry {
  readonly runId: string;
  /** The MLX side's folder (where the summary is). */
  readonly dir: string;
  readonly status: RunRecord['status'] | 'no run.json';
  /** Capture Inside's module (MFLUX_PORT_CAPTURE_INCLUDE of the run), or null for a full capture. */
  readonly include: string | null;
  readonly summary: ReportSummaryJson | null;
}

export async function writeSummary(dir: string, summary: ReportSummaryJson): Promise<string> {
  const file = join(dir, SUMMARY_FILE);
  const tmp = join(dir, `.${SUMMARY_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(summary, null, 2) + '\n');
  await rename(tmp, file);
  return file;
}

function readSummary(dir: string): ReportSummaryJson | null {
  const file = join(dir, SUMMARY_FILE);
  if (!existsSync(file)) return null;
  try {
    return readBaseline(file);
  } catch {
    return null;
  }
}

/** The MLX runs of a repo (newest first), with their summaries where a report was made. */
export async function runHistory(repo: string): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  for (const run of await listRuns(repo)) {
    if (!('mlx' in run.sides)) continue;
    const rec = run.sides.mlx;
    const dir = join(run.dir, 'mlx');
    out.push({
      runId: run.runId,
      dir,
      status: rec ? rec.status : 'no run.json',
      include: rec?.env?.[INCLUDE_ENV] || null,
      summary: readSummary(dir),
    });
  }
  return out;
}

export type PreviousPair =
  | { readonly ok: true; readonly after: HistoryEntry; readonly before: HistoryEntry; readonly delta: RunDelta }
  | { readonly ok: false; readonly reason: string };

/**
 * The newest compared run and the newest earlier one that captured the same modules (a Capture
 * Inside run is compared with the previous Capture Inside run of the same module, a full run
 * with the previous full run).
 */
export function previousPair(history: readonly HistoryEntry[]): PreviousPair {
  const compared = history.filter((h) => h.summary);
  const after = compared[0];
  if (!after) return { ok: false, reason: 'no run has a parity report yet: run both sides first (Run Both)' };
  const before = compared.slice(1).find((h) => h.include === after.include);
  if (!before)
    return {
      ok: false,
      reason: `run ${after.runId} is the only compared run${after.include ? ` capturing inside ${after.include}` : ''}: there is no previous run to compare it with yet`,
    };
  return { ok: true, after, before, delta: diffRuns(before.summary!, after.summary!) };
}

/** "first divergence at vae.act (3 of 5 pass)" / "all 5 pass". */
function summaryLine(s: ReportSummaryJson): string {
  const n = s.pairs.length;
  const pass = s.pairs.filter((p) => p.pass).length;
  if (n === 0) return 'nothing compared';
  return s.first_divergence ? `first divergence at ${s.first_divergence} (${pass} of ${n} pass)` : `all ${n} pass`;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown document Compare With Previous Run shows. */
export function historyMarkdown(model: string, p: Extract<PreviousPair, { ok: true }>, history: readonly HistoryEntry[]): string {
  const d = p.delta;
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toPrecision(3));
  const lines = [
    `# ${model}: run ${p.after.runId} compared with run ${p.before.runId}`,
    '',
    `**${d.headline}**; ${d.better} better, ${d.worse} worse${p.after.include ? ` (both captured inside ${code(p.after.include)})` : ''}.`,
    '',
  ];
  const changed = d.pairs.filter((c) => c.change !== 'same');
  if (changed.length) {
    lines.push('| pair | change | rel_l2 before | rel_l2 now |', '|---|---|---|---|');
    for (const c of changed) lines.push(`| ${cell(c.name)} | ${c.change} | ${fmt(c.before?.rel_l2)} | ${fmt(c.after?.rel_l2)} |`);
  } else lines.push('No pair changed (rel_l2 within a factor of 2, same verdicts).');
  lines.push('', '## Runs', '');
  for (const h of history)
    lines.push(
      `- ${h.runId}${h.include ? ` · inside ${code(h.include)}` : ''}: ${h.summary ? summaryLine(h.summary) : h.status === 'passed' ? 'not compared' : h.status}`,
    );
  lines.push('', 'Plain text (as `mflux-port compare --baseline` prints it):', '', '```', ...describeDelta(d), '```', '');
  return lines.join('\n');
}

/** The checklist evidence of one compared run: the summary file, labelled with its first divergence. */
export function runEvidence(
  entry: Pick<HistoryEntry, 'runId' | 'dir' | 'include'>,
  s: ReportSummaryJson,
): { target: string; label: string } {
  return {
    target: join(entry.dir, SUMMARY_FILE),
    label: `run ${entry.runId}${entry.include ? ` (inside ${entry.include})` : ''}: ${summaryLine(s)}`,
  };
}

/** The checklist item whose evidence lists the compared runs ("Dump tensors at critical points on both sides"). */
export const RUNS_ITEM = 'fast.tensorDumps';
/** Run links kept on that item (the newest; older ones are dropped as new runs come). */
export const RUN_EVIDENCE_KEEP = 10;

/** Adds a run's evidence link to RUNS_ITEM, keeping the newest RUN_EVIDENCE_KEEP run links (other links untouched). */
export function withRunEvidence(state: PortState, link: { target: string; label: string }, now = new Date()): PortState {
  let next = addEvidence(state, RUNS_ITEM, { kind: 'report', target: link.target, label: link.label }, now);
  for (;;) {
    const ev = itemState(next, RUNS_ITEM).evidence;
    const runs = ev.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'report' && e.target.endsWith(SUMMARY_FILE));
    if (runs.length <= RUN_EVIDENCE_KEEP) return next;
    next = removeEvidence(next, RUNS_ITEM, runs[0][1], now);
  }
}
