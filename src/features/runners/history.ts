// Run history in VS Code: after Run Both the report's summary is kept in the MLX run folder and
// listed on the checklist item; Compare With Previous Run shows what changed since the run
// before; Capture Inside asks for a module when it is not started from the report.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { summarize } from '../../core/compare/history';
import type { ReportJson } from '../../core/compare/types';
import { updatePort } from '../../core/checklist/state';
import type { Port } from '../../core/checklist/port';
import {
  historyMarkdown,
  INCLUDE_ENV,
  moduleOfDump,
  previousPair,
  readRunRecord,
  runEvidence,
  runHistory,
  withRunEvidence,
  writeSummary,
} from '../../core/runners';
import type { ChecklistApi } from '../deps';
import { showReportPreview } from '../reportDocs';

/** Keeps the summary of a Run Both's report in its MLX folder and adds the run to the checklist item's evidence. */
export async function recordComparison(port: Port, mlxDir: string, report: ReportJson, checklist?: ChecklistApi): Promise<void> {
  const summary = summarize(report);
  await writeSummary(mlxDir, summary);
  const rec = await readRunRecord(mlxDir);
  const link = runEvidence({ runId: rec?.runId ?? basename(mlxDir), dir: mlxDir, include: rec?.env?.[INCLUDE_ENV] || null }, summary);
  const change = (s: Parameters<typeof withRunEvidence>[0]) => withRunEvidence(s, link);
  if (checklist) await checklist.store.update(port.mfluxRepo, port.model, change);
  else await updatePort(port.mfluxRepo, port.model, change);
}

export async function compareWithPreviousRun(port: Port): Promise<void> {
  const history = await runHistory(port.mfluxRepo);
  const p = previousPair(history);
  if (!p.ok) {
    void vscode.window.showInformationMessage(`mflux Port: ${p.reason}.`);
    return;
  }
  await showReportPreview(`${port.model} run ${p.after.runId} vs ${p.before.runId}.md`, historyMarkdown(port.model, p, history));
  void vscode.window.showInformationMessage(
    `mflux Port: run ${p.after.runId} since ${p.before.runId}: ${p.delta.headline.replace(/`/g, '')}; ${p.delta.better} better, ${p.delta.worse} worse.`,
  );
}

/** Capture Inside from the palette: the module to capture inside, the newest report's first divergence offered. */
export async function askModule(port: Port): Promise<string | undefined> {
  const newest = (await runHistory(port.mfluxRepo)).find((h) => h.summary?.first_divergence);
  const value = await vscode.window.showInputBox({
    title: 'Capture Inside',
    prompt: 'Module path whose subtree both sides capture (MFLUX_PORT_CAPTURE_INCLUDE), e.g. transformer_blocks.7.attn',
    value: newest?.summary?.first_divergence ? moduleOfDump(newest.summary.first_divergence) : '',
    validateInput: (v) => (!v.trim() ? 'a module path' : /[,\s]/.test(v.trim()) ? 'one module path, without commas or spaces' : undefined),
  });
  return value?.trim() || undefined;
}
