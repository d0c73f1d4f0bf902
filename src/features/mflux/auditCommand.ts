// mfluxPort.runFinalizeAudit: every integration surface with pass/fail and clickable
// file:line evidence, as a Markdown report. Reads files only (works in Restricted Mode).
import * as vscode from 'vscode';
import { relative } from 'node:path';
import { runFinalizeAudit, settled, type AuditItem } from '../../core/mflux/audit';
import { scanPort } from '../../core/mflux/portScope';
import { guarded, type MfluxContext } from './context';
import { showReportPreview } from '../reportDocs';

function link(root: string, file: string, line?: number): string {
  const uri = vscode.Uri.file(file).with({ fragment: line ? `L${line}` : '' });
  return `[${relative(root, file) || file}${line ? `:${line}` : ''}](${uri.toString()})`;
}

const mark = (i: AuditItem) => (i.result.status === 'pass' ? '✅' : i.result.status === 'not_applicable' ? 'n/a' : '❌');

function auditMarkdown(root: string, model: string, items: readonly AuditItem[], hygieneCount: number): string {
  const failing = items.filter((i) => !settled(i.result));
  const applicable = items.filter((i) => i.result.status !== 'not_applicable').length;
  const na = items.length - applicable;
  const out = [
    `# Finalize audit: ${model}`,
    '',
    (failing.length ? `**${failing.length} of ${applicable} surfaces missing.**` : `**All ${applicable} surfaces wired.**`) +
      (na ? ` ${na} not applicable to this package.` : ''),
    hygieneCount ? `**${hygieneCount} leftover debug line(s)/file(s)** (see the Problems panel).` : 'No leftover debug code.',
    '',
    '| | surface | finding |',
    '| --- | --- | --- |',
    ...items.map((i) => `| ${mark(i)} | ${i.title} | ${i.result.reason.replace(/\|/g, '\\|')} |`),
    '',
  ];
  for (const i of items) {
    out.push(`## ${mark(i)} ${i.title}`, '', i.result.reason, '');
    for (const e of i.result.evidence) out.push(`- ${link(root, e.file, e.line)}${e.text ? ` — \`${e.text.replace(/`/g, "'")}\`` : ''}`);
    out.push('');
  }
  return out.join('\n');
}

export function registerAudit(ctx: MfluxContext, showFindings: (root: string, model?: string) => Promise<number>): vscode.Disposable {
  return vscode.commands.registerCommand(
    'mfluxPort.runFinalizeAudit',
    guarded(async (arg?: unknown) => {
      const t = await ctx.target(arg);
      if (!t) return undefined;
      const items = runFinalizeAudit({ root: t.root, model: t.model });
      const cfg = ctx.hygieneConfig(vscode.Uri.file(t.root));
      const hygiene = (
        await scanPort(t.root, { model: t.model, extraPaths: cfg.extraPaths, config: cfg, useGit: vscode.workspace.isTrusted })
      ).findings.length;
      void showFindings(t.root, t.model);
      await showReportPreview(`${t.model} finalize audit.md`, auditMarkdown(t.root, t.model, items, hygiene));
      if (ctx.checklist) void ctx.checklist.store.runChecks(t.root, t.model);
      return { items: items.map((i) => ({ id: i.id, status: i.result.status, reason: i.result.reason })), hygiene };
    }),
  );
}
