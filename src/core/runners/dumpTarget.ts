// What Insert Dump dumps, read from the statement under the cursor, so the layer is never run
// twice: an assignment `h = self.proj_out(h)` wraps its value in place
// (`h = dump("h", self.proj_out(h))`, the name from the target); `return expr` / `yield expr`
// wrap expr; a selected call wraps the selection; augmented assignments (`h += …`) and names
// are dumped on the next line (`dump("h", h)`: a name is read, not recomputed). Tuple targets,
// tuple values and several statements on one line are refused with the reason. Inside a
// `for i in range(…)` / `for i, x in enumerate(…)` loop the loop index is offered as `step=`.
import { defaultDumpName, expressionAt, statementEnd, statementStart, type Selection } from './insertDump';

export interface Position {
  readonly line: number;
  readonly char: number;
}

export type DumpTarget =
  | {
      readonly mode: 'wrap';
      readonly expression: string;
      readonly defaultName: string;
      /** Where `dump("name", ` goes and where `)` goes (original coordinates). */
      readonly open: Position;
      readonly close: Position;
      readonly loopVar?: string;
    }
  | { readonly mode: 'after'; readonly expression: string; readonly defaultName: string; readonly loopVar?: string }
  | { readonly mode: 'refuse'; readonly reason: string };

/** The line with string contents and comments blanked out, same length (so columns stay). */
function maskLine(line: string): string {
  let out = '';
  for (let i = 0; i < line.length;) {
    const ch = line[i];
    if (ch === '#') return out + ' '.repeat(line.length - i);
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < line.length && line[j] !== ch) j += line[j] === '\\' ? 2 : 1;
      const end = Math.min(j, line.length - 1);
      out += ch + ' '.repeat(Math.max(0, end - i - 1)) + (j < line.length ? ch : '');
      i = end + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

const AUG = /(\*\*|\/\/|>>|<<|[-+*/%@&|^])$/;
const NAME = /^[A-Za-z_][\w.]*(?:\[[^\]\n]*\])?$/;
const COMPOUND =
  /^(if|elif|else|for|async|while|with|def|class|try|except|finally|match|case|lambda|assert|del|import|from|global|nonlocal|pass|raise|@)\b/;

interface Scan {
  /** top-level `=` of assignments, `+=`-style operators, commas and semicolons, in order */
  readonly eq: Position[];
  readonly aug: Position[];
  readonly commas: Position[];
  readonly semis: Position[];
  readonly lambdas: Position[];
}

function scan(masked: readonly string[], from: Position, to: Position): Scan {
  const s: Scan = { eq: [], aug: [], commas: [], semis: [], lambdas: [] };
  let depth = 0;
  for (let l = from.line; l <= to.line; l++) {
    const text = masked[l];
    const a = l === from.line ? from.char : 0;
    const b = l === to.line ? to.char : text.length;
    for (let c = a; c < b; c++) {
      const ch = text[c];
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
      if (depth !== 0) continue;
      if (ch === ',') s.commas.push({ line: l, char: c });
      else if (ch === ';') s.semis.push({ line: l, char: c });
      else if (ch === '=' && text[c + 1] !== '=') {
        const head = text.slice(0, c);
        if (/(>>|<<)$/.test(head) || (AUG.test(head) && !/[=!<>:]$/.test(head))) s.aug.push({ line: l, char: c });
        else if (!/[=!<>:]$/.test(head)) s.eq.push({ line: l, char: c });
      } else if (/^lambda\b/.test(text.slice(c)) && !/\w/.test(text[c - 1] ?? '')) s.lambdas.push({ line: l, char: c });
    }
  }
  return s;
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.char < b.char);

function textOf(lines: readonly string[], from: Position, to: Position): string {
  if (from.line === to.line) return lines[from.line].slice(from.char, to.char);
  const parts = [lines[from.line].slice(from.char), ...lines.slice(from.line + 1, to.line), lines[to.line].slice(0, to.char)];
  return parts.map((p) => p.trim()).join(' ');
}

/** First non-space at or after `p`, and the end of the last non-space before `p` (in masked text). */
function skipSpace(masked: readonly string[], p: Position, end: Position): Position {
  let { line, char } = p;
  while (before({ line, char }, end)) {
    if (char >= masked[line].length) {
      line++;
      char = 0;
      continue;
    }
    if (!/[\s\\]/.test(masked[line][char])) return { line, char };
    char++;
  }
  return end;
}
function trimEnd(masked: readonly string[], start: number, p: Position): Position {
  let { line, char } = p;
  for (;;) {
    const head = masked[line].slice(0, char).replace(/[\s\\]+$/, '');
    if (head.length > 0 || line <= start) return { line, char: head.length };
    line--;
    char = masked[line].length;
  }
}

/** The index of the innermost enclosing `for` over range()/enumerate(), if any (stops at def/class). */
function loopIndexVar(lines: readonly string[], line: number): string | undefined {
  let indent = /^[ \t]*/.exec(lines[line] ?? '')![0].length;
  for (let i = line - 1; i >= 0 && indent > 0; i--) {
    const l = lines[i];
    if (l.trim() === '' || /^\s*#/.test(l)) continue;
    const ind = /^[ \t]*/.exec(l)![0].length;
    if (ind >= indent) continue;
    indent = ind;
    const t = l.trim();
    if (/^(async\s+)?(def|class)\b/.test(t)) return undefined;
    const m = /^(?:async\s+)?for\s+(.+?)\s+in\s+(.+):\s*(#.*)?$/.exec(t);
    if (!m) continue;
    const [, target, iter] = m;
    if (/^range\(/.test(iter) && /^[A-Za-z_]\w*$/.test(target)) return target;
    const en = /^\(?\s*([A-Za-z_]\w*)\s*,/.exec(target);
    if (/^enumerate\(/.test(iter) && en) return en[1];
    return undefined;
  }
  return undefined;
}

function nameOfTarget(target: string): string {
  return defaultDumpName(
    target
      .replace(/:.*$/s, '')
      .trim()
      .replace(/^self\./, ''),
  );
}

export function dumpTarget(lines: readonly string[], sel: Selection): DumpTarget {
  const start = statementStart(lines, sel.startLine);
  const end = statementEnd(lines, start, sel.endLine);
  const masked = lines.map(maskLine);
  const loopVar = loopIndexVar(lines, start);
  const stmtFrom = { line: start, char: /^[ \t]*/.exec(lines[start])![0].length };
  const stmtTo = trimEnd(masked, start, { line: end, char: masked[end].length });
  const s = scan(masked, stmtFrom, stmtTo);
  const first = masked[start].trim();
  const withLoop = <T extends object>(t: T) => (loopVar ? { ...t, loopVar } : t);

  if (sel.startLine !== sel.endLine || sel.startChar !== sel.endChar) {
    const expression = expressionAt(lines, sel);
    if (!expression) return { mode: 'refuse', reason: 'the selection is empty' };
    if (NAME.test(expression)) return withLoop({ mode: 'after', expression, defaultName: defaultDumpName(expression) });
    const open = skipSpace(masked, { line: sel.startLine, char: sel.startChar }, { line: sel.endLine, char: sel.endChar });
    const close = trimEnd(masked, sel.startLine, { line: sel.endLine, char: sel.endChar });
    const inner = scan(masked, open, close);
    let depth = 0;
    for (let l = open.line; l <= close.line; l++)
      for (const ch of masked[l].slice(l === open.line ? open.char : 0, l === close.line ? close.char : undefined)) {
        if ('([{'.includes(ch)) depth++;
        else if (')]}'.includes(ch)) depth--;
        if (depth < 0) break;
      }
    if (depth !== 0)
      return { mode: 'refuse', reason: `the selection ${JSON.stringify(expression)} has unbalanced brackets; select a whole expression` };
    if (inner.eq.length || inner.aug.length || inner.semis.length)
      return { mode: 'refuse', reason: 'the selection holds an assignment; select the value only, or put the cursor on the line' };
    if (inner.commas.length) return { mode: 'refuse', reason: 'the selection is several values separated by commas; select one' };
    const rhs = s.eq.length
      ? skipSpace(masked, { line: s.eq[s.eq.length - 1].line, char: s.eq[s.eq.length - 1].char + 1 }, stmtTo)
      : undefined;
    const whole = rhs && rhs.line === open.line && rhs.char === open.char && close.line === stmtTo.line && close.char === stmtTo.char;
    const target = whole ? textOf(lines, stmtFrom, s.eq[0]) : '';
    return withLoop({
      mode: 'wrap',
      expression: textOf(lines, open, close),
      defaultName: whole && !target.includes(',') ? nameOfTarget(target) : defaultDumpName(textOf(lines, open, close)),
      open,
      close,
    });
  }

  if (s.semis.length) return { mode: 'refuse', reason: 'this line holds several statements (;): put each on its own line first' };
  const ret = /^(return|yield)\s+(?!from\b)/.exec(first);
  if (ret && !COMPOUND.test(first)) {
    const open = skipSpace(masked, { line: start, char: stmtFrom.char + ret[1].length }, stmtTo);
    if (s.commas.length) return { mode: 'refuse', reason: `this ${ret[1]} gives several values; select the one to dump` };
    const expression = textOf(lines, open, stmtTo);
    return withLoop({ mode: 'wrap', expression, defaultName: defaultDumpName(expression), open, close: stmtTo });
  }
  if (!COMPOUND.test(first) && (s.eq.length || s.aug.length)) {
    // `f = lambda x=1: x`: the `=` after the lambda are its defaults, not assignments
    const lambda = s.lambdas[0];
    const eqs = s.eq.filter((e) => !lambda || before(e, lambda));
    const aug = s.aug.filter((e) => !lambda || before(e, lambda));
    const firstOp = [...eqs, ...aug].sort((a, b) => (before(a, b) ? -1 : 1))[0];
    const target = textOf(lines, stmtFrom, firstOp).trim();
    const tuple = s.commas.some((c) => before(c, firstOp)) || /^[([].*,/.test(target) || target.startsWith('*');
    if (tuple) {
      const names = target
        .replace(/[()[\]*]/g, '')
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean);
      const under = expressionAt(lines, sel);
      if (under && names.includes(under)) return withLoop({ mode: 'after', expression: under, defaultName: defaultDumpName(under) });
      return {
        mode: 'refuse',
        reason: `${target} = … assigns several names: put the cursor on one of them (${names.join(', ')}) to dump it after this line`,
      };
    }
    if (aug.length && !eqs.length) {
      // h += x: the new h is read after the line (wrapping x would dump the increment)
      const name = target.replace(/(\*\*|\/\/|>>|<<|[-+*/%@&|^])$/, '').replace(/\s+/g, '');
      return withLoop({ mode: 'after', expression: name, defaultName: nameOfTarget(name) });
    }
    const last = eqs[eqs.length - 1];
    const open = skipSpace(masked, { line: last.line, char: last.char + 1 }, stmtTo);
    if (!before(open, stmtTo)) return { mode: 'refuse', reason: 'the assignment has no value on this line' };
    if (s.commas.some((c) => before(last, c)) && !lambda)
      return { mode: 'refuse', reason: 'the value is a tuple (a, b): select the element to dump' };
    if (/^yield\b/.test(masked[open.line].slice(open.char)))
      return { mode: 'refuse', reason: 'the value is a yield expression; dump it where it is produced' };
    return withLoop({ mode: 'wrap', expression: textOf(lines, open, stmtTo), defaultName: nameOfTarget(target), open, close: stmtTo });
  }
  const expression = expressionAt(lines, sel);
  if (!expression)
    return { mode: 'refuse', reason: 'put the cursor on an assignment, a return or a variable name, or select an expression' };
  return withLoop({ mode: 'after', expression, defaultName: defaultDumpName(expression) });
}
