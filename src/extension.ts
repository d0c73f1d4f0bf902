// Table of contents of the extension: each feature area (src/features/<area>/index.ts) exports
// `register(context, deps)` and returns what it created; the shared deps are built once, here.
import type * as vscode from 'vscode';
import * as checklist from './features/checklist';
import { createFeatureDeps, type RegisterFeature } from './features/deps';
import * as mflux from './features/mflux';
import * as panels from './features/panels';
import * as reportDocs from './features/reportDocs';
import * as runners from './features/runners';

/** In creation order: the checklist's tree and commands before runners, panels, mflux tools. */
const AREAS: readonly RegisterFeature[] = [checklist.register, runners.register, panels.register, mflux.register];

export function activate(context: vscode.ExtensionContext): void {
  // The order things are created in is the order it always was: report documents, then the
  // checklist store (in the deps), then each area.
  context.subscriptions.push(...reportDocs.register(context));
  const deps = createFeatureDeps(context);
  for (const register of AREAS) context.subscriptions.push(...register(context, deps));
}

export function deactivate(): void {}
