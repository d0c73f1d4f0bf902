// The porting checklist: tree view, commands, status bar item. State lives in the mflux
// repo's .mflux-port/ files (see src/core/checklist/state.ts); this only wires VS Code to it.
// Works in restricted mode: nothing here runs code; item actions run other features'
// commands, which check workspace trust themselves.
import * as vscode from 'vscode';
import { ChecklistCommands } from './commands';
import { ChecklistStatusBar } from './statusBar';
import { ChecklistStore } from './store';
import { SWITCH_PORT, switchPort } from './switchPort';
import { ChecklistTree } from './tree';

export interface ChecklistApi {
  /**
   * Ports, their state and auto-check rules (other features add or replace rules by id, e.g. the
   * finalize audit). `store.current()` is the port commands use when not given one (see switchPort.ts).
   */
  readonly store: ChecklistStore;
}

export function registerChecklist(context: vscode.ExtensionContext): ChecklistApi {
  const store = new ChecklistStore(context.workspaceState);
  const tree = new ChecklistTree(store);
  const statusBar = new ChecklistStatusBar(store);
  new ChecklistCommands(store, tree).register(context);
  context.subscriptions.push(vscode.commands.registerCommand(SWITCH_PORT, () => switchPort(store)));
  // Menus and the welcome view key on whether any port exists.
  const setContext = () => void vscode.commands.executeCommand('setContext', 'mfluxPort.hasPorts', store.allPorts().length > 0);
  context.subscriptions.push(store, tree, statusBar, store.onDidChange(setContext));
  setContext();
  return { store };
}
