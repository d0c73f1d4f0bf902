// Which port a runner command is about: the caller's, the status bar's current port, the only
// one, or a pick; and the port's reference repo (asked for and saved when unknown).
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadPorts, setPortFields, updatePort } from '../../core/checklist/state';
import type { Port } from '../../core/checklist/port';
import type { ChecklistApi } from '../deps';

const LAST_PORT_KEY = 'mfluxPort.runner.lastPort';

export class PortChooser {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly checklist?: ChecklistApi,
  ) {}

  async ports(): Promise<Port[]> {
    const out: Port[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      for (const r of await loadPorts(f.uri.fsPath)) if (r.ok) out.push(r.state.port);
    }
    return out;
  }

  /**
   * The current port (the status bar's; Switch Port… changes it), as every command about a
   * port chooses it; without the checklist, the only port or a pick.
   */
  async pickPort(): Promise<Port | undefined> {
    await this.checklist?.store.ready();
    const current = this.checklist?.store.current();
    if (current) return current.state.port;
    const ports = await this.ports();
    if (ports.length === 0) {
      void vscode.window.showErrorMessage(
        'mflux Port: there is no port in this workspace yet. Start one from the Porting Checklist (it creates .mflux-port/<model>.json in the mflux repo).',
      );
      return undefined;
    }
    if (ports.length === 1) return ports[0];
    const lastKey = this.context.workspaceState.get<string>(LAST_PORT_KEY);
    const items = ports.map((p) => ({ label: p.model, description: p.reference, detail: p.mfluxRepo, port: p }));
    items.sort((a, b) => (a.port.model === lastKey ? -1 : b.port.model === lastKey ? 1 : 0));
    const pick = await vscode.window.showQuickPick(items, { title: 'Which port?', placeHolder: 'Port to run' });
    if (pick) await this.context.workspaceState.update(LAST_PORT_KEY, pick.port.model);
    return pick?.port;
  }

  /**
   * The port a command is about: one given by the caller (a Port, or the checklist's item-action
   * arguments `{ model, mfluxRepo }`), read again from its state file; otherwise the user picks.
   */
  async resolvePort(arg: unknown): Promise<Port | undefined> {
    if (arg && typeof arg === 'object' && typeof (arg as Port).model === 'string' && typeof (arg as Port).mfluxRepo === 'string') {
      const { model, mfluxRepo } = arg as Port;
      const found = (await this.ports()).find((p) => p.model === model && p.mfluxRepo === mfluxRepo);
      if (found) return found;
      if ('reference' in (arg as object) && 'notes' in (arg as object)) return arg as Port;
    }
    return this.pickPort();
  }

  /** The reference repo of a port; asks for it (and saves it in the port) when unknown. */
  async referenceRepo(port: Port): Promise<string | undefined> {
    if (port.referenceRepo && existsSync(port.referenceRepo)) return port.referenceRepo;
    const why = port.referenceRepo
      ? `The reference repository ${port.referenceRepo} does not exist.`
      : `The port ${port.model} has no reference repository yet.`;
    const choose = 'Choose Folder…';
    if ((await vscode.window.showWarningMessage(`${why} Choose your diffusers (or other reference) clone.`, choose)) !== choose)
      return undefined;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Use as Reference Repo',
      defaultUri: vscode.Uri.file(dirname(port.mfluxRepo)),
    });
    const repo = picked?.[0]?.fsPath;
    if (!repo) return undefined;
    await updatePort(port.mfluxRepo, port.model, (s) => setPortFields(s, { referenceRepo: repo }));
    return repo;
  }
}
