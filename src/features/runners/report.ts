// Opening the parity report on two run folders. The panel belongs to the parity-report
// feature; when its command is not registered (an older build), the comparison runs here in
// the worker thread and its one-line summary is shown instead.
import * as vscode from 'vscode';
import { pairNames } from '../../core/compare/pairing';
import { findManifest, manifestNames, readManifestFile } from '../../core/capture/manifest';
import { compareInWorker } from '../../core/compare/client';
import { reportSummary } from '../../core/runners';
import type { ReportJson } from '../../core/compare/types';

const PARITY_REPORT_COMMAND = 'mfluxPort.openParityReport';

/** Opens the report of two folders; resolves with the report once compared (undefined when it failed). */
export async function openParityReport(refDir: string, candDir: string, lead = 'Both sides passed.'): Promise<ReportJson | undefined> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(PARITY_REPORT_COMMAND)) {
    const r = await vscode.commands.executeCommand<ReportJson | undefined>(
      PARITY_REPORT_COMMAND,
      vscode.Uri.file(refDir),
      vscode.Uri.file(candDir),
    );
    return r ?? undefined;
  }
  let summary: string;
  let report: ReportJson | undefined;
  try {
    const out = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'mflux Port: comparing the two runs' },
      () => compareInWorker({ refPath: refDir, candPath: candDir, heatmaps: 'none' }),
    );
    report = out.report;
    summary = `Parity: ${reportSummary(out.report)}`;
  } catch (e) {
    summary = `${pairingSummary(refDir, candDir)} (The comparison failed: ${(e as Error).message})`;
  }
  const open = 'Open Run Folders';
  const choice = vscode.window.showInformationMessage(`${lead ? `${lead} ` : ''}${summary}`, open);
  void choice.then(async (c) => {
    if (c !== open) return;
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(refDir));
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(candDir));
  });
  return report;
}

/** "3 checkpoints pair up (reference 4, MLX 3)", from the two manifests. */
function pairingSummary(refDir: string, candDir: string): string {
  try {
    const rm = findManifest(refDir);
    const cm = findManifest(candDir);
    const ref = rm ? manifestNames(readManifestFile(rm)) : [];
    const cand = cm ? manifestNames(readManifestFile(cm)) : [];
    const p = pairNames(ref, cand, [], { ref, cand });
    const missing = p.unmatchedRef.length
      ? `; only in the reference: ${p.unmatchedRef.slice(0, 3).join(', ')}${p.unmatchedRef.length > 3 ? '…' : ''}`
      : '';
    return `${p.pairs.length} checkpoint${p.pairs.length === 1 ? '' : 's'} pair up (reference ${ref.length}, MLX ${cand.length})${missing}.`;
  } catch (e) {
    return `The dumps could not be listed: ${(e as Error).message}.`;
  }
}
