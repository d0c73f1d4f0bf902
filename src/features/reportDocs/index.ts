// Reports the extension writes (mapping coverage, finalize audit, the checklist's Markdown
// export) as read-only documents: a URI of their own per report, contents held here. They are
// never dirty, so closing one (or the window) never asks to save it; running a report again
// updates the document, and an open preview of it follows.
import * as vscode from 'vscode';
import type { FeatureDeps } from '../deps';

const SCHEME = 'mflux-port-report';
const contents = new Map<string, string>();
const changed = new vscode.EventEmitter<vscode.Uri>();

/**
 * Registered first, before the feature deps exist (other areas' commands write reports), so it
 * takes no deps.
 */
export function register(_context: vscode.ExtensionContext, _deps?: FeatureDeps): vscode.Disposable[] {
  return [
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => contents.get(uri.toString()) ?? '',
    }),
  ];
}

/** Sets the text of the report `name` (e.g. "z_image coverage.md") and returns its URI. */
export function setReport(name: string, content: string): vscode.Uri {
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name.replace(/[\\/]/g, '_')}` });
  const key = uri.toString();
  const was = contents.get(key);
  contents.set(key, content);
  if (was !== undefined && was !== content) changed.fire(uri);
  return uri;
}

/** Shows a Markdown report as a rendered preview (its source only when there is no preview). */
export async function showReportPreview(name: string, content: string): Promise<vscode.Uri> {
  const uri = setReport(name, content);
  await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });
  return uri;
}

/** Shows a report's text in a read-only editor (e.g. Markdown meant to be copied). */
export async function showReportText(name: string, content: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(setReport(name, content));
  if (doc.languageId !== 'markdown' && name.endsWith('.md')) await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}
