// The current port: the one the status bar shows, and the one every command about "a port"
// uses when it is not given one (Run Reference/MLX/Both, Compare Runs, the finalize audit,
// mapping coverage, hygiene, golden tests, Next Step, Export). Selecting a row of the checklist,
// starting a port, or Switch Port… (a click on the status bar) changes it; it is remembered
// per workspace.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { formatProgress, portProgress } from '../../core/checklist/progress';
import type { ChecklistStore, PortEntry } from './store';

export const SWITCH_PORT = 'mfluxPort.switchPort';

/** Asks which port becomes the current one (the current one first); undefined when cancelled. */
export async function switchPort(store: ChecklistStore): Promise<PortEntry | undefined> {
  await store.ready();
  const ports = store.allPorts();
  if (ports.length === 0) {
    void vscode.window.showInformationMessage('mflux Port: there is no port yet. Start one with "mflux Port: Start Port…".');
    return undefined;
  }
  const current = store.current();
  const multiRepo = new Set(ports.map((p) => p.repo)).size > 1;
  const items = ports
    .map((p) => ({
      label: p.state.port.model,
      description: [
        p === current ? 'current' : '',
        formatProgress(portProgress(p.state)),
        multiRepo ? basename(p.repo) : p.state.port.reference,
      ]
        .filter(Boolean)
        .join(' · '),
      detail: p.repo,
      entry: p,
    }))
    .sort((a, b) => Number(b.entry === current) - Number(a.entry === current));
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Switch Port',
    placeHolder: 'The port that runs, the audit, coverage and the status bar use',
    matchOnDetail: true,
  });
  if (!pick) return undefined;
  store.setCurrent(pick.entry.repo, pick.entry.state.port.model);
  return pick.entry;
}
