// mfluxPort.showMappingCoverage: which checkpoint keys the port's weight mapping leaves
// unconsumed and which patterns match nothing, as a Markdown report plus diagnostics on the
// mapping files. Static by default (reads Python, runs nothing); `{mode: 'dump'}` runs the
// dump script with the port's own Python, which needs Workspace Trust.
import * as vscode from 'vscode';
import { coverageDiagnostics, coverageMarkdown, verdictOf } from '../../core/mflux/coverageText';
import { definitionFileOf, dumpCoverage, modelRepoId, staticCoverage, type CoverageReport } from '../../core/mflux/coverageReport';
import { findSnapshot, listRepos, listSnapshots, locateHfCache } from '../../core/mflux/hfCache';
import { dumpMapping } from '../../core/mflux/mappingDump';
import { guarded, requireTrust, type MfluxContext } from './context';
import { showReportPreview } from '../reportDocs';
import { isObject } from '../../protocol/envelope';

export class MappingCoverage implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mfluxPortMappingCoverage');
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly ctx: MfluxContext) {
    this.disposables.push(
      vscode.commands.registerCommand(
        'mfluxPort.showMappingCoverage',
        guarded((arg?: unknown) => this.show(arg)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.showMappingCoverageDump',
        requireTrust(
          'Running the dump script',
          guarded((arg?: unknown) => this.show({ ...(isObject(arg) ? arg : {}), mode: 'dump' })),
        ),
      ),
    );
  }

  private async snapshotFor(
    root: string,
    model: string,
    reference: string | undefined,
    arg: Record<string, unknown>,
  ): Promise<string | undefined> {
    if (typeof arg.snapshotDir === 'string') return arg.snapshotDir;
    const cache = locateHfCache(process.env, undefined, this.ctx.hfCacheSetting());
    if (!cache.exists) throw new Error(`the Hugging Face cache ${cache.dir} (${cache.source}) does not exist; download the weights first`);
    const candidates = [
      typeof arg.repoId === 'string' ? arg.repoId : undefined,
      modelRepoId(root, model),
      reference && /^[\w.-]+\/[\w.-]+$/.test(reference) ? reference : undefined,
    ].filter((x): x is string => !!x);
    for (const id of candidates) {
      const s = findSnapshot(cache.dir, id);
      if (s) return s.dir;
    }
    const repos = listRepos(cache.dir).filter((r) => r.kind === 'model');
    if (!repos.length) throw new Error(`no model repos in the Hugging Face cache ${cache.dir}`);
    const pick = await vscode.window.showQuickPick(
      repos.map((r) => ({ label: r.id, repo: r })),
      { placeHolder: `Checkpoint to check ${model}'s mapping against` },
    );
    if (!pick) return undefined;
    return listSnapshots(pick.repo)[0]?.dir;
  }

  async show(arg?: unknown): Promise<unknown> {
    const t = await this.ctx.target(arg);
    if (!t) return undefined;
    const a = isObject(arg) ? arg : {};
    const snapshot = await this.snapshotFor(t.root, t.model, t.reference, a);
    if (!snapshot) return undefined;
    let report: CoverageReport;
    if (a.mode === 'dump') {
      if (!vscode.workspace.isTrusted)
        throw new Error('running the dump script needs a trusted workspace; the static coverage works without it');
      const dumped = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "Running dump_mapping.py in the port's environment…" },
        () =>
          dumpMapping(t.root, definitionFileOf(t.root, t.model), {
            python: this.ctx.pythonCommand(vscode.Uri.file(t.root)),
            script: this.ctx.pythonTool('dump_mapping.py'),
          }),
      );
      report = await dumpCoverage(t.root, t.model, snapshot, dumped);
    } else {
      report = await staticCoverage(t.root, t.model, snapshot);
    }
    this.publish(report);
    if (a.show !== false) await showReportPreview(`${t.model} mapping coverage.md`, coverageMarkdown(report, t.root));
    return {
      components: report.components.map((c) => ({
        name: c.name,
        verdict: verdictOf(c),
        total: c.totalKeys,
        consumed: c.consumedKeys,
        unmapped: c.unmappedKeys,
        unmatched: c.unmatchedPatterns.map((p) => p.pattern),
        blockMisses: c.blockMisses.map((p) => ({ pattern: p.pattern, blocks: p.blocks, keys: p.keys })),
      })),
      unresolved: report.unresolved,
    };
  }

  private publish(report: CoverageReport): void {
    this.collection.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const sev = {
      error: vscode.DiagnosticSeverity.Error,
      warning: vscode.DiagnosticSeverity.Warning,
      info: vscode.DiagnosticSeverity.Information,
    };
    for (const d of coverageDiagnostics(report)) {
      const diag = new vscode.Diagnostic(new vscode.Range(d.line - 1, 0, d.line - 1, 200), d.message, sev[d.severity]);
      diag.source = 'mflux mapping coverage';
      const list = byFile.get(d.file) ?? [];
      list.push(diag);
      byFile.set(d.file, list);
    }
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.file(file), list);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
