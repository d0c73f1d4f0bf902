// What every mflux command needs: which repo and model it acts on (from a checklist item's
// arguments, the current port, or a pick), the settings, and a Workspace Trust guard.
import * as vscode from 'vscode';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChecklistApi } from '../checklist';
import type { HygieneConfig } from '../../core/mflux/hygiene';
import { detectRepos } from '../../core/mflux/repos';
import { invalidModelName } from '../../core/mflux/naming';
import { isObject } from '../../protocol/envelope';

export interface PortTarget {
  readonly root: string;
  readonly model: string;
  /** The checklist item the command was run from, if any. */
  readonly itemId?: string;
  /** Reference as the port records it (HF repo id or pipeline class). */
  readonly reference?: string;
}

export class MfluxContext {
  constructor(
    readonly extensionUri: vscode.Uri,
    readonly checklist?: ChecklistApi,
  ) {}

  folders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  }

  /** The mflux repo: the current port's, else the detected clone (asking when there are several). */
  async mfluxRoot(arg?: unknown): Promise<string | undefined> {
    if (isObject(arg) && typeof arg.mfluxRepo === 'string') return arg.mfluxRepo;
    const current = this.checklist?.store.current();
    if (current) return current.repo;
    const found = detectRepos(this.folders());
    if (found.mflux.length === 1) return found.mflux[0];
    if (found.mflux.length > 1) {
      const pick = await vscode.window.showQuickPick(
        found.mflux.map((p) => ({ label: p })),
        { placeHolder: 'Several mflux clones: which one?' },
      );
      return pick?.label;
    }
    void vscode.window.showErrorMessage(`mflux Port: ${found.notes[0]}`);
    return undefined;
  }

  /** Repo and model for a command: checklist item args, the current port, or ask. */
  async target(arg?: unknown, ask = 'Model package (e.g. z_image)'): Promise<PortTarget | undefined> {
    if (isObject(arg) && typeof arg.model === 'string' && typeof arg.mfluxRepo === 'string') {
      return {
        root: arg.mfluxRepo,
        model: arg.model,
        itemId: typeof arg.itemId === 'string' ? arg.itemId : undefined,
        reference: typeof arg.reference === 'string' ? arg.reference : undefined,
      };
    }
    const current = this.checklist?.store.current();
    if (current) return { root: current.repo, model: current.state.port.model, reference: current.state.port.reference };
    const root = await this.mfluxRoot(arg);
    if (!root) return undefined;
    const models = listModels(root);
    const pick = await vscode.window.showQuickPick(
      models.map((m) => ({ label: m })),
      { placeHolder: ask },
    );
    return pick ? { root, model: pick.label } : undefined;
  }

  hygieneConfig(scope?: vscode.Uri): HygieneConfig & { extraPaths: string[]; allowPaths: string[] } {
    const c = vscode.workspace.getConfiguration('mfluxPort.hygiene', scope);
    return {
      disabledRules: c.get<string[]>('disabledRules', []),
      extraRules: c.get<{ id: string; message: string; pattern: string }[]>('extraRules', []),
      extraPaths: c.get<string[]>('extraPaths', []),
      allowPaths: c.get<string[]>('allowPaths', []),
    };
  }

  pythonCommand(scope?: vscode.Uri): string {
    return (
      vscode.workspace.getConfiguration('mfluxPort.mapping', scope).get<string>('pythonCommand', 'uv run python').trim() || 'uv run python'
    );
  }

  pytestCommand(scope?: vscode.Uri): string {
    return (
      vscode.workspace.getConfiguration('mfluxPort.goldenTest', scope).get<string>('pytestCommand', 'uv run python -m pytest').trim() ||
      'uv run python -m pytest'
    );
  }

  hfCacheSetting(): string {
    return vscode.workspace.getConfiguration('mfluxPort.hfCache').get<string>('path', '');
  }

  pythonTool(name: string): string {
    return vscode.Uri.joinPath(this.extensionUri, 'python', 'mflux_port_tools', name).fsPath;
  }
}

/** Model packages of a repo (folders under src/mflux/models/ except common). */
export function listModels(root: string): string[] {
  try {
    return readdirSync(join(root, 'src', 'mflux', 'models'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !invalidModelName(d.name) && existsSync(join(root, 'src', 'mflux', 'models', d.name)))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Wraps a command that runs code from the workspace (git hooks, Python): refuses in Restricted Mode. */
export function requireTrust<A extends unknown[]>(what: string, fn: (...a: A) => Promise<unknown>): (...a: A) => Promise<unknown> {
  return async (...a: A) => {
    if (!vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const pick = await vscode.window.showErrorMessage(
        `mflux Port: ${what} is disabled in Restricted Mode, because it runs code from this workspace. Trust the workspace to use it.`,
        manage,
      );
      if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    return fn(...a);
  };
}

/** Runs a command body, turning errors into one-line messages instead of unhandled rejections. */
export function guarded<A extends unknown[]>(fn: (...a: A) => Promise<unknown>): (...a: A) => Promise<unknown> {
  return async (...a: A) => {
    try {
      return await fn(...a);
    } catch (e) {
      void vscode.window.showErrorMessage(`mflux Port: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
      return undefined;
    }
  };
}
