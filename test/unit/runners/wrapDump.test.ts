// Insert Dump wraps the value in place (`h = dump("h", self.proj_out(h))`): checked by Python
// itself. Each edited file must parse (ast.parse), run the layers exactly as often as the
// original (nothing recomputed), return the same result, and dump the very value the target
// got — read independently by tracing the original file's locals after the statement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, dumpTarget, planInsertDump, planWrapDump, type Selection } from '../../../src/core/runners';
import { pythonJson } from '../../helpers/python';

const SRC = [
  'CALLS = []',
  '',
  'class Model:',
  '    def proj_out(self, h):',
  '        CALLS.append("proj_out")',
  '        return h * 2 + 1',
  '',
  '    def attn(self, h, scale=1):',
  '        CALLS.append("attn")',
  '        return h + 10 * scale',
  '',
  '    def split(self, h):',
  '        CALLS.append("split")',
  '        return h, h + 1',
  '',
  '    def forward(self, h):',
  '        h = self.proj_out(h)  # project', // 16
  '        self.cache: int = self.attn(', // 17
  '            h,',
  '            scale=2,',
  '        )',
  '        a, b = self.split(h)', // 21
  '        h += self.attn(a)', // 22
  '        for i in range(3):',
  '            h = self.proj_out(h) \\', // 24
  '                + 1',
  '        for j, k in enumerate([5, 6]):',
  '            h = self.attn(h, scale=k)', // 27
  '        return self.attn(self.proj_out(h))', // 28
];

const HARNESS = `
import ast, json, sys, types
orig, edited, var, lo, hi = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ast.parse(edited)
def run(src, trace_var=None):
    dumps, seen = [], []
    probe = types.ModuleType("mflux_port_probe")
    def dump(name, value, step=None):
        dumps.append([name, step, value]); return value
    probe.dump = dump
    sys.modules["mflux_port_probe"] = probe
    g = {"__name__": "m"}
    code = compile(src, "model.py", "exec")
    exec(code, g)
    pending = [False]
    def local(frame, event, arg):
        if event == "line":
            if lo <= frame.f_lineno <= hi:
                pending[0] = True
            elif pending[0]:
                pending[0] = False
                seen.append(eval(var, frame.f_globals, frame.f_locals))
        elif event == "return" and frame.f_code.co_name == "forward":
            if var == "<return>":
                seen.append(arg)
            elif pending[0]:
                pending[0] = False
                seen.append(eval(var, frame.f_globals, frame.f_locals))
        return local
    def tracer(frame, event, arg):
        return local if frame.f_code.co_name == "forward" else None
    if trace_var:
        sys.settrace(tracer)
    m = g["Model"]()
    out = m.forward(3)
    sys.settrace(None)
    return {"out": out, "calls": list(g["CALLS"]), "dumps": dumps, "seen": seen}
a = run(orig, var)
b = run(edited)
print(json.dumps({"orig": a, "edited": b}))
`;

interface Run {
  out: number;
  calls: string[];
  dumps: [string, number | null, number][];
  seen: number[];
}

/** Applies Insert Dump at the cursor and runs both files through Python. */
function check(cursor: [number, number], var_: string, lines: [number, number], step = true) {
  const sel: Selection = { startLine: cursor[0], startChar: cursor[1], endLine: cursor[0], endChar: cursor[1] };
  const t = dumpTarget(SRC, sel);
  assert.notEqual(t.mode, 'refuse', JSON.stringify(t));
  if (t.mode === 'refuse') throw new Error('refused');
  const s = step ? t.loopVar : undefined;
  const plan =
    t.mode === 'wrap'
      ? planWrapDump(SRC, t.open, t.close, t.defaultName, t.expression, s)
      : planInsertDump(SRC, sel, t.defaultName, t.expression, s);
  const edited = applyPlan(SRC.join('\n'), plan);
  const r = pythonJson<{ orig: Run; edited: Run }>(HARNESS, [SRC.join('\n'), edited, var_, String(lines[0]), String(lines[1])]);
  assert.equal(r.edited.out, r.orig.out, 'same result');
  assert.deepEqual(r.edited.calls, r.orig.calls, 'no layer runs twice');
  assert.ok(r.orig.seen.length > 0);
  assert.deepEqual(
    r.edited.dumps.map((d) => d[2]),
    r.orig.seen,
    'the dump gets the value the target has after the statement',
  );
  return { t, edited: edited.split('\n'), dumps: r.edited.dumps };
}

test('an assignment wraps its value in place, named from the target', () => {
  const r = check([16, 10], 'h', [17, 17]);
  assert.equal(r.t.mode, 'wrap');
  assert.equal(r.edited[17], '        h = dump("h", self.proj_out(h))  # project');
  assert.equal(r.edited[0], 'from mflux_port_probe import dump');
  assert.deepEqual(
    r.dumps.map((d) => d[0]),
    ['h'],
  );
});

test('a multi-line value with an annotated attribute target wraps across its lines', () => {
  const r = check([18, 12], 'self.cache', [18, 21]);
  assert.deepEqual(r.edited.slice(18, 22), [
    '        self.cache: int = dump("cache", self.attn(',
    '            h,',
    '            scale=2,',
    '        ))',
  ]);
});

test('a tuple target dumps the name under the cursor on the next line; elsewhere it is refused', () => {
  const r = check([21, 11], 'b', [22, 22]);
  assert.equal(r.t.mode, 'after');
  assert.equal(r.edited[23], '        dump("b", b)');
  const refused = dumpTarget(SRC, { startLine: 21, startChar: 20, endLine: 21, endChar: 20 });
  assert.equal(refused.mode, 'refuse');
  assert.match((refused as { reason: string }).reason, /a, b = … assigns several names: put the cursor on one of them \(a, b\)/);
});

test('an augmented assignment dumps the updated name after the line, not the increment', () => {
  const r = check([22, 9], 'h', [23, 23]);
  assert.equal(r.t.mode, 'after');
  assert.equal(r.edited[24], '        dump("h", h)');
});

test('inside for … in range() the loop index is offered as step=, across a backslash continuation', () => {
  const t = dumpTarget(SRC, { startLine: 24, startChar: 13, endLine: 24, endChar: 13 });
  assert.equal(t.mode === 'wrap' && t.loopVar, 'i');
  const r = check([24, 13], 'h', [25, 26]);
  assert.deepEqual(r.edited.slice(25, 27), ['            h = dump("h", self.proj_out(h) \\', '                + 1, step=i)']);
  assert.deepEqual(
    r.dumps.map((d) => d[1]),
    [0, 1, 2],
  );
  const e = check([27, 13], 'h', [28, 28]);
  assert.deepEqual(
    e.dumps.map((d) => d[1]),
    [0, 1],
    'enumerate(): the index, not the item',
  );
  const none = check([27, 13], 'h', [28, 28], false);
  assert.deepEqual(
    none.dumps.map((d) => d[1]),
    [null, null],
  );
});

test('return wraps its value; a selected inner call wraps only the selection', () => {
  const r = check([28, 10], '<return>', [29, 29]);
  assert.equal(r.edited[29], '        return dump("self.attn_self.proj_out_h", self.attn(self.proj_out(h)))');
  const sel = { startLine: 28, startChar: 25, endLine: 28, endChar: 41 }; // self.proj_out(h)
  const t = dumpTarget(SRC, sel);
  assert.equal(t.mode, 'wrap');
  if (t.mode !== 'wrap') return;
  assert.equal(t.expression, 'self.proj_out(h)');
  const out = applyPlan(SRC.join('\n'), planWrapDump(SRC, t.open, t.close, 'proj', t.expression)).split('\n');
  assert.equal(out[29], '        return self.attn(dump("proj", self.proj_out(h)))');
});

test('refused clearly: several statements, a tuple value, an unbalanced selection', () => {
  const reason = (lines: string[], sel: Selection) => {
    const t = dumpTarget(lines, sel);
    return t.mode === 'refuse' ? t.reason : `not refused: ${t.mode}`;
  };
  const at = (l: number, c: number, l2 = l, c2 = c) => ({ startLine: l, startChar: c, endLine: l2, endChar: c2 });
  assert.match(reason(['x = f(a); y = 2'], at(0, 0)), /several statements/);
  assert.match(reason(['x = f(a), g(b)'], at(0, 0)), /the value is a tuple/);
  assert.match(reason(['x = f(g(a))'], at(0, 4, 0, 8)), /unbalanced brackets/);
  assert.match(reason(['h = f(x)', 'return a, b'], at(1, 2)), /several values/);
  // strings and comments do not fool it
  const s = dumpTarget(['s = "a = b, c"  # x = 1'], at(0, 0));
  assert.equal(s.mode === 'wrap' && s.expression, '"a = b, c"');
});
