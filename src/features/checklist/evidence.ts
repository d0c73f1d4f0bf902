// Evidence links of a checklist item: adding one (current line, file or report, commit, URL)
// and opening one from the tree.
import * as vscode from 'vscode';
import { isAbsolute, relative, resolve } from 'node:path';
import { addEvidence as addEvidenceLink, EvidenceLink } from '../../core/checklist/state';
import { isObject } from '../../protocol/envelope';
import type { ChecklistStore } from './store';
import { resolveItem, workspacePaths } from './targets';

export async function addEvidence(store: ChecklistStore, arg?: unknown): Promise<void> {
  const target = await resolveItem(store, arg);
  if (!target) return;
  const editor = vscode.window.activeTextEditor;
  type Pick = vscode.QuickPickItem & { kind2: 'editor' | 'file' | 'commit' | 'url' };
  const options: Pick[] = [
    ...(editor && editor.document.uri.scheme === 'file'
      ? [
          {
            label: '$(file-code) Current line',
            description: `${vscode.workspace.asRelativePath(editor.document.uri)}:${editor.selection.active.line + 1}`,
            kind2: 'editor' as const,
          },
        ]
      : []),
    { label: '$(file) File or report…', kind2: 'file' },
    { label: '$(git-commit) Commit…', kind2: 'commit' },
    { label: '$(link) URL…', kind2: 'url' },
  ];
  const pick = await vscode.window.showQuickPick(options, { placeHolder: 'Evidence for this item' });
  if (!pick) return;
  const { entry, itemId } = target;
  const repoRel = (p: string) => {
    const r = relative(entry.repo, p);
    return r.startsWith('..') || isAbsolute(r) ? p : r.split('\\').join('/');
  };
  let link: EvidenceLink | undefined;
  if (pick.kind2 === 'editor' && editor)
    link = { kind: 'file', target: repoRel(editor.document.uri.fsPath), line: editor.selection.active.line + 1 };
  if (pick.kind2 === 'file') {
    const uri = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.file(entry.repo),
      openLabel: 'Add as evidence',
    });
    if (uri?.[0]) link = { kind: /\.(html|json)$/i.test(uri[0].fsPath) ? 'report' : 'file', target: repoRel(uri[0].fsPath) };
  }
  if (pick.kind2 === 'commit') {
    const sha = await vscode.window.showInputBox({
      prompt: 'Commit hash',
      validateInput: (v) => (/^[0-9a-f]{7,40}$/i.test(v.trim()) ? undefined : 'A commit hash: 7 to 40 hex digits.'),
    });
    if (sha) link = { kind: 'commit', target: sha.trim().toLowerCase() };
  }
  if (pick.kind2 === 'url') {
    const url = await vscode.window.showInputBox({
      prompt: 'URL',
      validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http(s) URL.'),
    });
    if (url) link = { kind: 'url', target: url.trim() };
  }
  if (!link) return;
  const l = link;
  await store.update(entry.repo, entry.state.port.model, (s) => addEvidenceLink(s, itemId, l));
}

export async function openEvidence(store: ChecklistStore, arg?: unknown): Promise<void> {
  if (!isObject(arg) || typeof arg.file !== 'string') return;
  const uri = vscode.Uri.file(isAbsolute(arg.file) ? arg.file : resolve(store.current()?.repo ?? workspacePaths()[0] ?? '.', arg.file));
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch {
    throw new Error(`${uri.fsPath} does not exist (any more)`);
  }
  if (stat.type & vscode.FileType.Directory) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  const line = typeof arg.line === 'number' && arg.line > 0 ? arg.line - 1 : 0;
  const doc = await vscode.workspace.openTextDocument(uri);
  const pos = new vscode.Position(Math.min(line, doc.lineCount - 1), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
}
