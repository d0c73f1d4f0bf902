// The HTML shell of every panel: strict CSP (no inline code, no eval, scripts by nonce),
// styles from files only. Pure, so the browser tests load the exact same page.
import { randomBytes } from 'node:crypto';

export interface ShellOptions {
  /** `webview.cspSource` (or the harness origin in tests). */
  readonly cspSource: string;
  readonly title: string;
  readonly scriptUri: string;
  readonly styleUris: readonly string[];
  /** Extra script (only the browser harness uses it, to fake the VS Code API). */
  readonly preludeScriptUri?: string;
  readonly nonce?: string;
  /** 'vscode-dark' etc.; VS Code sets this itself, the harness passes it. */
  readonly bodyClass?: string;
}

function makeNonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function panelHtml(o: ShellOptions): string {
  const nonce = o.nonce ?? makeNonce();
  const styles = o.styleUris.map((u) => `<link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n    ');
  const prelude = o.preludeScriptUri ? `<script nonce="${nonce}" src="${escapeAttr(o.preludeScriptUri)}"></script>\n    ` : '';
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeAttr(o.title)}</title>
  </head>
  <body${o.bodyClass ? ` class="${escapeAttr(o.bodyClass)}"` : ''}>
    <div id="app"></div>
    ${prelude}<script nonce="${nonce}" src="${escapeAttr(o.scriptUri)}"></script>
  </body>
</html>`;
}
