// Table of contents of the extension: each feature registers its own surfaces.
import * as vscode from 'vscode';
import { registerChecklist } from './features/checklist';
import { registerRunners } from './features/runners';

export function activate(context: vscode.ExtensionContext): void {
  registerChecklist(context);
  registerRunners(context);
}

export function deactivate(): void {}
