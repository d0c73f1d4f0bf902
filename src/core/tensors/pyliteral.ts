// A parser for the Python literals in .npy headers: dicts, tuples, lists, strings, ints,
// True/False/None. Literals only; nothing is evaluated.

export type PyValue = string | number | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class LiteralError extends Error {}

const MAX_DEPTH = 32;

export function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) throw new LiteralError('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const m = new Map<string, PyValue>();
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return m;
        }
        const k = value(depth + 1);
        if (typeof k !== 'string') throw new LiteralError('dict key is not a string');
        ws();
        if (text[i] !== ':') throw new LiteralError(`expected ':' at ${i}`);
        i++;
        if (m.has(k)) throw new LiteralError(`duplicate key '${k}'`);
        m.set(k, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new LiteralError(`expected ',' or '}' at ${i}`);
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      let sawComma = false;
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          // (x) is just x in Python; (x,) is a tuple
          if (c === '(' && items.length === 1 && !sawComma) return items[0];
          return c === '(' ? new PyTuple(items) : items;
        }
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          sawComma = true;
        } else if (text[i] !== close) throw new LiteralError(`expected ',' or '${close}' at ${i}`);
      }
    }
    if (c === "'" || c === '"') return str();
    const m = /^(-?\d+|True|False|None)/.exec(text.slice(i, i + 40));
    if (m) {
      i += m[0].length;
      if (m[0] === 'True') return true;
      if (m[0] === 'False') return false;
      if (m[0] === 'None') return null;
      const n = Number(m[0]);
      if (!Number.isSafeInteger(n)) throw new LiteralError(`integer ${m[0]} too large`);
      // a trailing L (Python 2 long) is accepted as numpy did
      if (text[i] === 'L') i++;
      return n;
    }
    throw new LiteralError(i >= text.length ? 'unexpected end' : `unexpected ${JSON.stringify(c)} at ${i}`);
  };
  const str = (): string => {
    const q = text[i++];
    let out = '';
    while (i < text.length && text[i] !== q) {
      if (text[i] === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (!(e in map)) throw new LiteralError(`unsupported escape \\${e}`);
        out += map[e];
        i += 2;
      } else out += text[i++];
    }
    if (text[i] !== q) throw new LiteralError('unterminated string');
    i++;
    return out;
  };
  const v = value(0);
  ws();
  if (i !== text.length) throw new LiteralError(`unexpected text after the literal at ${i}`);
  return v;
}
