// Runners: terminals per side, the run commands, the probe snippets.
import type * as vscode from 'vscode';
import type { ChecklistApi } from '../checklist';
import { RunnerCommands } from './commands';

export function registerRunners(context: vscode.ExtensionContext, checklist?: ChecklistApi): void {
  context.subscriptions.push(...new RunnerCommands(context, checklist).register());
}
