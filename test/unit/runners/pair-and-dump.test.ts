// The runner-pair scripts and Insert Dump's edits, checked by Python itself (ast) where it matters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyPlan,
  expressionAt,
  defaultDumpName,
  mlxScript,
  planInsertDump,
  referenceScript,
  scriptPath,
  goldenTestPath,
} from '../../../src/core/runners';
import { pythonJson } from '../../helpers/python';

/** Parses Python source with the real parser; returns names imported and calls to dump/load. */
function pyInfo(src: string) {
  return pythonJson<{ ok: boolean; error?: string; imports: string[]; calls: string[] }>(
    `
import ast, json, sys
src = sys.argv[1]
try:
    tree = ast.parse(src)
except SyntaxError as e:
    print(json.dumps({"ok": False, "error": str(e), "imports": [], "calls": []})); raise SystemExit
imports, calls = [], []
for n in ast.walk(tree):
    if isinstance(n, ast.ImportFrom):
        imports += [f"{n.module}.{a.name}" for a in n.names]
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("dump", "load"):
        calls.append(n.func.id + ":" + ast.unparse(n.args[0]) + ":" + ",".join(ast.unparse(a) for a in n.args[1:]))
print(json.dumps({"ok": True, "imports": imports, "calls": calls}))
`,
    [src],
  );
}

test('runner pair: both scripts parse, share checkpoint names, and the MLX side loads the reference latents', () => {
  const ref = pyInfo(referenceScript({ model: 'z_image', modelId: 'Tongyi-MAI/Z-Image-Turbo' }));
  const mlx = pyInfo(mlxScript({ model: 'z_image' }));
  assert.ok(ref.ok, ref.error);
  assert.ok(mlx.ok, mlx.error);
  const names = (calls: string[], fn: string) => calls.filter((c) => c.startsWith(fn + ':')).map((c) => c.split(':')[1]);
  const both = ["'initial_latents'", "'latents'", "'vae_decode_input'", "'vae_decode_output'"];
  assert.deepEqual(names(ref.calls, 'dump').sort(), both);
  assert.deepEqual(names(mlx.calls, 'dump').sort(), both);
  assert.deepEqual(names(mlx.calls, 'load'), ["'initial_latents'"]);
  assert.ok(mlx.imports.includes('mflux.models.z_image.variants.txt2img.z_image.ZImage'));
  assert.ok(ref.imports.includes('mflux_port_probe.dump'));
  const text = referenceScript({ model: 'z_image', modelId: 'Tongyi-MAI/Z-Image-Turbo' });
  assert.match(text, /MODEL_ID = "Tongyi-MAI\/Z-Image-Turbo"/);
  assert.match(text, /WIDTH = 1024/);
  assert.match(text, /HEIGHT = 1024/);
  assert.equal(scriptPath('/r', 'port_runners/run_{model}_ref.py', 'flux2'), '/r/port_runners/run_flux2_ref.py');
  assert.equal(goldenTestPath('flux2'), 'tests/image_generation/test_generate_image_flux2.py');
});

const SRC = [
  '#!/usr/bin/env python',
  '"""Module doc',
  'spanning lines."""',
  'from __future__ import annotations',
  '',
  'import torch',
  'from torch import (',
  '    nn,',
  ')',
  '',
  'def forward(self, x):',
  '    h = self.norm(',
  '        x,',
  '    )',
  '    for blk in self.blocks:',
  '        h = blk(h)',
  '    return self.out(h)',
];

function run(sel: [number, number, number, number], name?: string) {
  const s = { startLine: sel[0], startChar: sel[1], endLine: sel[2], endChar: sel[3] };
  const expr = expressionAt(SRC, s)!;
  const plan = planInsertDump(SRC, s, name ?? defaultDumpName(expr), expr);
  const out = applyPlan(SRC.join('\n'), plan);
  const info = pyInfo(out);
  assert.ok(info.ok, `${info.error}\n${out}`);
  return { out: out.split('\n'), plan, info };
}

test('insert dump: after a multi-line statement, with the import after the last import', () => {
  assert.equal(expressionAt(SRC, { startLine: 13, startChar: 4, endLine: 13, endChar: 4 }), undefined, 'nothing to dump on a bare )');
  const r = run([11, 4, 11, 5]); // selects `h`
  assert.equal(r.out[9], 'from mflux_port_probe import dump');
  assert.deepEqual(r.out.slice(12, 16), ['    h = self.norm(', '        x,', '    )', '    dump("h", h)']);
  assert.ok(r.info.calls.includes("dump:'h':h"));
});

test('insert dump: a block opener gets the dump as the first body line; a return gets it before', () => {
  const loop = run([14, 8, 14, 11]); // `blk`
  assert.deepEqual(loop.out.slice(15, 17), ['    for blk in self.blocks:', '        dump("blk", blk)']);
  const ret = run([16, 11, 16, 22], 'out'); // `self.out(h)`
  assert.deepEqual(ret.out.slice(-2), ['    dump("out", self.out(h))', '    return self.out(h)']);
  const cursor = expressionAt(SRC, { startLine: 15, startChar: 13, endLine: 15, endChar: 13 });
  assert.equal(cursor, 'blk');
  assert.equal(defaultDumpName('self.norm(x)'), 'self.norm_x');
});

test('insert dump: no second import; a file without imports gets it after the docstring', () => {
  const lines = ['"""doc"""', 'from mflux_port_probe import dump, capture', 'x = 1'];
  const p = planInsertDump(lines, { startLine: 2, startChar: 0, endLine: 2, endChar: 1 }, 'x', 'x');
  assert.equal(p.insertions.length, 1);
  const bare = ['"""doc"""', 'x = 1'];
  const q = planInsertDump(bare, { startLine: 1, startChar: 0, endLine: 1, endChar: 1 }, 'x', 'x');
  assert.equal(applyPlan(bare.join('\n'), q), '"""doc"""\nfrom mflux_port_probe import dump\nx = 1\ndump("x", x)');
});
