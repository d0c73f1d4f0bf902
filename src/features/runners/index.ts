// Runners: terminals per side, the run commands, the probe snippets.
import type * as vscode from 'vscode';
import { RunnerCommands } from './commands';

export function registerRunners(context: vscode.ExtensionContext): void {
  context.subscriptions.push(...new RunnerCommands(context).register());
}
