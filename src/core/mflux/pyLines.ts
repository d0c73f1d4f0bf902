// Masks string contents and comments of Python source, line by line, keeping columns, so
// regexes over code never match inside a docstring, a string literal or a comment.

/** State carried from one line to the next: inside a triple-quoted string or not. */
export interface MaskState {
  triple?: '"""' | "'''";
}

/** Returns the line with comments and string contents replaced by spaces (quotes kept). */
function maskPythonLine(line: string, state: MaskState): string {
  const out = line.split('');
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) out[k] = ' ';
  };
  while (i < line.length) {
    if (state.triple) {
      const end = line.indexOf(state.triple, i);
      if (end < 0) {
        blank(i, line.length);
        return out.join('');
      }
      blank(i, end);
      i = end + 3;
      state.triple = undefined;
      continue;
    }
    const ch = line[i];
    if (ch === '#') {
      blank(i, line.length);
      break;
    }
    if (ch === '"' || ch === "'") {
      const three = line.slice(i, i + 3);
      if (three === '"""' || three === "'''") {
        state.triple = three;
        i += 3;
        continue;
      }
      let j = i + 1;
      while (j < line.length && line[j] !== ch) j += line[j] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(j, line.length));
      i = j + 1;
      continue;
    }
    i++;
  }
  return out.join('');
}

/** Masks a whole file; returns one masked string per line. */
export function maskPython(text: string): string[] {
  const state: MaskState = {};
  return text.split(/\r?\n/).map((l) => maskPythonLine(l, state));
}
