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
import { relative } from 'node:path';
import { checklistMarkdown } from '../../core/checklist/markdown';
import { provingItems } from '../../core/checklist/rules';
import { nextOpenItem } from '../../core/checklist/progress';
import {
  checkOffVerified,
  itemState,
  ITEM_STATUSES,
  ItemStatus,
  removePort,
  setItemNote,
  setItemStatus,
  setPortFields,
} from '../../core/checklist/state';
import { findItem } from '../../core/checklist/workflow';
import type { ChecklistStore } from './store';
import { showReportText } from '../reportDocs';
import { ChecklistNode, ChecklistTree, VIEW_ID } from './tree';
import { isObject } from '../../protocol/envelope';
import { addEvidence, openEvidence } from './evidence';
import { startPort } from './startPort';
import { resolveItem, resolvePort, START_PORT, STATUS_ICON, STATUS_LABEL, workspacePaths } from './targets';

const CHECKLIST_COMMANDS = {
  startPort: START_PORT,
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

/** What other features receive when the checklist runs an item's action. */
export interface ItemActionArgs {
  readonly model: string;
  readonly mfluxRepo: string;
  readonly referenceRepo?: string;
  readonly reference: string;
  readonly itemId: string;
}

/** Input boxes are one line; multi-line notes travel through them with this marker. */
const NEWLINE_MARK = ' ⏎ ';

function say(e: unknown): void {
  void vscode.window.showErrorMessage(`mflux Port: ${e instanceof Error ? e.message : String(e)}`);
}

export class ChecklistCommands {
  constructor(
    private readonly store: ChecklistStore,
    private readonly tree: ChecklistTree,
  ) {}

  register(): vscode.Disposable[] {
    const C = CHECKLIST_COMMANDS;
    const table: [string, (...args: unknown[]) => unknown][] = [
      [C.startPort, (a) => startPort(this.store, this.tree, a)],
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
      [C.addEvidence, (a) => addEvidence(this.store, a)],
      [C.openEvidence, (a) => openEvidence(this.store, a)],
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

  async openChecklist(arg?: unknown): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    await this.store.ready();
    const entry = isObject(arg) && typeof arg.model === 'string' ? await resolvePort(this.store, arg) : this.store.current();
    if (entry) await this.tree.revealPort(entry.repo, entry.state.port.model).catch(() => undefined);
  }

  async setStatus(arg: unknown, status?: unknown): Promise<void> {
    const target = await resolveItem(this.store, arg);
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
      const entry = await resolvePort(this.store, arg);
      if (!entry) return;
      const note = await this.askNote(arg, entry.state.port.notes, `Notes of the ${entry.state.port.model} port`);
      if (note === undefined) return;
      await this.store.update(entry.repo, entry.state.port.model, (s) => setPortFields(s, { notes: note }));
      return;
    }
    const target = await resolveItem(this.store, arg);
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
    const entry = await resolvePort(this.store, arg ?? (current && { model: current.state.port.model, repo: current.repo }));
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
    const entry = await resolvePort(this.store, arg);
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
    const entry = await resolvePort(this.store, arg);
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
    const entry = await resolvePort(this.store, arg);
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
    const target = await resolveItem(this.store, arg);
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

  async openStateFile(arg?: unknown): Promise<void> {
    const file = isObject(arg) && typeof arg.file === 'string' ? arg.file : (await resolvePort(this.store, arg))?.file;
    if (!file) return;
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  }
}
