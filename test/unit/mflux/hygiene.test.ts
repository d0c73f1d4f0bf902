import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON } from '../../helpers/python';
import { compileRules, findTensorFiles, removeFinding, scanPython, scanRepo } from '../../../src/core/mflux/hygiene';
import { maskPython } from '../../../src/core/mflux/pyLines';
import { buildMfluxTree, tempDir, write, Z_IMAGE } from './fixtures';

const SOURCE = [
  'import json', // 1
  'import numpy as np', // 2
  'import mlx.core as mx', // 3
  'import mflux_port_probe as probe', // 4  probe-import
  'from mflux_port_probe import dump', // 5  probe-import
  '', // 6
  '', // 7
  'def decode(latents):', // 8
  '    """Never np.save(x) in a docstring', // 9
  '    nor torch.save(y)."""', // 10
  '    json.dump({"a": 1}, open("x.json", "w"))  # fine', // 11
  '    np.save("latents.npy", latents)', // 12 np-save
  '    probe.capture("vae.in", latents)', // 13 probe-call
  '    dump("vae.out", latents)', // 14 probe-call
  '    mx.save_safetensors("out.safetensors", {"x": latents})', // 15 mx-save
  '    text = "mx.save(a) inside a string"', // 16
  '    # torch.save(state, "x.pt") in a comment', // 17
  '    if latents is None:', // 18
  '        breakpoint()', // 19 breakpoint
  '    import pdb; pdb.set_trace()', // 20 pdb x2
  '    torch.save(', // 21 torch-save (multi-line)
  '        {"x": latents},', // 22
  '        "x.pt",', // 23
  '    )', // 24
  '    return latents', // 25
  '',
].join('\n');

test('hygiene finds each kind of debug code with exact line:column, and nothing in strings or comments', () => {
  const f = scanPython('/r/decode.py', SOURCE);
  const got = f.map((x) => `${x.line}:${x.column}:${x.ruleId}`);
  assert.deepEqual(got, [
    '4:1:probe-import',
    '5:1:probe-import',
    '12:5:np-save',
    '13:5:probe-call',
    '14:5:probe-call',
    '15:5:mx-save',
    '19:9:breakpoint',
    '20:5:pdb',
    '20:17:pdb',
    '21:5:torch-save',
  ]);
  assert.equal(f.find((x) => x.ruleId === 'torch-save')!.endLine, 24, 'a multi-line call spans its whole statement');
  // Columns checked against the raw text independently.
  const lines = SOURCE.split('\n');
  assert.equal(lines[11].indexOf('np.save') + 1, 5);
  assert.equal(lines[19].indexOf('pdb.set_trace') + 1, 17);
});

test('masking keeps columns and blanks strings, comments and docstrings', () => {
  const masked = maskPython('x = "a#b"  # c\ns = """one\ntwo""" + f(\'q\')');
  assert.deepEqual(masked, ['x = "   "     ', 's = """   ', '   """ + f(\' \')']);
});

test('rules are configurable: disable built-ins, add a pattern, report a bad pattern', () => {
  const compiled = compileRules({
    disabledRules: ['np-save', 'breakpoint'],
    extraRules: [
      { id: 'print', message: 'print left in the code', pattern: '\\bprint\\s*\\(' },
      { id: 'bad', message: 'x', pattern: '(' },
    ],
  });
  assert.equal(compiled.errors.length, 1);
  assert.match(compiled.errors[0], /hygiene rule "bad" ignored: invalid pattern/);
  const f = scanPython('/r/a.py', 'import numpy as np\nnp.save("a", 1)\nbreakpoint()\nprint(1)\n', compiled);
  assert.deepEqual(
    f.map((x) => `${x.line}:${x.ruleId}`),
    ['4:print'],
  );
});

test('removing a finding keeps the Python valid (pass when a block would be empty)', () => {
  const check = (code: string) => {
    const r = spawnSync(PYTHON, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: code, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stderr}\n---\n${code}`);
  };
  let text = SOURCE;
  // Remove findings bottom-up, as an editor applying quick fixes one after another would see them.
  for (;;) {
    const f = scanPython('/r/decode.py', text);
    if (!f.length) break;
    text = removeFinding(text, f[f.length - 1]);
    check(text);
  }
  assert.ok(text.includes('    if latents is None:\n        pass\n'), 'an emptied if-block gets pass');
  assert.ok(!text.includes('    torch.save(\n') && !text.includes('"x.pt",') && text.includes('    return latents'));
  assert.ok(text.includes('# torch.save(state'), 'comments are left alone');
  assert.ok(text.includes('json.dump('), 'json.dump is not a probe call');
});

test("scanRepo covers the model package and root scripts, not the extension's port_runners; tensor files of the port outside debug_artifacts", () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  write(root, 'src/mflux/models/z_image/model/vae.py', 'import mlx.core as mx\n\n\ndef f(x):\n    mx.save("x.npy", x)\n    return x\n');
  write(root, 'run_mlx.py', 'import mflux_port_probe\n');
  write(root, 'port_runners/run_z_image_mlx.py', 'from mflux_port_probe import dump\n\ndump("x", 1)\n');
  write(root, 'src/mflux/models/common/weights/saver.py', 'import mlx.core as mx\nmx.save_safetensors("a", {})\n');
  write(root, 'debug_artifacts/run1/mlx/latents.npy', 'x');
  write(root, 'latents.npy', 'x');
  write(root, 'tests/resources/state.pt', 'x');
  write(root, '.venv/lib/site.safetensors', 'x');
  // In the package: a hidden leftover is one; a virtualenv and a hidden folder are not walked.
  write(root, 'src/mflux/models/z_image/.leftover.pt', 'x');
  write(root, 'src/mflux/models/z_image/venv/w.safetensors', 'x');
  write(root, 'src/mflux/models/z_image/.cache/w.safetensors', 'x');
  const report = scanRepo(root, { model: 'z_image' });
  const rel = (p: string) => p.slice(root.length + 1);
  assert.deepEqual(report.findings.map((f) => `${rel(f.file)}:${f.line}:${f.ruleId}`).sort(), [
    'latents.npy:1:tensor-file',
    'run_mlx.py:1:probe-import',
    'src/mflux/models/z_image/.leftover.pt:1:tensor-file',
    'src/mflux/models/z_image/model/vae.py:5:mx-save',
  ]);
  assert.equal(findTensorFiles(root, { allowedTensorDirs: ['debug_artifacts', 'tests'] }).length, 1);
  assert.equal(scanRepo(root, { model: 'z_image', config: { disabledRules: ['tensor-file'] } }).findings.length, 2);
  assert.ok(report.scannedFiles >= 3);
  void join;
});

test('star imports of the probe bind its public calls; json.load/np.load are not probe calls', () => {
  const f = scanPython(
    '/r/a.py',
    'import json\nfrom mflux_port_probe import *\n\nx = load("vae.out", side="ref")\ny = json.load(open("c.json"))\ndump("a", x)\n',
  );
  assert.deepEqual(
    f.map((x) => `${x.line}:${x.ruleId}`),
    ['2:probe-import', '4:probe-call', '6:probe-call'],
  );
  assert.deepEqual(scanPython('/r/b.py', 'import numpy as np\nx = np.load("a.npy")\ndef load(p):\n    return p\nload(1)\n'), []);
});
