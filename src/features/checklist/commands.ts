// Checklist commands (category "mflux Port"). Contract relied on by the e2e tests and the
// walkthrough — keep it stable:
//
//   mfluxPort.startPort  "Start Port…" — from the palette it prompts, in this order:
//     1. input box titled "Start Port (1/3): Model name" (snake_case; validation message inline)
//     2. input box "Start Port (2/3): Reference pipeline or Hugging Face repo id" (may be empty)
//     3. quick pick "Start Port (3/3): Reference repo folder": detected `diffusers` clones (workspace folders,
//        then siblings of the mflux repo), then "Browse…" and "None"
//   The mflux repo is the workspace folder containing src/mflux (else the first folder).
//   An argument object {model, reference?, referenceRepo?, mfluxRepo?, notes?} skips the
//   prompts (referenceRepo may be relative to mfluxRepo). Returns {file, model, mfluxRepo}.
//
//   Tree labels: port node = model name; phases "1. Scope and parity", "2. Port fast to
//   reference", "3. Port order", "4. Deterministic validation", "5. Post-test refactor",
//   "6. Finalize"; items = workflow item titles; descriptions hold progress ("12/41").
//
//   Palette: startPort, openChecklist, setItemStatus, addNote, nextStep, exportChecklist,
//   removePort, refreshChecklist, checkVerifiedItems. Context-only (hidden from the palette): runItemAction,
//   markItemInProgress, skipItem, addEvidence, openEvidence, openStateFile.
//   Programmatic arguments: setItemStatus({model, itemId, status, mfluxRepo?}),
//   addNote({model, itemId?, note, mfluxRepo?}), exportChecklist({model?, mfluxRepo?,
//   target?: 'document' | 'clipboard' | 'both'}) → the Markdown, removePort({model,
//   mfluxRepo?, confirm: false}) skips the confirmation.
import * as vscode from 'vscode';
import { isAbsolute, relative, resolve } from 'node:path';
import { checklistMarkdown } from '../../core/checklist/markdown';
import { provingItems } from '../../core/checklist/rules';
import { nextOpenItem } from '../../core/checklist/progress';
import { validateModelName } from '../../core/checklist/port';
import { findReferenceRepos, folderLabel, pickMfluxRepo } from '../../core/mflux/repos';
import {
  addEvidence,
  checkOffVerified,
  createPort,
  EvidenceLink,
  itemState,
  ITEM_STATUSES,
  ItemStatus,
  removePort,
  setItemNote,
  setItemStatus,
  setPortFields,
  stateFile,
} from '../../core/checklist/state';
import { ALL_ITEMS, findItem, phaseOf } from '../../core/checklist/workflow';
import { repoState } from '../../core/runners/git';
import { ChecklistStore, PortEntry } from './store';
import { showReportText } from '../reportDocs';
import { ChecklistNode, ChecklistTree, VIEW_ID } from './tree';
import { isObject } from '../../protocol/envelope';

export const CHECKLIST_COMMANDS = {
  startPort: 'mfluxPort.startPort',
  openChecklist: 'mfluxPort.openChecklist',
  setItemStatus: 'mfluxPort.setItemStatus',
  addNote: 'mfluxPort.addNote',
  nextStep: 'mfluxPort.nextStep',
  exportChecklist: 'mfluxPort.exportChecklist',
  removePort: 'mfluxPort.removePort',
  refreshChecklist: 'mfluxPort.refreshChecklist',
  checkVerifiedItems: 'mfluxPort.checkVerifiedItems',
  runItemAction: 'mfluxPort.runItemAction',
  markItemInProgress: 'mfluxPort.markItemInProgress',
  skipItem: 'mfluxPort.skipItem',
  addEvidence: 'mfluxPort.addEvidence',
  openEvidence: 'mfluxPort.openEvidence',
  openStateFile: 'mfluxPort.openStateFile',
} as const;

export interface StartPortArgs {
  readonly model: string;
  readonly reference?: string;
  readonly referenceRepo?: string;
  readonly mfluxRepo?: string;
  readonly notes?: string;
}

/** What other features receive when the checklist runs an item's action. */
export interface ItemActionArgs {
  readonly model: string;
  readonly mfluxRepo: string;
  readonly referenceRepo?: string;
  readonly reference: string;
  readonly itemId: string;
}

const STATUS_LABEL: Record<ItemStatus, string> = { todo: 'To do', in_progress: 'In progress', done: 'Done', skipped: 'Skipped' };
const STATUS_ICON: Record<ItemStatus, string> = {
  todo: '$(circle-large-outline)',
  in_progress: '$(play-circle)',
  done: '$(pass-filled)',
  skipped: '$(circle-slash)',
};
/** Input boxes are one line; multi-line notes travel through them with this marker. */
const NEWLINE_MARK = ' ⏎ ';

function say(e: unknown): void {
  void vscode.window.showErrorMessage(`mflux Port: ${e instanceof Error ? e.message : String(e)}`);
}

function workspacePaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

export class ChecklistCommands {
  constructor(
    private readonly store: ChecklistStore,
    private readonly tree: ChecklistTree,
  ) {}

  register(): vscode.Disposable[] {
    const C = CHECKLIST_COMMANDS;
    const table: [string, (...args: unknown[]) => unknown][] = [
      [C.startPort, (a) => this.startPort(a)],
      [C.openChecklist, (a) => this.openChecklist(a)],
      [C.setItemStatus, (a, s) => this.setStatus(a, s)],
      [C.addNote, (a) => this.addNote(a)],
      [C.nextStep, (a) => this.nextStep(a)],
      [C.exportChecklist, (a) => this.exportChecklist(a)],
      [C.removePort, (a) => this.removePort(a)],
      [C.refreshChecklist, () => this.refresh()],
      [C.checkVerifiedItems, (a) => this.checkVerified(a)],
      [C.runItemAction, (a) => this.runItemAction(a)],
      [C.markItemInProgress, (a) => this.setStatus(a, 'in_progress')],
      [C.skipItem, (a) => this.setStatus(a, 'skipped')],
      [C.addEvidence, (a) => this.addEvidence(a)],
      [C.openEvidence, (a) => this.openEvidence(a)],
      [C.openStateFile, (a) => this.openStateFile(a)],
    ];
    return table.map(([id, fn]) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          say(e);
          return undefined;
        }
      }),
    );
  }

  // ------------------------------------------------------------- resolving targets

  /** A port from a tree node, an {model, mfluxRepo?} object, or the current port / a pick. */
  private async resolvePort(arg: unknown): Promise<PortEntry | undefined> {
    await this.store.ready();
    if (isObject(arg) && typeof arg.model === 'string') {
      const repo = typeof arg.repo === 'string' ? arg.repo : typeof arg.mfluxRepo === 'string' ? resolve(arg.mfluxRepo) : undefined;
      const hit = this.store.allPorts().find((p) => p.state.port.model === arg.model && (!repo || p.repo === repo));
      if (!hit) throw new Error(`no port named "${arg.model}"${repo ? ` in ${repo}` : ''}`);
      return hit;
    }
    const ports = this.store.allPorts();
    if (ports.length === 0) {
      const start = 'Start Port…';
      if ((await vscode.window.showInformationMessage('There is no port yet.', start)) === start)
        await vscode.commands.executeCommand(CHECKLIST_COMMANDS.startPort);
      return undefined;
    }
    if (ports.length === 1) return ports[0];
    const current = this.store.current();
    const pick = await vscode.window.showQuickPick(
      ports
        .map((p) => ({ label: p.state.port.model, description: p.repo, entry: p, picked: p === current }))
        .sort((a, b) => Number(b.entry === current) - Number(a.entry === current)),
      { placeHolder: 'Port' },
    );
    return pick?.entry;
  }

  /** An item from a tree node, an {model, itemId} object, or a pick (next open item first). */
  private async resolveItem(arg: unknown): Promise<{ entry: PortEntry; itemId: string } | undefined> {
    if (isObject(arg) && typeof arg.itemId === 'string') {
      if (!findItem(arg.itemId)) throw new Error(`no checklist item "${arg.itemId}"`);
      const entry = await this.resolvePort(arg);
      return entry && { entry, itemId: arg.itemId };
    }
    const entry = await this.resolvePort(arg);
    if (!entry) return undefined;
    const next = nextOpenItem(entry.state)?.item.id;
    // From a phase node, offer that phase's items only.
    const phaseId = isObject(arg) && arg.kind === 'phase' && typeof arg.phaseId === 'string' ? arg.phaseId : undefined;
    const items = ALL_ITEMS.filter((i) => !phaseId || phaseOf(i.id)?.id === phaseId).map((i) => {
      const s = itemState(entry.state, i.id);
      return {
        label: `${STATUS_ICON[s.status]} ${i.title}`,
        description: `${phaseOf(i.id)!.number}. ${phaseOf(i.id)!.title}${i.id === next ? ' · next' : ''}`,
        itemId: i.id,
      };
    });
    const first = items.find((i) => i.itemId === next);
    const ordered = first ? [first, ...items.filter((i) => i !== first)] : items;
    const pick = await vscode.window.showQuickPick(ordered, {
      placeHolder: `Checklist item of ${entry.state.port.model}`,
      matchOnDescription: true,
    });
    return pick && { entry, itemId: pick.itemId };
  }

  // ------------------------------------------------------------- commands

  async startPort(arg?: unknown): Promise<{ file: string; model: string; mfluxRepo: string } | undefined> {
    const folders = workspacePaths();
    let input: StartPortArgs | undefined;
    // From the view's "+" with a row selected, VS Code passes that row (a node with a `kind`):
    // that is not a request to start a port of the row's name.
    if (isObject(arg) && typeof arg.model === 'string' && !('kind' in arg)) {
      input = arg as unknown as StartPortArgs;
    } else {
      input = await this.promptStartPort(folders);
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
    await this.store.reload(mfluxRepo);
    this.store.setCurrent(mfluxRepo, model);
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`).then(undefined, () => undefined);
    await this.tree.revealPort(mfluxRepo, model).catch(() => undefined);
    return { file: stateFile(mfluxRepo, model), model, mfluxRepo };
  }

  private async promptStartPort(folders: string[]): Promise<StartPortArgs | undefined> {
    const mfluxRepo = pickMfluxRepo(folders);
    if (!mfluxRepo) throw new Error('open the mflux repository folder first: a port lives in its .mflux-port/ folder');
    await this.store.ready();
    const model = await vscode.window.showInputBox({
      title: 'Start Port (1/3): Model name',
      prompt: 'snake_case: the package folder under src/mflux/models/',
      placeHolder: 'e.g. z_image',
      ignoreFocusOut: true,
      validateInput: (v) =>
        validateModelName(v) ??
        (this.store.find(mfluxRepo, v.trim()) ? `A port named "${v.trim()}" already exists in this repo.` : undefined),
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

  async openChecklist(arg?: unknown): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    await this.store.ready();
    const entry = isObject(arg) && typeof arg.model === 'string' ? await this.resolvePort(arg) : this.store.current();
    if (entry) await this.tree.revealPort(entry.repo, entry.state.port.model).catch(() => undefined);
  }

  async setStatus(arg: unknown, status?: unknown): Promise<void> {
    const target = await this.resolveItem(arg);
    if (!target) return;
    let next = typeof status === 'string' ? status : isObject(arg) && typeof arg.status === 'string' ? arg.status : undefined;
    if (next === undefined) {
      const cur = itemState(target.entry.state, target.itemId).status;
      const pick = await vscode.window.showQuickPick(
        ITEM_STATUSES.map((s) => ({
          label: `${STATUS_ICON[s]} ${STATUS_LABEL[s]}`,
          description: s === cur ? 'current' : undefined,
          status: s,
        })),
        { placeHolder: `Status of "${findItem(target.itemId)!.title}"` },
      );
      if (!pick) return;
      next = pick.status;
    }
    if (!ITEM_STATUSES.includes(next as ItemStatus)) throw new Error(`"${next}" is not a status; use one of ${ITEM_STATUSES.join(', ')}`);
    const { entry, itemId } = target;
    await this.store.update(entry.repo, entry.state.port.model, (s) => setItemStatus(s, itemId, next as ItemStatus));
  }

  async addNote(arg?: unknown): Promise<void> {
    const node = arg as ChecklistNode | undefined;
    const onPort = isObject(arg) && (node?.kind === 'port' || (typeof arg.model === 'string' && arg.itemId === undefined && 'note' in arg));
    if (onPort) {
      const entry = await this.resolvePort(arg);
      if (!entry) return;
      const note = await this.askNote(arg, entry.state.port.notes, `Notes of the ${entry.state.port.model} port`);
      if (note === undefined) return;
      await this.store.update(entry.repo, entry.state.port.model, (s) => setPortFields(s, { notes: note }));
      return;
    }
    const target = await this.resolveItem(arg);
    if (!target) return;
    const { entry, itemId } = target;
    const note = await this.askNote(arg, itemState(entry.state, itemId).note, `Note on "${findItem(itemId)!.title}"`);
    if (note === undefined) return;
    await this.store.update(entry.repo, entry.state.port.model, (s) => setItemNote(s, itemId, note));
  }

  private async askNote(arg: unknown, current: string, prompt: string): Promise<string | undefined> {
    if (isObject(arg) && typeof arg.note === 'string') return arg.note;
    const v = await vscode.window.showInputBox({
      prompt,
      value: current.replace(/\r?\n/g, NEWLINE_MARK),
      placeHolder: 'Empty clears the note; ⏎ marks a line break',
      ignoreFocusOut: true,
    });
    return v === undefined ? undefined : v.split(NEWLINE_MARK).join('\n').trim();
  }

  async nextStep(arg?: unknown): Promise<string | undefined> {
    const current = this.store.current();
    const entry = await this.resolvePort(arg ?? (current && { model: current.state.port.model, repo: current.repo }));
    if (!entry) return undefined;
    const next = nextOpenItem(entry.state);
    if (!next) {
      const exp = 'Export Checklist';
      if ((await vscode.window.showInformationMessage(`Every item of ${entry.state.port.model} is done or skipped.`, exp)) === exp)
        await this.exportChecklist({ model: entry.state.port.model, repo: entry.repo });
      return undefined;
    }
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    await this.tree.revealItem(entry.repo, entry.state.port.model, next.item.id);
    return next.item.id;
  }

  async exportChecklist(arg?: unknown): Promise<string | undefined> {
    const entry = await this.resolvePort(arg);
    if (!entry) return undefined;
    const md = checklistMarkdown(entry.state, {
      checks: this.store.checksFor(entry.repo, entry.state.port.model),
      proving: provingItems(this.store.rules),
    });
    const target = isObject(arg) && typeof arg.target === 'string' ? arg.target : 'both';
    if (target === 'clipboard' || target === 'both') await vscode.env.clipboard.writeText(md);
    if (target === 'document' || target === 'both') {
      await showReportText(`${entry.state.port.model} checklist.md`, md);
    }
    if (target !== 'document')
      vscode.window.setStatusBarMessage(`$(clippy) Checklist of ${entry.state.port.model} copied as Markdown`, 4000);
    return md;
  }

  async removePort(arg?: unknown): Promise<void> {
    const entry = await this.resolvePort(arg);
    if (!entry) return;
    const skipConfirm = isObject(arg) && arg.confirm === false;
    if (!skipConfirm) {
      const rel = relative(entry.repo, entry.file);
      const ok = await vscode.window.showWarningMessage(
        `Remove the port "${entry.state.port.model}"?`,
        { modal: true, detail: `This deletes ${rel} with its progress and notes. Committed versions stay in git history.` },
        'Remove',
      );
      if (ok !== 'Remove') return;
    }
    await removePort(entry.repo, entry.state.port.model);
    await this.store.reload(entry.repo);
  }

  async refresh(): Promise<void> {
    for (const repo of workspacePaths()) await this.store.reload(repo);
    for (const p of this.store.allPorts()) await this.store.runChecks(p.repo, p.state.port.model);
  }

  /** Checks off every open item the files prove, with the check's evidence. Returns the item ids. */
  async checkVerified(arg?: unknown): Promise<string[]> {
    const entry = await this.resolvePort(arg);
    if (!entry) return [];
    const { model } = entry.state.port;
    await this.store.runChecks(entry.repo, model);
    let changed: string[] = [];
    await this.store.update(entry.repo, model, (s) => {
      const r = checkOffVerified(s, this.store.checksFor(entry.repo, model), provingItems(this.store.rules));
      changed = r.changed;
      return r.state;
    });
    vscode.window.setStatusBarMessage(
      changed.length
        ? `$(pass) ${changed.length} verified item(s) of ${model} checked off`
        : `No open item of ${model} is verified by its files yet`,
      4000,
    );
    return changed;
  }

  async runItemAction(arg?: unknown): Promise<void> {
    const target = await this.resolveItem(arg);
    if (!target) return;
    const item = findItem(target.itemId)!;
    if (!item.action) throw new Error(`"${item.title}" has no action`);
    const registered = await vscode.commands.getCommands(true);
    if (!registered.includes(item.action.command))
      throw new Error(`${item.action.title} (${item.action.command}) is not available in this window`);
    const { entry } = target;
    const { port } = entry.state;
    if (itemState(entry.state, item.id).status === 'todo') {
      await this.store.update(entry.repo, port.model, (s) => setItemStatus(s, item.id, 'in_progress'));
    }
    const args: ItemActionArgs = {
      model: port.model,
      mfluxRepo: entry.repo,
      referenceRepo: port.referenceRepo,
      reference: port.reference,
      itemId: item.id,
    };
    await vscode.commands.executeCommand(item.action.command, args);
  }

  async addEvidence(arg?: unknown): Promise<void> {
    const target = await this.resolveItem(arg);
    if (!target) return;
    const editor = vscode.window.activeTextEditor;
    type Pick = vscode.QuickPickItem & { kind2: 'editor' | 'file' | 'commit' | 'url' };
    const options: Pick[] = [
      ...(editor && editor.document.uri.scheme === 'file'
        ? [
            {
              label: '$(file-code) Current line',
              description: `${vscode.workspace.asRelativePath(editor.document.uri)}:${editor.selection.active.line + 1}`,
              kind2: 'editor' as const,
            },
          ]
        : []),
      { label: '$(file) File or report…', kind2: 'file' },
      { label: '$(git-commit) Commit…', kind2: 'commit' },
      { label: '$(link) URL…', kind2: 'url' },
    ];
    const pick = await vscode.window.showQuickPick(options, { placeHolder: 'Evidence for this item' });
    if (!pick) return;
    const { entry, itemId } = target;
    const repoRel = (p: string) => {
      const r = relative(entry.repo, p);
      return r.startsWith('..') || isAbsolute(r) ? p : r.split('\\').join('/');
    };
    let link: EvidenceLink | undefined;
    if (pick.kind2 === 'editor' && editor)
      link = { kind: 'file', target: repoRel(editor.document.uri.fsPath), line: editor.selection.active.line + 1 };
    if (pick.kind2 === 'file') {
      const uri = await vscode.window.showOpenDialog({
        canSelectMany: false,
        defaultUri: vscode.Uri.file(entry.repo),
        openLabel: 'Add as evidence',
      });
      if (uri?.[0]) link = { kind: /\.(html|json)$/i.test(uri[0].fsPath) ? 'report' : 'file', target: repoRel(uri[0].fsPath) };
    }
    if (pick.kind2 === 'commit') {
      const sha = await vscode.window.showInputBox({
        prompt: 'Commit hash',
        validateInput: (v) => (/^[0-9a-f]{7,40}$/i.test(v.trim()) ? undefined : 'A commit hash: 7 to 40 hex digits.'),
      });
      if (sha) link = { kind: 'commit', target: sha.trim().toLowerCase() };
    }
    if (pick.kind2 === 'url') {
      const url = await vscode.window.showInputBox({
        prompt: 'URL',
        validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http(s) URL.'),
      });
      if (url) link = { kind: 'url', target: url.trim() };
    }
    if (!link) return;
    const l = link;
    await this.store.update(entry.repo, entry.state.port.model, (s) => addEvidence(s, itemId, l));
  }

  async openEvidence(arg?: unknown): Promise<void> {
    if (!isObject(arg) || typeof arg.file !== 'string') return;
    const uri = vscode.Uri.file(
      isAbsolute(arg.file) ? arg.file : resolve(this.store.current()?.repo ?? workspacePaths()[0] ?? '.', arg.file),
    );
    let stat: vscode.FileStat;
    try {
      stat = await vscode.workspace.fs.stat(uri);
    } catch {
      throw new Error(`${uri.fsPath} does not exist (any more)`);
    }
    if (stat.type & vscode.FileType.Directory) {
      await vscode.commands.executeCommand('revealInExplorer', uri);
      return;
    }
    const line = typeof arg.line === 'number' && arg.line > 0 ? arg.line - 1 : 0;
    const doc = await vscode.workspace.openTextDocument(uri);
    const pos = new vscode.Position(Math.min(line, doc.lineCount - 1), 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
  }

  async openStateFile(arg?: unknown): Promise<void> {
    const file = isObject(arg) && typeof arg.file === 'string' ? arg.file : (await this.resolvePort(arg))?.file;
    if (!file) return;
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  }
}
