// Leftover debug code in the Problems panel (probe imports/calls, tensor dumps, breakpoints,
// pdb, stray tensor files), refreshed on save, with quick fixes that remove the statement.
// Reading files runs nothing, so this works in Restricted Mode too.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { compileRules, hygieneTargets, removalEdit, scanPython, type HygieneFinding } from '../../core/mflux/hygiene';
import { scanPort } from '../../core/mflux/portScope';
import { guarded, type MfluxContext } from './context';

const HYGIENE_SOURCE = 'mflux hygiene';

function toDiagnostic(f: HygieneFinding): vscode.Diagnostic {
  const range = new vscode.Range(f.line - 1, f.column - 1, f.line - 1, Math.max(f.column, f.endColumn - 1));
  const d = new vscode.Diagnostic(
    range,
    f.message,
    f.ruleId === 'tensor-file' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Warning,
  );
  d.source = HYGIENE_SOURCE;
  d.code = f.ruleId;
  return d;
}

export class HygieneDiagnostics implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  readonly collection = vscode.languages.createDiagnosticCollection('mfluxPortHygiene');
  private readonly disposables: vscode.Disposable[] = [this.collection];
  /** Files the last repo scan covered, per repo, so a save only rescans what belongs. */
  private readonly scope = new Map<string, { model?: string; files: Set<string>; runnersOnly: boolean }>();

  constructor(private readonly ctx: MfluxContext) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((doc) => this.onSave(doc)),
      vscode.languages.registerCodeActionsProvider({ language: 'python', scheme: 'file' }, this, {
        providedCodeActionKinds: HygieneDiagnostics.providedCodeActionKinds,
      }),
      vscode.commands.registerCommand(
        'mfluxPort.scanHygiene',
        guarded((arg?: unknown) => this.scanCommand(arg)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.removeHygieneLine',
        guarded((uri: vscode.Uri, line: number, endLine: number) => this.removeLines(uri, [{ line, endLine }])),
      ),
    );
    if (ctx.checklist) this.disposables.push(ctx.checklist.store.onDidChange(() => this.scanCurrent()));
    setTimeout(() => this.scanCurrent(), 0);
  }

  private scanCurrent(): void {
    const cur = this.ctx.checklist?.store.current();
    if (!cur) return;
    void this.scanRoot(cur.repo, cur.state.port.model);
    // The reference side's runner scripts too (only its port_runners/ folder and root scripts).
    const ref = cur.state.port.referenceRepo;
    const refRoot = ref ? resolve(cur.repo, ref) : undefined;
    if (refRoot && refRoot !== cur.repo && existsSync(refRoot)) void this.scanRoot(refRoot, undefined, true);
  }

  private async scanCommand(arg?: unknown): Promise<number> {
    const t = await this.ctx.target(arg);
    if (!t) return 0;
    const n = await this.scanRoot(t.root, t.model);
    if (n) await vscode.commands.executeCommand('workbench.actions.view.problems');
    else void vscode.window.showInformationMessage(`mflux Port: no leftover debug code in ${t.model} and the runner scripts.`);
    return n;
  }

  /** Scans a repo's port files and replaces its diagnostics; returns the number of findings. */
  async scanRoot(root: string, model?: string, runnersOnly = false): Promise<number> {
    const base = this.ctx.hygieneConfig(vscode.Uri.file(root));
    // A reference clone holds tensor files of its own (tests, docs): only its scripts count.
    const cfg = runnersOnly ? { ...base, extraPaths: [], disabledRules: [...(base.disabledRules ?? []), 'tensor-file'] } : base;
    const report = await scanPort(root, {
      model,
      extraPaths: cfg.extraPaths,
      config: cfg,
      useGit: vscode.workspace.isTrusted && !runnersOnly,
    });
    for (const e of report.errors) void vscode.window.showWarningMessage(`mflux Port: ${e}`);
    const prev = this.scope.get(root);
    const files = new Set(hygieneTargets(root, model, cfg.extraPaths));
    for (const f of prev?.files ?? []) this.collection.delete(vscode.Uri.file(f));
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const f of report.findings) {
      files.add(f.file);
      const list = byFile.get(f.file) ?? [];
      list.push(toDiagnostic(f));
      byFile.set(f.file, list);
    }
    for (const [file, diags] of byFile) this.collection.set(vscode.Uri.file(file), diags);
    this.scope.set(root, { model, files, runnersOnly });
    return report.findings.length;
  }

  private onSave(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !doc.fileName.endsWith('.py')) return;
    for (const [root, s] of this.scope) {
      const rel = relative(root, doc.fileName);
      if (rel.startsWith('..') || rel.includes(`..${sep}`)) continue;
      const inScope =
        s.files.has(doc.fileName) || (s.model && rel.startsWith(['src', 'mflux', 'models', s.model].join(sep) + sep)) || !rel.includes(sep);
      if (!inScope) continue;
      s.files.add(doc.fileName);
      // Rescan the port (not just this file) so only what the port changed since its base counts.
      void this.scanRoot(root, s.model, s.runnersOnly);
    }
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter((d) => d.source === HYGIENE_SOURCE && d.code !== 'tensor-file');
    if (!ours.length) return [];
    const text = doc.getText();
    const findings = scanPython(doc.fileName, text, compileRules(this.ctx.hygieneConfig(doc.uri)));
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const f = findings.find((x) => x.line === d.range.start.line + 1 && x.column === d.range.start.character + 1);
      if (!f) continue;
      const action = new vscode.CodeAction(
        f.endLine > f.line ? `Remove this ${f.endLine - f.line + 1}-line statement` : 'Remove this line',
        vscode.CodeActionKind.QuickFix,
      );
      action.diagnostics = [d];
      action.isPreferred = true;
      action.edit = this.edit(doc, [f]);
      actions.push(action);
    }
    const probe = findings.filter((f) => f.ruleId === 'probe-import' || f.ruleId === 'probe-call');
    if (probe.length > 1 && ours.some((d) => d.code === 'probe-import' || d.code === 'probe-call')) {
      // Removing the import first would hide its calls from the scan: offer all at once.
      const all = new vscode.CodeAction(`Remove all ${probe.length} capture-probe lines in this file`, vscode.CodeActionKind.QuickFix);
      all.diagnostics = ours.filter((d) => d.code === 'probe-import' || d.code === 'probe-call');
      all.edit = this.edit(doc, probe);
      actions.push(all);
    }
    return actions;
  }

  private edit(doc: vscode.TextDocument, findings: readonly Pick<HygieneFinding, 'line' | 'endLine'>[]): vscode.WorkspaceEdit {
    const edit = new vscode.WorkspaceEdit();
    const text = doc.getText();
    const seen = new Set<number>();
    // Bottom-up, one edit per statement, so ranges never overlap.
    for (const f of [...findings].sort((a, b) => b.line - a.line)) {
      if (seen.has(f.line)) continue;
      seen.add(f.line);
      const r = removalEdit(text, f);
      const start = new vscode.Position(r.startLine - 1, 0);
      const end = r.endLine < doc.lineCount ? new vscode.Position(r.endLine, 0) : doc.lineAt(r.endLine - 1).range.end;
      const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
      edit.replace(doc.uri, new vscode.Range(start, end), r.replacement ? r.replacement + (r.endLine < doc.lineCount ? eol : '') : '');
    }
    return edit;
  }

  private async removeLines(uri: vscode.Uri, findings: { line: number; endLine: number }[]): Promise<boolean> {
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.workspace.applyEdit(this.edit(doc, findings));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
