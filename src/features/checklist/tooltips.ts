// Tooltips of the checklist's item rows (Markdown with links that open evidence files).
import * as vscode from 'vscode';
import type { CheckResult } from '../../core/checks';
import type { ItemState, ItemStatus } from '../../core/checklist/state';
import type { WorkflowItem } from '../../core/checklist/workflow';

export const OPEN_EVIDENCE = 'mfluxPort.openEvidence';

export const STATUS_TEXT: Record<ItemStatus, string> = { todo: 'To do', in_progress: 'In progress', done: 'Done', skipped: 'Skipped' };

/** A link in a tooltip that opens a file at a line through our own (palette-hidden) command. */
export function evidenceLink(file: string, line: number | undefined, label: string): string {
  const args = encodeURIComponent(JSON.stringify([{ file, line }]));
  return `[${label.replace(/[[\]]/g, '')}](command:${OPEN_EVIDENCE}?${args})`;
}

export function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}

/** An item's title, status, guidance, note, auto-check with its evidence, links and action. */
export function itemTooltip(
  item: WorkflowItem,
  s: ItemState,
  check: CheckResult | undefined,
  actionAvailable: boolean,
): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(item.title)}**\n\n`);
  md.appendMarkdown(`*${STATUS_TEXT[s.status]}*${s.changedAt ? ` · changed ${new Date(s.changedAt).toLocaleString()}` : ''}\n\n`);
  md.appendMarkdown(`${item.guidance}\n\n`);
  if (s.note.trim()) md.appendMarkdown(`---\n\n**Note:** ${escapeMd(s.note.trim()).replace(/\r?\n/g, '  \n')}\n\n`);
  if (check) {
    const icon = { pass: '$(pass)', fail: '$(error)', not_applicable: '$(circle-slash)', unknown: '$(question)' }[check.status];
    const word = check.status === 'not_applicable' ? 'not applicable' : check.status;
    md.appendMarkdown(`---\n\n**Auto-check** ${icon} ${word}: ${escapeMd(check.reason)}\n\n`);
    for (const e of check.evidence.slice(0, 8)) {
      const label = `${vscode.workspace.asRelativePath(e.file, false)}${e.line ? `:${e.line}` : ''}`;
      md.appendMarkdown(`- ${evidenceLink(e.file, e.line, label)}${e.text ? ` — \`${e.text.replace(/`/g, "'").slice(0, 80)}\`` : ''}\n`);
    }
    md.appendMarkdown('\n');
  }
  if (s.evidence.length) {
    md.appendMarkdown(`**Evidence:**\n`);
    for (const e of s.evidence) {
      if (e.kind === 'commit') md.appendMarkdown(`- commit \`${e.target.slice(0, 12)}\`${e.label ? ` ${escapeMd(e.label)}` : ''}\n`);
      else if (e.kind === 'url') md.appendMarkdown(`- [${escapeMd(e.label ?? e.target)}](${e.target})\n`);
      else md.appendMarkdown(`- ${evidenceLink(e.target, e.line, e.label ?? `${e.target}${e.line ? `:${e.line}` : ''}`)}\n`);
    }
    md.appendMarkdown('\n');
  }
  if (item.action) md.appendMarkdown(`Action: *${item.action.title}*${actionAvailable ? '' : ' (not available in this window)'}\n`);
  md.isTrusted = { enabledCommands: [OPEN_EVIDENCE] };
  return md;
}
