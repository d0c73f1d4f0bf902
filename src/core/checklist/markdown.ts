// The checklist as Markdown for a pull request description: GitHub task-list checkboxes,
// notes as indented text, evidence as links relative to the mflux repo.
import { isAbsolute, relative, sep } from 'node:path';
import type { CheckResult } from '../checks';
import { formatProgress, phaseProgress, portProgress } from './progress';
import { EvidenceLink, itemState, PortState } from './state';
import { WORKFLOW, WorkflowPhase, phaseLabel } from './workflow';

export interface MarkdownOptions {
  /** Auto-check results by item id; a pass or fail is mentioned next to the item. */
  readonly checks?: ReadonlyMap<string, CheckResult>;
  /** Items whose passing check proves work was done (rules.provingItems); others are not called verified while open. */
  readonly proving?: ReadonlySet<string>;
  readonly workflow?: readonly WorkflowPhase[];
}

/** Keeps user text from opening tags or links it did not mean; Markdown emphasis is left alone. */
function inline(text: string): string {
  return text.replace(/</g, '&lt;').replace(/\r?\n/g, ' ').trim();
}

function indentBlock(text: string, prefix: string): string {
  return text
    .replace(/</g, '&lt;')
    .trim()
    .split(/\r?\n/)
    .map((l) => (l.trim() ? prefix + l : prefix.trimEnd()))
    .join('\n');
}

function repoPath(repo: string, target: string): string {
  if (!isAbsolute(target)) return target.split(sep).join('/');
  const rel = relative(repo, target);
  return rel.startsWith('..') || isAbsolute(rel) ? target : rel.split(sep).join('/');
}

function code(s: string): string {
  return s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``;
}

export function evidenceMarkdown(repo: string, e: EvidenceLink): string {
  switch (e.kind) {
    case 'commit':
      return e.label ? `${e.target.slice(0, 12)} (${inline(e.label)})` : e.target.slice(0, 12);
    case 'url':
      return `[${inline(e.label ?? e.target)}](${e.target})`;
    default: {
      const p = repoPath(repo, e.target) + (e.line ? `#L${e.line}` : '');
      const shown = repoPath(repo, e.target) + (e.line ? `:${e.line}` : '');
      return e.label ? `[${inline(e.label)}](${p})` : `[${code(shown)}](${p})`;
    }
  }
}

export function checklistMarkdown(state: PortState, opts: MarkdownOptions = {}): string {
  const workflow = opts.workflow ?? WORKFLOW;
  const { port } = state;
  const out: string[] = [];
  out.push(`## Port of ${code(port.model)} to mflux — ${formatProgress(portProgress(state, workflow))} done`);
  out.push('');
  const facts: string[] = [];
  if (port.reference) facts.push(`Reference: ${code(port.reference)}`);
  if (port.referenceRepo) facts.push(`reference repo: ${code(relative(port.mfluxRepo, port.referenceRepo).split(sep).join('/') || '.')}`);
  if (facts.length) out.push(facts.join(' · '), '');
  if (port.notes.trim()) out.push(indentBlock(port.notes, '> '), '');
  for (const phase of workflow) {
    out.push(`### ${phaseLabel(phase)} (${formatProgress(phaseProgress(state, phase))})`, '');
    for (const item of phase.items) {
      const s = itemState(state, item.id);
      const box = s.status === 'done' ? '[x]' : '[ ]';
      let line = `- ${box} `;
      if (s.status === 'skipped') line += `~~${item.title}~~ — skipped`;
      else if (s.status === 'in_progress') line += `${item.title} — *in progress*`;
      else line += item.title;
      const check = opts.checks?.get(item.id);
      const meaningful = !opts.proving || opts.proving.has(item.id) || s.status === 'done';
      if (check?.status === 'pass' && meaningful) line += ' (verified from files)';
      if (check?.status === 'fail') line += ` (auto-check fails: ${inline(check.reason)})`;
      if (check?.status === 'not_applicable' && s.status !== 'done') line += ' (not applicable to this package)';
      out.push(line);
      if (s.note.trim()) out.push(indentBlock(s.note, '  '));
      if (s.evidence.length) out.push(`  Evidence: ${s.evidence.map((e) => evidenceMarkdown(port.mfluxRepo, e)).join(', ')}`);
    }
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}
