// Status bar: the current port, its phase and progress; a click switches the current port
// (the one runs, the audit and coverage use).
import * as vscode from 'vscode';
import { currentPhase, formatProgress, nextOpenItem, portProgress } from '../../core/checklist/progress';
import { phaseLabel } from '../../core/checklist/workflow';
import { ChecklistStore } from './store';
import { SWITCH_PORT } from './switchPort';

export class ChecklistStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('mfluxPort.checklistStatus', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ChecklistStore) {
    this.item.name = 'mflux Port: checklist';
    this.item.command = SWITCH_PORT;
    this.subscription = store.onDidChange(() => this.update());
    this.update();
  }

  private update(): void {
    const entry = this.store.current();
    if (!entry) {
      this.item.hide();
      return;
    }
    const { state } = entry;
    const progress = formatProgress(portProgress(state));
    const phase = currentPhase(state);
    const next = nextOpenItem(state);
    this.item.text = `$(checklist) ${state.port.model} · ${phaseLabel(phase)} · ${progress}`;
    const md = new vscode.MarkdownString(
      `**Port of \`${state.port.model}\`** — ${progress} done\n\nPhase: *${phaseLabel(phase)}*\n\n${next ? `Next: ${next.item.title}` : 'Every item is closed.'}\n\nRuns, the finalize audit and mapping coverage use this port. Click to switch.`,
    );
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `mflux port ${state.port.model}, ${phaseLabel(phase)}, ${progress} done` };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
