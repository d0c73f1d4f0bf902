// Opening the parity report on two run folders. The panel belongs to the parity-report
// feature; when its command is not registered (an older build), a summary of what pairs up
// is shown instead so the user still learns the run produced comparable dumps.
import * as vscode from 'vscode';
import { findManifest, pairNames, readManifest } from '../../core/compare/pairing';

export const PARITY_REPORT_COMMAND = 'mfluxPort.openParityReport';

export async function openParityReport(refDir: string, candDir: string): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(PARITY_REPORT_COMMAND)) {
    await vscode.commands.executeCommand(PARITY_REPORT_COMMAND, vscode.Uri.file(refDir), vscode.Uri.file(candDir));
    return;
  }
  const summary = pairingSummary(refDir, candDir);
  const open = 'Open Run Folders';
  const choice = await vscode.window.showInformationMessage(
    `Both sides passed. ${summary} (The parity report panel is not available in this build.)`,
    open,
  );
  if (choice === open) {
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(refDir));
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(candDir));
  }
}

/** "3 checkpoints pair up (reference 4, MLX 3)", from the two manifests. */
export function pairingSummary(refDir: string, candDir: string): string {
  try {
    const rm = findManifest(refDir);
    const cm = findManifest(candDir);
    const ref = rm ? readManifest(rm) : [];
    const cand = cm ? readManifest(cm) : [];
    const p = pairNames(ref, cand, [], { ref, cand });
    const missing = p.unmatchedRef.length ? `; only in the reference: ${p.unmatchedRef.slice(0, 3).join(', ')}${p.unmatchedRef.length > 3 ? '…' : ''}` : '';
    return `${p.pairs.length} checkpoint${p.pairs.length === 1 ? '' : 's'} pair up (reference ${ref.length}, MLX ${cand.length})${missing}.`;
  } catch (e) {
    return `The dumps could not be listed: ${(e as Error).message}.`;
  }
}
