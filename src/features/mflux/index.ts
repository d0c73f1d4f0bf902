// mflux-aware tools: model package scaffold, HF cache browser, mapping coverage, golden
// tests (command + Test Explorer), milestone commits, hygiene diagnostics and the finalize
// audit. Each surface lives in its own file; this only creates them and plugs the hygiene
// scan and the audit into the checklist's auto-checks.
import * as vscode from 'vscode';
import type { FeatureDeps } from '../deps';
import { finalizeAuditRule, withHygiene } from '../../core/mflux/checklistRules';
import { registerAudit } from './auditCommand';
import { MfluxContext } from './context';
import { MappingCoverage } from './coverageCommand';
import { GoldenTestController, registerCreateGoldenTest } from './goldenTests';
import { HfCacheView } from './hfCacheView';
import { HygieneDiagnostics } from './hygieneDiagnostics';
import { registerMilestone } from './milestoneCommand';
import { registerScaffold } from './scaffoldCommand';

export function register(context: vscode.ExtensionContext, deps: FeatureDeps): vscode.Disposable[] {
  const { checklist } = deps;
  const ctx = new MfluxContext(context.extensionUri, checklist);
  const hygiene = new HygieneDiagnostics(ctx);
  const showFindings = (root: string, model?: string) => hygiene.scanRoot(root, model);
  const tests = new GoldenTestController(ctx);
  const cfg = () => {
    const repo = checklist.store.current()?.repo;
    return { ...ctx.hygieneConfig(repo ? vscode.Uri.file(repo) : undefined), useGit: vscode.workspace.isTrusted };
  };
  checklist.store.rules.add(withHygiene(checklist.store.rules.get('debugArtifacts'), cfg));
  checklist.store.rules.add(finalizeAuditRule(cfg));
  return [
    hygiene,
    tests,
    new HfCacheView(ctx),
    new MappingCoverage(ctx),
    registerScaffold(ctx),
    registerCreateGoldenTest(ctx, () => tests.refresh()),
    registerMilestone(ctx, showFindings),
    registerAudit(ctx, showFindings),
  ];
}
