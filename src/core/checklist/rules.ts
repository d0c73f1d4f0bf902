// Auto-checks: rules that prove checklist items from the files of the mflux repo. Each rule
// reads a few files (no processes, so they run in restricted mode too) and returns a
// CheckResult with file:line evidence. The registry is a plain list so other features (the
// finalize audit) can add or replace rules by id. The rules live in packageRules.ts,
// surfaceRules.ts and artifactRules.ts; the shared helpers in ruleKit.ts.
import type { CheckResult } from '../checks';
import { ARTIFACT_RULES, DEBUG_DIR, TENSOR_EXT } from './artifactRules';
import { PACKAGE_RULES } from './packageRules';
import { runRule, unknown, type AutoCheckRule, type RuleContext } from './ruleKit';
import { SURFACE_RULES } from './surfaceRules';
import { WORKFLOW, WorkflowPhase } from './workflow';

export type { AutoCheckRule, RuleContext } from './ruleKit';
export { findLines, packageDir, runRule } from './ruleKit';
export { pyprojectScripts } from './surfaceRules';

export const BUILTIN_RULES: readonly AutoCheckRule[] = [
  PACKAGE_RULES.packageLayout,
  PACKAGE_RULES.variantInitializer,
  PACKAGE_RULES.weightDefinition,
  PACKAGE_RULES.weightMapping,
  SURFACE_RULES.pyprojectScript,
  SURFACE_RULES.modelConfig,
  SURFACE_RULES.goldenTest,
  SURFACE_RULES.referenceImage,
  SURFACE_RULES.cliCallbacks,
  SURFACE_RULES.cliDefaults,
  SURFACE_RULES.saveRouting,
  SURFACE_RULES.modelReadme,
  SURFACE_RULES.mainReadme,
  ARTIFACT_RULES.debugArtifacts,
  ARTIFACT_RULES.finalizeAudit,
];

/** Rules by id. `add` replaces a rule with the same id, so a fuller audit can take over one. */
export class RuleRegistry {
  private readonly rules = new Map<string, AutoCheckRule>();
  constructor(rules: readonly AutoCheckRule[] = BUILTIN_RULES) {
    for (const r of rules) this.rules.set(r.id, r);
  }
  add(rule: AutoCheckRule): void {
    this.rules.set(rule.id, rule);
  }
  get(id: string): AutoCheckRule | undefined {
    return this.rules.get(id);
  }
  list(): AutoCheckRule[] {
    return [...this.rules.values()];
  }
}

/** Item ids whose passing check proves the work was done (see AutoCheckRule.absence). */
export function provingItems(registry: RuleRegistry, workflow: readonly WorkflowPhase[] = WORKFLOW): Set<string> {
  const out = new Set<string>();
  for (const phase of workflow) {
    for (const item of phase.items) {
      const rule = item.autoCheck ? registry.get(item.autoCheck) : undefined;
      if (rule && !rule.absence && !item.autoCheckIsAbsence) out.add(item.id);
    }
  }
  return out;
}

/** Runs the rules the workflow's items name (each rule once) and returns results by item id. */
export async function runAutoChecks(
  ctx: RuleContext,
  registry = new RuleRegistry(),
  workflow: readonly WorkflowPhase[] = WORKFLOW,
): Promise<Map<string, CheckResult>> {
  const byRule = new Map<string, Promise<CheckResult>>();
  const out = new Map<string, CheckResult>();
  for (const phase of workflow) {
    for (const item of phase.items) {
      if (!item.autoCheck) continue;
      const rule = registry.get(item.autoCheck);
      if (!rule) {
        out.set(item.id, unknown(`No auto-check rule named "${item.autoCheck}" is registered.`));
        continue;
      }
      if (!byRule.has(rule.id)) byRule.set(rule.id, runRule(rule, ctx));
      out.set(item.id, await byRule.get(rule.id)!);
    }
  }
  return out;
}

/**
 * Whether a changed file (repo-relative, forward slashes) can change a rule's result, so the
 * watcher reruns checks only when it matters.
 */
export function affectsAutoChecks(relPath: string): boolean {
  return (
    relPath === 'pyproject.toml' ||
    relPath === 'README.md' ||
    relPath === '.gitignore' ||
    relPath.startsWith('src/mflux/') ||
    relPath.startsWith('tests/') ||
    relPath.startsWith(`${DEBUG_DIR}/`) ||
    relPath === DEBUG_DIR ||
    relPath === '.git/index' ||
    relPath === '.git/info/exclude' ||
    TENSOR_EXT.test(relPath)
  );
}
