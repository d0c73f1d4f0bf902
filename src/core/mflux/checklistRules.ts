// Auto-check rules this area adds to the checklist: the hygiene scan joins the debug-artifacts
// rule (so cleanup and finalize stay open while probe calls or dumps remain), and the whole
// finalize audit is available as one rule.
import type { CheckResult, Evidence } from '../checks';
import type { AutoCheckRule, RuleContext } from '../checklist/rules';
import { runFinalizeAudit, settled } from './audit';
import type { HygieneConfig } from './hygiene';
import { scanPort } from './portScope';
import { formatFinding } from './milestone';

async function hygieneResult(ctx: RuleContext, config?: HygieneConfig & { readonly useGit?: boolean }): Promise<CheckResult> {
  const report = await scanPort(ctx.mfluxRepo, { model: ctx.model, config, useGit: config?.useGit });
  if (!report.findings.length)
    return {
      status: 'pass',
      reason: `No probe calls, dumps or debugger lines in ${report.scannedFiles} port file(s) (${report.how}).`,
      evidence: [],
    };
  const evidence: Evidence[] = report.findings.slice(0, 20).map((f) => ({ file: f.file, line: f.line, text: f.text }));
  return {
    status: 'fail',
    reason: `${report.findings.length} leftover debug line(s)/file(s), first: ${formatFinding(report.findings[0], ctx.mfluxRepo)}`,
    evidence,
  };
}

function combine(results: CheckResult[]): CheckResult {
  const failing = results.filter((r) => r.status === 'fail');
  const unknown = results.filter((r) => r.status === 'unknown');
  const status = failing.length ? 'fail' : unknown.length ? 'unknown' : 'pass';
  const shown = failing.length ? failing : unknown.length ? unknown : results.filter((r) => r.status === 'pass');
  return { status, reason: shown.map((r) => r.reason).join(' '), evidence: shown.flatMap((r) => r.evidence) };
}

/** Replaces a rule (normally the checklist's `debugArtifacts`) with itself plus the hygiene scan. */
export function withHygiene(
  original: AutoCheckRule | undefined,
  config?: () => (HygieneConfig & { readonly useGit?: boolean }) | undefined,
): AutoCheckRule {
  return {
    id: original?.id ?? 'debugArtifacts',
    title: original ? `${original.title}; no debug code left` : 'No debug code or artifacts left',
    async check(ctx) {
      const results = original ? [await original.check(ctx)] : [];
      results.push(await hygieneResult(ctx, config?.()));
      return combine(results);
    },
  };
}

/** Every integration surface and a clean tree, as one result. */
export function finalizeAuditRule(config?: () => (HygieneConfig & { readonly useGit?: boolean }) | undefined): AutoCheckRule {
  return {
    id: 'finalizeAudit',
    title: 'Every integration surface wired and no debug code left',
    async check(ctx) {
      const items = runFinalizeAudit({ root: ctx.mfluxRepo, model: ctx.model });
      const missing = items.filter((i) => !settled(i.result));
      const na = items.filter((i) => i.result.status === 'not_applicable');
      const hygiene = await hygieneResult(ctx, config?.());
      const audit: CheckResult = missing.length
        ? {
            status: 'fail',
            reason: `Missing: ${missing.map((m) => m.title).join(', ')}.`,
            evidence: missing.flatMap((m) => m.result.evidence.slice(0, 2)),
          }
        : {
            status: 'pass',
            reason: `All ${items.length - na.length} integration surfaces are wired${na.length ? ` (${na.length} not applicable: ${na.map((i) => i.title).join(', ')})` : ''}.`,
            evidence: items.flatMap((i) => i.result.evidence.slice(0, 1)),
          };
      return combine([audit, hygiene]);
    },
  };
}
