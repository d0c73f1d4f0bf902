// The porting checklist: tree view, commands, status bar item. State lives in the mflux
// repo's .mflux-port/ files (see src/core/checklist/state.ts); this only wires VS Code to it.
// Works in restricted mode: nothing here runs code; item actions run other features'
// commands, which check workspace trust themselves. The store itself is created with the
// feature deps (src/features/deps.ts), since other areas use it too.
import * as vscode from 'vscode';
import type { FeatureDeps } from '../deps';
import { ChecklistCommands } from './commands';
import { ChecklistStatusBar } from './statusBar';
import { SWITCH_PORT, switchPort } from './switchPort';
import { ChecklistTree } from './tree';

export type { ChecklistApi } from '../deps';

export function register(_context: vscode.ExtensionContext, deps: FeatureDeps): vscode.Disposable[] {
  const { store } = deps.checklist;
  const tree = new ChecklistTree(store);
  const statusBar = new ChecklistStatusBar(store);
  const commands = new ChecklistCommands(store, tree).register();
  // Menus and the welcome view key on whether any port exists.
  const setContext = () => void vscode.commands.executeCommand('setContext', 'mfluxPort.hasPorts', store.allPorts().length > 0);
  const disposables = [
    ...commands,
    vscode.commands.registerCommand(SWITCH_PORT, () => switchPort(store)),
    tree,
    statusBar,
    store.onDidChange(setContext),
  ];
  setContext();
  return disposables;
}
