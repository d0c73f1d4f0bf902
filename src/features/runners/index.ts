// Runners: terminals per side, the run commands, the probe snippets.
import type * as vscode from 'vscode';
import type { FeatureDeps } from '../deps';
import { RunnerCommands } from './commands';

export function register(context: vscode.ExtensionContext, deps: FeatureDeps): vscode.Disposable[] {
  return new RunnerCommands(context, deps.checklist).register();
}
