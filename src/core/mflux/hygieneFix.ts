// Quick fixes for hygiene findings: the edit that removes a finding's statement, keeping the
// Python valid (`pass` where a block would be left empty).
import type { HygieneFinding } from './hygiene';
import { maskPython } from './pyLines';

/**
 * The edit that removes a finding's statement: its lines, replaced by `pass` at the same
 * indentation when removing them would leave a block empty. Lines are 1-based and inclusive.
 */
export function removalEdit(
  text: string,
  finding: Pick<HygieneFinding, 'line' | 'endLine'>,
): { startLine: number; endLine: number; replacement: string } {
  const raw = text.split(/\r?\n/);
  const masked = maskPython(text);
  const start = finding.line - 1;
  const end = Math.max(start, finding.endLine - 1);
  const indent = (s: string) => s.length - s.trimStart().length;
  const codeLine = (k: number) => masked[k] !== undefined && masked[k].trim() !== '';
  let prev = start - 1;
  while (prev >= 0 && !codeLine(prev)) prev--;
  let next = end + 1;
  while (next < masked.length && !codeLine(next)) next++;
  const opensBlock = prev >= 0 && /:\s*$/.test(masked[prev]) && indent(raw[prev]) < indent(raw[start]);
  const nextInBlock = next < masked.length && indent(raw[next]) >= indent(raw[start]);
  const replacement = opensBlock && !nextInBlock ? `${raw[start].slice(0, indent(raw[start]))}pass` : '';
  return { startLine: start + 1, endLine: end + 1, replacement };
}

/** Applies `removalEdit` to text (used by the CLI and tests; the editor applies the same range). */
export function removeFinding(text: string, finding: Pick<HygieneFinding, 'line' | 'endLine'>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const edit = removalEdit(text, finding);
  lines.splice(edit.startLine - 1, edit.endLine - edit.startLine + 1, ...(edit.replacement ? [edit.replacement] : []));
  return lines.join(eol);
}
