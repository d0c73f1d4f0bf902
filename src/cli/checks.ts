// mflux-port checks: the checklist's auto-checks of one or more model packages, headless, as
// the extension runs them (the hygiene scan joins the debug-artifacts rule, the finalize audit
// is one rule). A table of model × rule; without MODEL, every model package of the checkout,
// which is how the tools are verified against a real mflux release.
import { RuleRegistry, runRule } from '../core/checklist/rules';
import type { CheckResult } from '../core/checks';
import { finalizeAuditRule, withHygiene } from '../core/mflux/checklistRules';
import { modelPackages } from '../core/mflux/conventions';
import { invalidModelName } from '../core/mflux/naming';
import { parseArgs, UsageError } from './args';
import type { SubCommand } from './main';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const MARK: Record<CheckResult['status'], string> = { pass: 'pass', fail: 'FAIL', not_applicable: 'n/a', unknown: '?' };

export const checksCommand: SubCommand = {
  name: 'checks',
  summary: "the checklist's auto-checks of model packages, as a model × rule table",
  usage: `Usage: mflux-port checks REPO [MODEL]... [--json]

Runs every auto-check rule of the porting checklist (package layout, initializer and variant,
weight definition and mapping, pyproject script, ModelConfig, golden test, reference image,
CLI callbacks and defaults, save routing, READMEs, debug artifacts and hygiene, the finalize
audit) on each MODEL of the mflux checkout REPO, or on every model package when none is named.
A rule that does not apply to a kind of package (MODEL_CHOICES for a depth estimator) says n/a.
Exit code 0 when nothing fails, 1 when a rule fails, 2 on bad input.
  --json   {"models": [{"model", "results": [{"rule", "status", "reason"}]}]}
`,
  run: async (args) => {
    try {
      const { positionals, flags } = parseArgs(args, ['--json'], []);
      if (!positionals.length) throw new UsageError('checks needs REPO');
      const root = resolve(positionals[0]);
      if (!existsSync(root)) throw new Error(`${root}: no such folder`);
      const named = positionals.slice(1);
      for (const m of named) {
        const bad = invalidModelName(m);
        if (bad) throw new UsageError(bad);
      }
      const models = named.length ? named : modelPackages(root);
      if (!models.length) throw new Error(`${root}: no model packages under src/mflux/models/`);
      const registry = new RuleRegistry();
      registry.add(withHygiene(registry.get('debugArtifacts')));
      registry.add(finalizeAuditRule());
      const rules = registry.list();
      const out: { model: string; results: { rule: string; result: CheckResult }[] }[] = [];
      for (const model of models) {
        const results: { rule: string; result: CheckResult }[] = [];
        for (const rule of rules) results.push({ rule: rule.id, result: await runRule(rule, { mfluxRepo: root, model }) });
        out.push({ model, results });
      }
      const failed = out.some((m) => m.results.some((r) => r.result.status === 'fail'));
      if (flags.has('--json')) {
        const json = out.map((m) => ({
          model: m.model,
          results: m.results.map((r) => ({ rule: r.rule, status: r.result.status, reason: r.result.reason })),
        }));
        process.stdout.write(JSON.stringify({ models: json }, null, 1) + '\n');
        return failed ? 1 : 0;
      }
      const header = ['model', ...rules.map((r) => r.id)];
      const rows = out.map((m) => [m.model, ...m.results.map((r) => MARK[r.result.status])]);
      const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells: string[]) =>
        cells
          .map((c, i) => c.padEnd(width[i]))
          .join('  ')
          .trimEnd();
      const lines = [line(header), ...rows.map(line), ''];
      for (const m of out)
        for (const r of m.results)
          if (r.result.status === 'fail' || r.result.status === 'unknown') lines.push(`${m.model} ${r.rule}: ${r.result.reason}`);
      process.stdout.write(lines.join('\n').replace(/\n+$/, '') + '\n');
      return failed ? 1 : 0;
    } catch (e) {
      if (e instanceof UsageError) process.stderr.write(`error: ${e.message}; run with --help\n`);
      else process.stderr.write(`error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
      return 2;
    }
  },
};
