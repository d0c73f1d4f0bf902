// What a checklist command acts on: a port or an item, from a tree node, an argument object,
// the current port, or a pick.
import * as vscode from 'vscode';
import { resolve } from 'node:path';
import { nextOpenItem } from '../../core/checklist/progress';
import { itemState, ItemStatus } from '../../core/checklist/state';
import { ALL_ITEMS, findItem, phaseOf } from '../../core/checklist/workflow';
import { isObject } from '../../protocol/envelope';
import type { ChecklistStore, PortEntry } from './store';

/** The id of "Start Port…" (offered when there is no port yet). */
export const START_PORT = 'mfluxPort.startPort';

export const STATUS_LABEL: Record<ItemStatus, string> = { todo: 'To do', in_progress: 'In progress', done: 'Done', skipped: 'Skipped' };
export const STATUS_ICON: Record<ItemStatus, string> = {
  todo: '$(circle-large-outline)',
  in_progress: '$(play-circle)',
  done: '$(pass-filled)',
  skipped: '$(circle-slash)',
};

export function workspacePaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

/** A port from a tree node, an {model, mfluxRepo?} object, or the current port / a pick. */
export async function resolvePort(store: ChecklistStore, arg: unknown): Promise<PortEntry | undefined> {
  await store.ready();
  if (isObject(arg) && typeof arg.model === 'string') {
    const repo = typeof arg.repo === 'string' ? arg.repo : typeof arg.mfluxRepo === 'string' ? resolve(arg.mfluxRepo) : undefined;
    const hit = store.allPorts().find((p) => p.state.port.model === arg.model && (!repo || p.repo === repo));
    if (!hit) throw new Error(`no port named "${arg.model}"${repo ? ` in ${repo}` : ''}`);
    return hit;
  }
  const ports = store.allPorts();
  if (ports.length === 0) {
    const start = 'Start Port…';
    if ((await vscode.window.showInformationMessage('There is no port yet.', start)) === start)
      await vscode.commands.executeCommand(START_PORT);
    return undefined;
  }
  if (ports.length === 1) return ports[0];
  const current = store.current();
  const pick = await vscode.window.showQuickPick(
    ports
      .map((p) => ({ label: p.state.port.model, description: p.repo, entry: p, picked: p === current }))
      .sort((a, b) => Number(b.entry === current) - Number(a.entry === current)),
    { placeHolder: 'Port' },
  );
  return pick?.entry;
}

/** An item from a tree node, an {model, itemId} object, or a pick (next open item first). */
export async function resolveItem(store: ChecklistStore, arg: unknown): Promise<{ entry: PortEntry; itemId: string } | undefined> {
  if (isObject(arg) && typeof arg.itemId === 'string') {
    if (!findItem(arg.itemId)) throw new Error(`no checklist item "${arg.itemId}"`);
    const entry = await resolvePort(store, arg);
    return entry && { entry, itemId: arg.itemId };
  }
  const entry = await resolvePort(store, arg);
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
