// What one feature area offers the others, built once by extension.ts and handed to every
// area's `register(context, deps)`. An area reaches another only through this, never by
// importing its commands or views.
import type * as vscode from 'vscode';
import { ChecklistStore } from './checklist/store';

export interface ChecklistApi {
  /**
   * Ports, their state and auto-check rules (other features add or replace rules by id, e.g. the
   * finalize audit). `store.current()` is the port commands use when not given one (see switchPort.ts).
   */
  readonly store: ChecklistStore;
}

export interface FeatureDeps {
  /** The porting checklist (runs, the mflux tools and the audit act on its current port). */
  readonly checklist: ChecklistApi;
}

/** The one shape of a feature area: create its surfaces, return what must be disposed. */
export type RegisterFeature = (context: vscode.ExtensionContext, deps: FeatureDeps) => vscode.Disposable[];

/**
 * Creates what the areas share: the checklist store (it starts loading `.mflux-port/*.json` at
 * once). Disposed with the extension.
 */
export function createFeatureDeps(context: vscode.ExtensionContext): FeatureDeps {
  const store = new ChecklistStore(context.workspaceState);
  context.subscriptions.push(store);
  return { checklist: { store } };
}
