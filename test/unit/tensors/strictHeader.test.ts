// safetensors headers that JSON.parse would accept but the format (and its Rust loader) refuses:
// a byte-order mark, __metadata__ twice, dimensions or offsets written as floats. The files are
// written by Python's json module; the valid look-alikes must still read NumPy's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../../src/core/tensors';
import { pythonJson } from '../../helpers/python';

const tmp = mkdtempSync(join(tmpdir(), 'mflux-strict-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

// Each case: a raw header text (Python string literal) around one F32 tensor of 2 values.
const cases: Record<string, string> = {
  bom: `"\\ufeff" + json.dumps({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})`,
  dupMeta: `'{"__metadata__": {"a": "1"}, "x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "__metadata__": {"a": "2"}}'`,
  floatDim: `'{"x": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}}'`,
  floatOffsets: `'{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0.0, 8.0]}}'`,
  expOffsets: `'{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8e0]}}'`,
  // valid: names and metadata that merely contain the key words
  lookAlike: `json.dumps({"__metadata__": {"note": "\\"shape\\": [1.5] and \\"__metadata__\\": twice"}, "w\\"shape\\": [2.5]": {"dtype": "F32", "shape": [ 2 ], "data_offsets": [ 0 , 8 ]}})`,
};

const written = pythonJson<Record<string, { path: string; values: number[] }>>(
  `
import json, sys, numpy as np
from st_write import framed
out = {}
vals = np.array([1.5, -2.25], dtype=np.float32)
for name, expr in json.loads(sys.argv[1]).items():
    h = eval(expr).encode("utf-8")
    p = sys.argv[2] + "/" + name + ".safetensors"
    open(p, "wb").write(framed(h, vals.tobytes()))
    out[name] = {"path": p, "values": [float(v) for v in vals]}
print(json.dumps(out))`,
  [JSON.stringify(cases), tmp],
);

const refused: Record<string, RegExp> = {
  bom: /byte-order mark/,
  dupMeta: /__metadata__ more than once/,
  floatDim: /shape holds "2\.0", not a non-negative integer/,
  floatOffsets: /data_offsets holds "0\.0", not a non-negative integer/,
  expOffsets: /data_offsets holds "8e0", not a non-negative integer/,
};

for (const [name, why] of Object.entries(refused)) {
  test(`safetensors header refused: ${name}`, async () => {
    const file = written[name].path;
    await assert.rejects(T.openTensors(file), (e: Error) => {
      assert.ok(e instanceof T.TensorFileError, `${e.constructor.name}: ${e.message}`);
      assert.match(e.message, why);
      assert.ok(e.message.includes(`${name}.safetensors`), e.message);
      return true;
    });
  });
}

test('a name or metadata text that contains "shape" or "__metadata__" still reads NumPy\'s values', async () => {
  const src = await T.openTensors(written.lookAlike.path);
  const [info] = src.list();
  assert.equal(info.name, 'w"shape": [2.5]');
  const chunk = await src.read(info.name);
  assert.deepEqual([...chunk], written.lookAlike.values);
});

test('an .npy whose header lost its closing newline (bytes inserted inside it) is refused, as NumPy refuses it', async () => {
  // NumPy writes the file; two bytes are then inserted before the header's newline, with the
  // header length unchanged, so the newline and one byte would be read as data, all values shifted.
  const r = pythonJson<{ path: string; numpy: string }>(
    `
import io, json, sys, numpy as np
buf = io.BytesIO(); np.save(buf, np.array([1.5, -2.25, 3.0], dtype=np.float32)); b = buf.getvalue()
end = 10 + int.from_bytes(b[8:10], "little") - 1
assert b[end:end + 1] == b"\\n"
bad = b[:end] + b"\\x0b\\x00" + b[end:]
p = sys.argv[1] + "/shifted.npy"; open(p, "wb").write(bad)
try:
    np.load(p); why = "read"
except ValueError as e:
    why = "refused: " + str(e).splitlines()[0]
print(json.dumps({"path": p, "numpy": why}))`,
    [tmp],
  );
  assert.match(r.numpy, /^refused/);
  await assert.rejects(T.openTensors(r.path), (e: Error) => {
    assert.ok(e instanceof T.BadHeader, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.message, `${r.path}: .npy header does not end with a newline (the file lost or gained bytes inside the header)`);
    return true;
  });
});
