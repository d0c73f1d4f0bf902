// A side that exited non-zero: the notification names the exception line of its traceback
// (from output-tail.txt, the last lines the terminal showed), and offers the traceback itself,
// the comparison of what was dumped before the failure, and the run folder.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { errorLine, sideLabel, TAIL_FILE, tracebackTail, type Side } from '../../core/runners';
import { showReportText } from '../reportDocs';
import { openParityReport } from './report';
import { dumpCount, revealFolder } from './runFolders';

export interface Failure {
  readonly side: Side;
  readonly runId: string;
  readonly exitCode: number | undefined;
  readonly runDir: string;
  /** The other side's folder this one is compared with (the reference run of an MLX run). */
  readonly otherDir?: string;
  /** The last lines of the terminal output (empty when the terminal gave none). */
  readonly tail: readonly string[];
  /** Run Both stopped here before the MLX side. */
  readonly mlxNotStarted: boolean;
}

const SHOW_TRACEBACK = 'Show Traceback';
const COMPARE_DUMPED = 'Compare What Was Dumped';
const OPEN_FOLDER = 'Open Run Folder';

export async function reportFailure(f: Failure): Promise<void> {
  const who = `${sideLabel(f.side)} run ${f.runId}`;
  const head =
    f.exitCode === undefined
      ? `${who} ended without an exit code (the shell did not report one)`
      : `${who} failed with exit code ${f.exitCode}`;
  const err = f.tail.length ? errorLine(tracebackTail(f.tail)) : undefined;
  const dumped = dumpCount(f.runDir);
  const other = f.otherDir ? dumpCount(f.otherDir) : 0;
  const actions: string[] = [];
  if (f.tail.length) actions.push(SHOW_TRACEBACK);
  // What the failed side wrote before it stopped, against the other side's full run.
  if (dumped > 0 && other > 0) actions.push(COMPARE_DUMPED);
  actions.push(OPEN_FOLDER);
  const text = [
    `mflux Port: ${head}${err ? `: ${err}${/[.!?]$/.test(err) ? '' : '.'}` : '.'}`,
    dumped > 0 ? ` ${dumped} tensor${dumped === 1 ? ' was' : 's were'} dumped before it stopped.` : '',
    f.mlxNotStarted ? ' The MLX side was not started.' : '',
  ].join('');
  const pick = await vscode.window.showErrorMessage(text, ...actions);
  if (pick === SHOW_TRACEBACK) await showTraceback(f);
  else if (pick === COMPARE_DUMPED) {
    const [ref, cand] = f.side === 'mlx' ? [f.otherDir!, f.runDir] : [f.runDir, f.otherDir!];
    await openParityReport(ref, cand, `Partial comparison: the ${sideLabel(f.side)} side stopped after ${dumped} dumps.`);
  } else if (pick === OPEN_FOLDER) await revealFolder(f.runDir);
}

async function showTraceback(f: Failure): Promise<void> {
  const tb = tracebackTail(f.tail, f.tail.length);
  const text = [
    `${sideLabel(f.side)} run ${f.runId}: exit code ${f.exitCode ?? 'unknown'}. The last ${f.tail.length} lines of its terminal are kept in ${join(f.runDir, TAIL_FILE)}.`,
    '',
    ...tb,
    '',
  ].join('\n');
  await showReportText(`${f.runId} ${f.side} traceback.txt`, text);
}
