// mflux sub-commands for CI and terminals: the finalize audit, the hygiene scan and the
// weight-mapping coverage of a port, over the same core the extension uses.
//   mflux-port audit REPO MODEL [--json]
//   mflux-port hygiene REPO [MODEL] [--base COMMIT] [--json]
//   mflux-port coverage REPO MODEL (--snapshot DIR | --repo-id ORG/NAME) [--json]
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatAudit, runFinalizeAudit, settled } from '../core/mflux/audit';
import { collapseKeys } from '../core/mflux/coverage';
import { modelRepoId, staticCoverage } from '../core/mflux/coverageReport';
import { componentLine, coverageMarkdown, passes, summaryLine, verdictOf } from '../core/mflux/coverageText';
import { findSnapshot, locateHfCache } from '../core/mflux/hfCache';
import { scanPort } from '../core/mflux/portScope';
import { formatFinding } from '../core/mflux/milestone';
import { invalidModelName } from '../core/mflux/naming';
import { parseArgs, UsageError } from './args';
import type { SubCommand } from './main';
import { visible } from './visible';

function fail(e: unknown): number {
  if (e instanceof UsageError) process.stderr.write(`error: ${e.message}; run with --help\n`);
  else process.stderr.write(`error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
  return 2;
}

function repoArg(p: string | undefined): string {
  if (!p) throw new UsageError('the mflux repo folder is missing');
  const root = resolve(p);
  if (!existsSync(root)) throw new Error(`${root}: no such folder`);
  return root;
}

function modelArg(m: string | undefined): string {
  if (!m) throw new UsageError('the model package name is missing');
  const bad = invalidModelName(m);
  if (bad) throw new UsageError(bad);
  return m;
}

export const auditCommand: SubCommand = {
  name: 'audit',
  summary: 'finalize audit: every integration surface of a port, with file:line evidence',
  usage: `Usage: mflux-port audit REPO MODEL [--json]

Checks the pyproject script, ModelConfig entry (aliases, accessor), defaults.py entries,
mflux-save routing, README row, model README, golden test and reference image, weight
definition and thin CLI of MODEL in the mflux checkout REPO.
Exit code 0 when every surface is wired or not applicable, 1 when some are missing, 2 on bad input.
  --json   {"items": [{"id", "title", "status" (pass, fail, not_applicable), "reason", "evidence": [{"file", "line", "text"}]}]}
`,
  run: async (args) => {
    try {
      const { positionals, flags } = parseArgs(args, ['--json'], []);
      if (positionals.length !== 2) throw new UsageError('audit needs REPO and MODEL');
      const root = repoArg(positionals[0]);
      const items = runFinalizeAudit({ root, model: modelArg(positionals[1]) });
      if (flags.has('--json'))
        process.stdout.write(JSON.stringify({ items: items.map((i) => ({ id: i.id, title: i.title, ...i.result })) }, null, 1) + '\n');
      else process.stdout.write(formatAudit(items, root) + '\n');
      return items.every((i) => settled(i.result)) ? 0 : 1;
    } catch (e) {
      return fail(e);
    }
  },
};

export const hygieneCommand: SubCommand = {
  name: 'hygiene',
  summary: 'leftover probe calls, tensor dumps, breakpoints and tensor files in a port',
  usage: `Usage: mflux-port hygiene REPO [MODEL] [--base COMMIT] [--disable RULE]... [--allow PATH]... [--json]

Scans src/mflux/models/MODEL/ and the Python scripts at the root of REPO for capture-probe
imports and calls, np.save/torch.save/mx.save/save_safetensors (not inside a function whose
job is saving, e.g. save_lora_adapter), breakpoint(), pdb, and tensor files of the port
(its package, port_runners/, the repo root, untracked files) outside debug_artifacts/.
Only what the port changed counts: lines and files that differ from the port's base commit
(--base, else baseCommit in .mflux-port/MODEL.json, else the merge-base of HEAD with the
default branch; on the default branch with no base, every line). A line ending in
"# mflux-port: allow RULE" is not reported. Prints file:line:col findings.
Exit code 0 when clean, 1 with findings, 2 on bad input.
  --base COMMIT   compare with this commit
  --allow PATH    never report findings in this file or folder (repo-relative; globs with *,
                  ** and ?, e.g. "src/mflux/models/x/tools/**"), like mfluxPort.hygiene.allowPaths
  --disable RULE  switch a rule off (probe-import, probe-call, np-save, torch-save, mx-save,
                  safetensors-save, breakpoint, pdb, tensor-file)
  --json          {"findings": [{"file", "line", "column", "ruleId", "message", "text"}]}
`,
  run: async (args) => {
    try {
      const { positionals, flags, values } = parseArgs(args, ['--json'], ['--disable', '--base', '--allow']);
      if (positionals.length < 1 || positionals.length > 2) throw new UsageError('hygiene needs REPO and optionally MODEL');
      const root = repoArg(positionals[0]);
      const model = positionals[1] ? modelArg(positionals[1]) : undefined;
      const base = values.get('--base')?.[0];
      if (base !== undefined && !/^[\w.][\w./~^-]{0,199}$/.test(base))
        throw new UsageError(`--base ${JSON.stringify(base)} is not a commit name`);
      const report = await scanPort(root, {
        model,
        baseCommit: base,
        config: { disabledRules: values.get('--disable') ?? [], allowPaths: values.get('--allow') ?? [] },
      });
      if (flags.has('--json')) {
        process.stdout.write(
          JSON.stringify(
            {
              findings: report.findings.map((f) => ({
                file: f.file,
                line: f.line,
                column: f.column,
                ruleId: f.ruleId,
                message: f.message,
                text: f.text,
              })),
            },
            null,
            1,
          ) + '\n',
        );
      } else {
        for (const f of report.findings) process.stdout.write(formatFinding(f, root) + '\n');
        process.stdout.write(
          report.findings.length
            ? `${report.findings.length} finding(s) in ${report.scannedFiles} file(s); ${report.how}\n`
            : `clean (${report.scannedFiles} file(s); ${report.how})\n`,
        );
      }
      return report.findings.length ? 1 : 0;
    } catch (e) {
      return fail(e);
    }
  },
};

export const coverageCommand: SubCommand = {
  name: 'coverage',
  summary: 'weight-mapping coverage of a port against a cached checkpoint',
  usage: `Usage: mflux-port coverage REPO MODEL [--snapshot DIR | --repo-id ORG/NAME] [--json | --markdown]

Reads MODEL's weight definition and mappings statically, expands their placeholders as
mflux's loader does, and lists per component the checkpoint keys no target consumes, the
required targets that match no key and those missing in some blocks (a tensor in blocks
0-28 but not in 29). Components without a mapping are reported as direct loads. The
checkpoint is DIR, or the Hugging Face cache snapshot of ORG/NAME (default: the ModelConfig
model_name of its entry, found by key or alias), found through $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub.
Exit code 0 when every mapped component is complete (direct loads and URL downloads are
not judged), 1 otherwise, 2 on bad input.
`,
  run: async (args) => {
    try {
      const { positionals, flags, values } = parseArgs(args, ['--json', '--markdown'], ['--snapshot', '--repo-id']);
      if (positionals.length !== 2) throw new UsageError('coverage needs REPO and MODEL');
      const root = repoArg(positionals[0]);
      const model = modelArg(positionals[1]);
      let snapshot = values.get('--snapshot')?.[0];
      if (!snapshot) {
        const id = values.get('--repo-id')?.[0] ?? modelRepoId(root, model);
        if (!id) throw new UsageError('no --snapshot or --repo-id, and ModelConfig names no repo for this model');
        const cache = locateHfCache();
        const snap = findSnapshot(cache.dir, id);
        if (!snap) throw new Error(`${id} is not in the Hugging Face cache ${cache.dir} (${cache.source})`);
        snapshot = snap.dir;
      }
      const r = await staticCoverage(root, model, resolve(snapshot));
      if (flags.has('--json')) {
        process.stdout.write(
          JSON.stringify(
            {
              summary: summaryLine(r),
              components: r.components.map((c) => ({
                name: c.name,
                hfSubdir: c.hfSubdir,
                verdict: verdictOf(c),
                total: c.totalKeys,
                consumed: c.consumedKeys,
                unmapped: c.unmappedKeys,
                unmatched: c.unmatchedPatterns,
                blockMisses: c.blockMisses,
                unmatchedOptional: c.unmatchedOptional,
                filteredOut: c.filteredOut,
                errors: c.errors,
                missingShards: c.missingShards,
              })),
              unresolved: r.unresolved,
            },
            null,
            1,
          ) + '\n',
        );
      } else if (flags.has('--markdown')) {
        process.stdout.write(coverageMarkdown(r, root) + '\n');
      } else {
        for (const c of r.components) {
          process.stdout.write(`${componentLine(c)}\n`);
          // A typo next to the key it meant (error), or a tensor the checkpoint does not have at all (warning).
          for (const p of c.unmatchedPatterns)
            process.stdout.write(
              `  ${p.nearKey ? 'typo?  ' : 'no key '}  ${visible(p.pattern)}${p.nearKey ? ` (the checkpoint has ${visible(p.nearKey)})` : ''}${p.file ? `  (${p.file}:${p.line})` : ''}\n`,
            );
          for (const p of c.blockMisses)
            process.stdout.write(
              `  missing   ${visible(p.pattern)} in block ${p.blocks.join(', ')}${p.file ? `  (${p.file}:${p.line})` : ''}\n`,
            );
          for (const k of collapseKeys(c.unmappedKeys)) process.stdout.write(`  unmapped  ${visible(k)}\n`); // checkpoint keys: untrusted
        }
        for (const u of r.unresolved) process.stdout.write(`not resolved statically: ${u.file}:${u.line}: ${u.what}\n`);
        process.stdout.write(`${summaryLine(r)}\n`);
      }
      return r.components.every(passes) ? 0 : 1;
    } catch (e) {
      return fail(e);
    }
  },
};
