// Stored .npz members are CRC-32-checked like NumPy checks them, and a local header that names
// another member than the central directory is refused (else `y` could return `x`'s data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../../src/core/tensors';
import { pythonJson } from '../../helpers/python';

const tmp = mkdtempSync(join(tmpdir(), 'mflux-zipchecks-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes a stored .npz with NumPy, applies `edit` to its bytes, and reports what NumPy and zipfile say. */
function corrupt(name: string, edit: string): { numpy: string; zipfile: string; x: number[] | null } {
  const p = join(tmp, name);
  return pythonJson(
    `
import json, sys, zipfile, numpy as np
p = sys.argv[1]
np.savez(p, x=np.arange(10, dtype=np.float32), y=np.arange(10, 20, dtype=np.float32))
b = bytearray(open(p, "rb").read())
infos = {i.filename: i for i in zipfile.ZipFile(p).infolist()}
assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())
${edit}
open(p, "wb").write(b)
out = {}
try:
    out["x"] = np.load(p)["y"].tolist(); out["numpy"] = "ok"
except Exception as e:
    out["x"] = None; out["numpy"] = type(e).__name__ + ": " + str(e)
try:
    zipfile.ZipFile(p).read("y.npy"); out["zipfile"] = "ok"
except Exception as e:
    out["zipfile"] = type(e).__name__ + ": " + str(e)
print(json.dumps(out))`,
    [p],
  );
}

test('a flipped data byte in a stored .npz member is a Bad CRC-32 error naming the file and member, as in NumPy', async () => {
  // flip a bit in the last byte of y's data (stored: local header, name, then the .npy bytes)
  const py = corrupt(
    'crc.npz',
    `
y = infos["y.npy"]
b[y.header_offset + 30 + len("y.npy") + y.file_size - 1] ^= 0x40`,
  );
  assert.match(py.numpy, /Bad CRC-32/);
  assert.match(py.zipfile, /BadZipFile: Bad CRC-32/);
  const p = join(tmp, 'crc.npz');
  const src = await T.openTensors(p);
  assert.deepEqual(
    [...(await src.read('x'))],
    Array.from({ length: 10 }, (_, i) => i),
  ); // x is intact
  await assert.rejects(src.read('y'), (e: unknown) => {
    const m = (e as Error).message;
    return e instanceof T.BadZip && m.includes(p) && /Bad CRC-32 for zip member "y\.npy"/.test(m) && !m.includes('\n');
  });
  await src.close();
});

test('the intact stored .npz reads exactly what NumPy reads (no false alarm)', async () => {
  const py = corrupt('ok.npz', '');
  assert.equal(py.numpy, 'ok');
  const src = await T.openTensors(join(tmp, 'ok.npz'));
  assert.deepEqual([...(await src.read('y'))], py.x);
  await src.close();
});

test('a local header naming another member than the central directory is reported, as zipfile does', async () => {
  // rename y's local header to x.npy: the central directory still says y.npy
  const py = corrupt(
    'names.npz',
    `
y = infos["y.npy"]
b[y.header_offset + 30] = ord("x")`,
  );
  assert.match(py.zipfile, /File name in directory 'y\.npy' and header b'x\.npy' differ/);
  const p = join(tmp, 'names.npz');
  await assert.rejects(
    (async () => {
      const src = await T.openTensors(p);
      try {
        await src.read('y');
      } finally {
        await src.close();
      }
    })(),
    (e: unknown) =>
      e instanceof T.BadZip &&
      (e as Error).message.includes(p) &&
      /"y\.npy": its local header names it "x\.npy"/.test((e as Error).message),
  );
});
