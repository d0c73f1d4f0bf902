// "Start Port…": the three prompts (or an argument object), then the port's state file.
import * as vscode from 'vscode';
import { isAbsolute, resolve } from 'node:path';
import { validateModelName } from '../../core/checklist/port';
import { createPort, stateFile } from '../../core/checklist/state';
import { findReferenceRepos, folderLabel, pickMfluxRepo } from '../../core/mflux/repos';
import { repoState } from '../../core/runners/git';
import { isObject } from '../../protocol/envelope';
import type { ChecklistStore } from './store';
import { workspacePaths } from './targets';
import { type ChecklistTree, VIEW_ID } from './tree';

export interface StartPortArgs {
  readonly model: string;
  readonly reference?: string;
  readonly referenceRepo?: string;
  readonly mfluxRepo?: string;
  readonly notes?: string;
}

export async function startPort(
  store: ChecklistStore,
  tree: ChecklistTree,
  arg?: unknown,
): Promise<{ file: string; model: string; mfluxRepo: string } | undefined> {
  const folders = workspacePaths();
  let input: StartPortArgs | undefined;
  // From the view's "+" with a row selected, VS Code passes that row (a node with a `kind`):
  // that is not a request to start a port of the row's name.
  if (isObject(arg) && typeof arg.model === 'string' && !('kind' in arg)) {
    input = arg as unknown as StartPortArgs;
  } else {
    input = await promptStartPort(store, folders);
    if (!input) return undefined;
  }
  const mfluxRepo = input.mfluxRepo ? resolve(input.mfluxRepo) : pickMfluxRepo(folders);
  if (!mfluxRepo) throw new Error('open the mflux repository folder first: a port lives in its .mflux-port/ folder');
  const model = input.model.trim();
  const problem = validateModelName(model);
  if (problem) throw new Error(`model name "${model}": ${problem}`);
  const referenceRepo = input.referenceRepo
    ? isAbsolute(input.referenceRepo)
      ? input.referenceRepo
      : resolve(mfluxRepo, input.referenceRepo)
    : undefined;
  // The commit the port starts from (hygiene diffs against it); git runs only in a trusted workspace.
  const baseCommit = vscode.workspace.isTrusted ? ((await repoState('mflux', mfluxRepo)).commit ?? undefined) : undefined;
  await createPort(
    { model, mfluxRepo, referenceRepo, reference: (input.reference ?? '').trim(), notes: input.notes ?? '' },
    new Date(),
    baseCommit,
  );
  await store.reload(mfluxRepo);
  store.setCurrent(mfluxRepo, model);
  await vscode.commands.executeCommand(`${VIEW_ID}.focus`).then(undefined, () => undefined);
  await tree.revealPort(mfluxRepo, model).catch(() => undefined);
  return { file: stateFile(mfluxRepo, model), model, mfluxRepo };
}

async function promptStartPort(store: ChecklistStore, folders: string[]): Promise<StartPortArgs | undefined> {
  const mfluxRepo = pickMfluxRepo(folders);
  if (!mfluxRepo) throw new Error('open the mflux repository folder first: a port lives in its .mflux-port/ folder');
  await store.ready();
  const model = await vscode.window.showInputBox({
    title: 'Start Port (1/3): Model name',
    prompt: 'snake_case: the package folder under src/mflux/models/',
    placeHolder: 'e.g. z_image',
    ignoreFocusOut: true,
    validateInput: (v) =>
      validateModelName(v) ?? (store.find(mfluxRepo, v.trim()) ? `A port named "${v.trim()}" already exists in this repo.` : undefined),
  });
  if (model === undefined) return undefined;
  const reference = await vscode.window.showInputBox({
    title: 'Start Port (2/3): Reference pipeline or Hugging Face repo id',
    prompt: 'Optional: press Enter to leave it empty',
    placeHolder: 'e.g. Tongyi-MAI/Z-Image-Turbo or ZImagePipeline',
    ignoreFocusOut: true,
  });
  if (reference === undefined) return undefined;
  const candidates = findReferenceRepos([mfluxRepo], folders);
  type Pick = vscode.QuickPickItem & { path?: string; browse?: boolean };
  const items: Pick[] = [
    ...candidates.map((p) => ({
      label: `$(repo) ${folderLabel(p)}`,
      description: p,
      detail: folders.includes(p) ? 'workspace folder' : 'next to the mflux repo',
      path: p,
    })),
    { label: '$(folder-opened) Browse…', browse: true },
    { label: '$(circle-slash) None', description: 'no local reference clone' },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Start Port (3/3): Reference repo folder',
    placeHolder: 'Reference repo folder: a diffusers clone, another folder, or none',
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  let referenceRepo = pick.path;
  if (pick.browse) {
    const uri = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use as reference repo',
      defaultUri: vscode.Uri.file(resolve(mfluxRepo, '..')),
    });
    if (!uri?.[0]) return undefined;
    referenceRepo = uri[0].fsPath;
  }
  return { model: model.trim(), reference: reference.trim(), referenceRepo, mfluxRepo };
}
