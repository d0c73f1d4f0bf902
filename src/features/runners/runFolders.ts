// The run folders of the ports' repos as quick picks: Open Run Folder, Compare Runs, and the
// small helpers the run commands share (reveal a folder, count a side's dumps).
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listRuns, pruneRuns, sideLabel, type Side } from '../../core/runners';
import { MANIFEST_NAME, readManifestFile } from '../../core/capture/manifest';
import { openParityReport } from './report';

type RunItem = vscode.QuickPickItem & { dir: string; side: Side };

async function runItems(repos: readonly string[]): Promise<RunItem[]> {
  const items: Array<RunItem & { id: string }> = [];
  for (const repo of repos) {
    for (const run of await listRuns(repo)) {
      for (const side of ['ref', 'mlx'] as const) {
        if (!(side in run.sides)) continue;
        const rec = run.sides[side];
        const status = rec ? rec.status + (rec.exitCode !== null && rec.exitCode !== 0 ? ` (${rec.exitCode})` : '') : 'no run.json';
        items.push({
          label: `${run.runId} · ${sideLabel(side)}`,
          description: `${status} · ${basename(repo)}`,
          detail: join(run.dir, side),
          dir: join(run.dir, side),
          side,
          id: run.runId,
        });
      }
    }
  }
  return items.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

export async function openRunFolder(repos: readonly string[]): Promise<void> {
  const items = await runItems(repos);
  if (items.length === 0) {
    void vscode.window.showInformationMessage('mflux Port: no runs yet (debug_artifacts/ is empty).');
    return;
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Open Run Folder', matchOnDetail: true });
  if (!pick) return;
  await revealFolder(pick.dir);
  const runJson = join(pick.dir, 'run.json');
  if (existsSync(runJson)) await vscode.window.showTextDocument(vscode.Uri.file(runJson), { preview: true });
}

export async function compareRuns(repos: readonly string[]): Promise<void> {
  const items = await runItems(repos);
  const browse = { label: '$(folder-opened) Browse…', description: 'any folder of dumps', dir: '', side: 'ref' as Side };
  const pickOne = async (title: string, preferred: Side): Promise<string | undefined> => {
    const ordered = [...items.filter((i) => i.side === preferred), ...items.filter((i) => i.side !== preferred), browse];
    const pick = await vscode.window.showQuickPick(ordered, { title, matchOnDetail: true });
    if (!pick) return undefined;
    if (pick !== browse) return pick.dir;
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: true, openLabel: 'Compare' });
    return chosen?.[0]?.fsPath;
  };
  const ref = await pickOne('Compare Runs (1/2): the reference side', 'ref');
  if (!ref) return;
  const cand = await pickOne('Compare Runs (2/2): the side to check against it', 'mlx');
  if (!cand) return;
  await openParityReport(ref, cand, '');
}

export function dumpCount(dir: string): number {
  try {
    return readManifestFile(join(dir, MANIFEST_NAME)).tensors.length;
  } catch {
    return 0;
  }
}

export async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(dir);
  const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
}

/** Keeps the newest `keep` runs per repo, never one in `active`. Interactive: asks first and reports; automatic: silent. */
export async function pruneRepos(repos: readonly string[], keep: number, active: ReadonlySet<string>, interactive: boolean): Promise<void> {
  if (!(keep > 0)) {
    if (interactive)
      void vscode.window.showInformationMessage(
        'mflux Port: mfluxPort.runner.keepRuns is 0, which keeps every run. Set it to the number of runs to keep.',
      );
    return;
  }
  if (interactive) {
    let excess = 0;
    for (const r of repos) excess += Math.max(0, (await listRuns(r)).length - keep);
    if (excess === 0) {
      void vscode.window.showInformationMessage(`mflux Port: nothing to prune (at most ${keep} runs per repo).`);
      return;
    }
    const del = 'Delete';
    if (
      (await vscode.window.showWarningMessage(
        `Delete ${excess} old run folder${excess === 1 ? '' : 's'} in debug_artifacts/, keeping the newest ${keep} per repo?`,
        { modal: true },
        del,
      )) !== del
    )
      return;
  }
  let removed = 0;
  for (const r of new Set(repos)) removed += (await pruneRuns(r, keep, active)).length;
  if (interactive) void vscode.window.showInformationMessage(`mflux Port: deleted ${removed} old run${removed === 1 ? '' : 's'}.`);
}
