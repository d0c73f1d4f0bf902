// What every panel and editor sets on its webview: scripts enabled, resources limited to the
// extension's bundles and styles, and the strict-CSP HTML shell.
import * as vscode from 'vscode';
import { panelHtml } from './html';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    // Pixels and tensors travel as messages, so the webview never needs the user's folders.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function setWebviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  panel: 'imageDiff' | 'parityReport' | 'tensorViewer',
  title: string,
): void {
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  webview.options = { enableScripts: true, localResourceRoots: webviewOptions(extensionUri).localResourceRoots };
  webview.html = panelHtml({
    cspSource: webview.cspSource,
    title,
    scriptUri: uri('dist', `webview-${panel}.js`),
    styleUris: [uri('media', 'webview.css'), uri('media', `${panel}.css`)],
  });
}

/** Logs a message the webview sent that failed validation (never acted upon). */
export function rejected(view: string, raw: unknown): void {
  const kind = typeof raw === 'object' && raw !== null && 'kind' in raw ? String((raw as { kind: unknown }).kind) : typeof raw;
  console.warn(`[mflux Port] ${view}: rejected a malformed message from the webview (${kind.slice(0, 40)})`);
}
