// Where `dump("<name>", <expr>)` and its import go in a Python file, as line insertions in the
// original document's coordinates (the editor applies both at once).

const PROBE_IMPORT = 'from mflux_port_probe import dump';

export interface Insertion {
  /** 0-based line the text is inserted before (or, with `char`, into). */
  readonly line: number;
  /** Full line(s) including the trailing newline; with `char`, text inserted inside the line. */
  readonly text: string;
  /** Column of an insertion inside the line (a wrap: `dump("h", ` … `)`). */
  readonly char?: number;
}

export interface DumpPlan {
  readonly name: string;
  readonly expression: string;
  readonly insertions: readonly Insertion[];
}

export interface Selection {
  readonly startLine: number;
  readonly startChar: number;
  readonly endLine: number;
  readonly endChar: number;
}

/** The selected text, or the dotted name under the cursor. */
export function expressionAt(lines: readonly string[], sel: Selection): string | undefined {
  if (sel.startLine !== sel.endLine || sel.startChar !== sel.endChar) {
    const parts = lines.slice(sel.startLine, sel.endLine + 1);
    if (parts.length === 1) return parts[0].slice(sel.startChar, sel.endChar).trim() || undefined;
    parts[0] = parts[0].slice(sel.startChar);
    parts[parts.length - 1] = parts[parts.length - 1].slice(0, sel.endChar);
    return (
      parts
        .map((p) => p.trim())
        .join(' ')
        .trim() || undefined
    );
  }
  const line = lines[sel.startLine] ?? '';
  const re = /[A-Za-z_][\w.]*(?:\[[^\]\n]*\])?/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m.index <= sel.startChar && sel.startChar <= m.index + m[0].length) return m[0].replace(/\.$/, '');
  }
  return undefined;
}

/** A dump name from an expression: `self.norm(x)` → `self.norm_x`. */
export function defaultDumpName(expression: string): string {
  const s = expression
    .replace(/[^\w.@#-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[_.]+|[_.]+$/g, '');
  return (s || 'tensor').slice(0, 80);
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];
const code = (line: string) => line.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '""').replace(/#.*$/, '');

function depthChange(line: string): number {
  let d = 0;
  for (const ch of code(line)) {
    if ('([{'.includes(ch)) d++;
    else if (')]}'.includes(ch)) d--;
  }
  return d;
}

/** First line of the statement containing `line`: scans from the top, tracking open brackets and `\` continuations. */
export function statementStart(lines: readonly string[], line: number): number {
  let depth = 0;
  let start = 0;
  let continued = false;
  for (let i = 0; i <= line && i < lines.length; i++) {
    if (depth <= 0 && !continued) {
      start = i;
      depth = 0;
    }
    depth += depthChange(lines[i]);
    continued = /\\\s*$/.test(lines[i]);
  }
  return start;
}

/** Last line of the statement starting at `start`. */
export function statementEnd(lines: readonly string[], start: number, atLeast: number): number {
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    depth += depthChange(lines[i]);
    if (i >= atLeast && depth <= 0 && !/\\\s*$/.test(lines[i])) return i;
  }
  return lines.length - 1;
}

function importLine(lines: readonly string[]): number | undefined {
  if (lines.some((l) => /^\s*from\s+mflux_port_probe\s+import\s+[^#]*\bdump\b/.test(l))) return undefined;
  let i = 0;
  while (i < lines.length && /^#/.test(lines[i])) i++; // shebang, encoding line, header comments
  const doc = /^[rRbBuU]?("""|''')/.exec(lines[i] ?? '');
  if (doc) {
    const q = doc[1];
    const rest = lines[i].slice(doc.index + doc[0].length);
    if (!rest.includes(q)) {
      i++;
      while (i < lines.length && !lines[i].includes(q)) i++;
    }
    i++;
  }
  let after = i;
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '' || /^#/.test(l)) continue;
    if (/^(import|from)\s/.test(l)) {
      i = statementEnd(lines, i, i);
      after = i + 1;
      continue;
    }
    break;
  }
  return after;
}

const EXITS = /^(return|yield|raise|break|continue)\b/;

/** `, step=i` for a dump inside a loop (empty without one). */
const stepArg = (step?: string) => (step ? `, step=${step}` : '');

/** A new line `dump("name", expression)` after the statement (for names: reading one recomputes nothing). */
export function planInsertDump(lines: readonly string[], sel: Selection, name: string, expression: string, step?: string): DumpPlan {
  const start = statementStart(lines, sel.startLine);
  const end = statementEnd(lines, start, sel.endLine);
  const first = lines[start];
  const indent = indentOf(first);
  const call = `dump(${JSON.stringify(name)}, ${expression}${stepArg(step)})`;
  let at: Insertion;
  if (EXITS.test(first.trimStart())) {
    // after a return the dump would never run: put it before the statement
    at = { line: start, text: `${indent}${call}\n` };
  } else if (/:\s*$/.test(code(lines[end]))) {
    // a block opener (for/with/if/def): first line of its body
    const next = lines.slice(end + 1).find((l) => l.trim() !== '');
    const bodyIndent = next && indentOf(next).length > indent.length ? indentOf(next) : indent + '    ';
    at = { line: end + 1, text: `${bodyIndent}${call}\n` };
  } else {
    at = { line: end + 1, text: `${indent}${call}\n` };
  }
  const insertions: Insertion[] = [];
  const imp = importLine(lines);
  if (imp !== undefined) insertions.push({ line: imp, text: `${PROBE_IMPORT}\n` });
  insertions.push(at);
  return { name, expression, insertions };
}

/** Wraps the value in place: `dump("name", ` at `open`, `)` at `close`; the value is computed once. */
export function planWrapDump(
  lines: readonly string[],
  open: { line: number; char: number },
  close: { line: number; char: number },
  name: string,
  expression: string,
  step?: string,
): DumpPlan {
  const insertions: Insertion[] = [];
  const imp = importLine(lines);
  if (imp !== undefined) insertions.push({ line: imp, text: `${PROBE_IMPORT}\n` });
  insertions.push({ line: open.line, char: open.char, text: `dump(${JSON.stringify(name)}, ` });
  insertions.push({ line: close.line, char: close.char, text: `${stepArg(step)})` });
  return { name, expression, insertions };
}

/** Applies a plan to text (for tests and previews), all positions in the original text. */
export function applyPlan(text: string, plan: DumpPlan): string {
  const lines = text.split('\n');
  // last position first; a whole-line insertion sorts before any column of its line
  const key = (i: Insertion) => i.char ?? -1;
  const sorted = plan.insertions.map((ins, k) => ({ ...ins, k })).sort((a, b) => b.line - a.line || key(b) - key(a) || b.k - a.k);
  for (const ins of sorted) {
    if (ins.char === undefined) lines.splice(ins.line, 0, ins.text.replace(/\n$/, ''));
    else lines[ins.line] = lines[ins.line].slice(0, ins.char) + ins.text + lines[ins.line].slice(ins.char);
  }
  return lines.join('\n');
}
