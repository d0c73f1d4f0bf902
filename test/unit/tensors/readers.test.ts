// Reader behaviour beyond the fixture sweep: decoding vectors, caps, huge sparse files with
// offsets past 4 GB, the bounded-memory path for strided views, folder naming rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import * as T from '../../../src/core/tensors';
import { decode, f8e4m3ToF32, f8e5m2ToF32, f16ToF32, bf16ToF32 } from '../../../src/core/tensors/decode';
import { pythonJson } from '../../helpers/python';
import { expectedValues, firstMismatch, fixtures } from './helpers';

const { dir, files, f8 } = fixtures();
const tmp = mkdtempSync(join(tmpdir(), 'mflux-tensors-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('F8_E4M3 decodes the reference vector from the format facts', () => {
  const bytes = Uint8Array.from(Buffer.from('007efeb62e83babab c82'.replace(' ', ''), 'hex'));
  assert.equal(Buffer.from(bytes).toString('hex'), f8.hex);
  const got = decode('F8_E4M3', bytes, 10);
  assert.deepEqual([...got], [0, 448, -448, -0.875, 0.4375, -0.005859375, -1.25, -1.25, -1.5, -0.00390625]);
  assert.ok(Number.isNaN(f8e4m3ToF32(0x7f)) && Number.isNaN(f8e4m3ToF32(0xff)));
  assert.equal(f8e4m3ToF32(0x7e), 448); // max, no infinities
});

test('F8_E5M2, F16 and BF16 agree with NumPy for every bit pattern', () => {
  const want = pythonJson<{ e5m2: (number | string)[]; f16: (number | string)[] }>(`
import json, numpy as np
def enc(v): return "nan" if np.isnan(v) else ("inf" if v == np.inf else "-inf" if v == -np.inf else float(v))
e5 = (np.arange(256, dtype=np.uint16) << 8).view(np.float16).astype(np.float64)
f16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float64)
print(json.dumps({"e5m2": [enc(v) for v in e5], "f16": [enc(v) for v in f16]}))`);
  const num = (v: number | string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
  for (let b = 0; b < 256; b++) assert.ok(Object.is(f8e5m2ToF32(b), num(want.e5m2[b])), `e5m2 0x${b.toString(16)}`);
  const all16 = new Uint16Array(65536).map((_, i) => i);
  const f16 = decode('F16', new Uint8Array(all16.buffer), 65536);
  for (let h = 0; h < 65536; h++) {
    assert.ok(Object.is(f16[h], num(want.f16[h])) && Object.is(f16ToF32(h), num(want.f16[h])), `f16 0x${h.toString(16)}`);
  }
  assert.equal(bf16ToF32(0x3f80), 1);
  assert.equal(bf16ToF32(0xc049), -3.140625);
});

test('big-endian and unaligned bytes decode like aligned little-endian ones', () => {
  const le = new Uint8Array(new Float64Array([1.5, -2.25, 1e300]).buffer);
  const be = Uint8Array.from(le);
  for (let i = 0; i < 3; i++) be.subarray(i * 8, i * 8 + 8).reverse();
  assert.deepEqual([...decode('F64', be, 3, false)], [1.5, -2.25, 1e300]);
  const shifted = new Uint8Array(25);
  shifted.set(le, 1);
  assert.deepEqual([...decode('F64', shifted.subarray(1), 3)], [1.5, -2.25, 1e300]);
  const i64 = new BigInt64Array([-(2n ** 40n), 2n ** 53n - 1n, -1n]);
  assert.deepEqual([...decode('I64', new Uint8Array(i64.buffer), 3)], [Math.fround(-(2 ** 40)), Math.fround(2 ** 53 - 1), -1]);
});

test('every fixture reads the same through the bounded-memory path for strided views', async () => {
  // a window of 8 bytes forces the sorted, coalesced-runs reader for every non-contiguous tensor
  for (const f of files.filter((x) => /npy\/fortran|torch\/views|npz\/(stored|deflated)/.test(x.path))) {
    const src = await T.openTensors(join(dir, f.path), { windowBytes: 8 });
    for (const t of f.tensors) {
      const got = await src.read(t.name);
      assert.equal(firstMismatch(got, expectedValues(dir, t.values!), t.dtype === 'F64'), undefined, `${f.path}:${t.name}`);
    }
    await src.close();
  }
});

test("strided views streamed in several tiled chunks give NumPy's values", async () => {
  for (const f of files.filter((x) => /npy\/(fortran|mlx_col)|torch\/views/.test(x.path))) {
    const src = await T.openTensors(join(dir, f.path));
    for (const t of f.tensors) {
      const vals: number[] = [];
      const inner = t.shape[t.shape.length - 1] ?? 1;
      for await (const ch of src.chunks(t.name, { chunkElements: 2 * inner + 1 })) vals.push(...ch);
      assert.equal(firstMismatch(vals, expectedValues(dir, t.values!), t.dtype === 'F64'), undefined, `${f.path}:${t.name}`);
    }
    await src.close();
  }
});

test('read() refuses above maxElements; chunks() honour chunkElements and abort', async () => {
  const src = await T.openTensors(join(dir, 'npy/fortran_3d_f32.npy'));
  await assert.rejects(
    src.read('fortran_3d_f32', { maxElements: 59 }),
    (e: unknown) => e instanceof T.TensorTooLarge && /60 elements, more than the 59/.test((e as Error).message),
  );
  assert.equal((await src.read('fortran_3d_f32', { maxElements: 60 })).length, 60);
  const sizes: number[] = [];
  for await (const c of src.chunks('fortran_3d_f32', { chunkElements: 7 })) sizes.push(c.length);
  // a Fortran-order array streams whole rows (of 5) so the gather can work in tiles
  assert.deepEqual(sizes, new Array(12).fill(5));
  const c = await T.openTensors(join(dir, 'npy/c_f32.npy'));
  const csizes: number[] = [];
  for await (const x of c.chunks('c_f32', { chunkElements: 7 })) csizes.push(x.length);
  assert.deepEqual(csizes, [7, 7, 6]);
  await c.close();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    async () => {
      for await (const _ of src.chunks('fortran_3d_f32', { signal: ac.signal })) void _;
    },
    (e: unknown) => (e as Error).name === 'AbortError',
  );
  await assert.rejects(src.read('nope'), T.TensorNotFound);
  await src.close();
});

test('pickle caps: opcode budget gives PickleTooComplex', async () => {
  await assert.rejects(
    T.openTensors(join(dir, 'torch/nested.pt'), { maxPickleOps: 10 }),
    (e: unknown) => e instanceof T.PickleTooComplex && /more than 10 opcodes/.test((e as Error).message),
  );
});

test('undecodable dtypes are listed, and values are refused with UnsupportedDtype', async () => {
  const p = join(tmp, 'f4.safetensors');
  writeFileSync(p, stBytes({ z: { dtype: 'F4', shape: [4], data_offsets: [0, 2] } }, Buffer.alloc(2)));
  const src = await T.openTensors(p);
  assert.deepEqual(
    src.list().map((t) => [t.name, t.dtype, t.decodable, t.byteLength]),
    [['z', 'F4', false, 2]],
  );
  await assert.rejects(src.read('z'), T.UnsupportedDtype);
  await src.close();
});

/** A sparse file: `parts` are written at their offsets, everything else reads as zeros. */
/** Safetensors bytes by hand (what the NumPy writer cannot make: F4, a file past 4 GB): the
 * 8-byte little-endian header length, the JSON header, then `data`. */
function stBytes(header: object, data: Uint8Array): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length), 0);
  return Buffer.concat([len, h, data]);
}

/** A safetensors file holding one F32 tensor `name` of shape [1] whose value is `v`. */
function oneF32(name: string, v: number): Buffer {
  return stBytes({ [name]: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, Buffer.from(new Float32Array([v]).buffer));
}

function sparse(path: string, size: number, parts: [number, Uint8Array][]): void {
  const fd = openSync(path, 'w');
  writeSync(fd, new Uint8Array(1), 0, 1, size - 1); // sets the size; parts may overwrite it
  for (const [at, bytes] of parts) writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
}

const BIG = 5_000_000_000; // past 4 GiB: 32-bit offsets would wrap

test('safetensors with a tensor starting past 4 GB (sparse file) lists and reads exactly', async () => {
  const p = join(tmp, 'big.safetensors');
  const header = Buffer.from(
    JSON.stringify({
      pad: { dtype: 'U8', shape: [BIG], data_offsets: [0, BIG] },
      w: { dtype: 'F32', shape: [4], data_offsets: [BIG, BIG + 16] },
    }),
  );
  const len = Buffer.alloc(8);
  len.writeUInt32LE(header.length, 0);
  const w = new Uint8Array(new Float32Array([1.5, -2, 3.25, 1e-3]).buffer);
  sparse(p, 8 + header.length + BIG + 16, [
    [0, len],
    [8, header],
    [8 + header.length + BIG, w],
  ]);
  const src = await T.openTensors(p);
  assert.deepEqual(
    src.list().map((t) => [t.name, t.numel]),
    [
      ['pad', BIG],
      ['w', 4],
    ],
  );
  assert.deepEqual([...(await src.read('w'))], [1.5, -2, 3.25, Math.fround(1e-3)]);
  await assert.rejects(src.read('pad'), T.TensorTooLarge);
  for await (const c of src.chunks('pad', { chunkElements: 1024 })) {
    assert.equal(c.length, 1024);
    break; // streaming starts without reading the 5 GB
  }
  await src.close();
});

test('npz with ZIP64 offsets past 4 GB (sparse file) reads like Python reads it', async () => {
  const p = join(tmp, 'big.npz');
  const npyHeader = (descr: string, shape: string) => {
    let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
    h += ' '.repeat(63 - ((10 + h.length) % 64)) + '\n';
    const b = Buffer.alloc(10 + h.length);
    b.write('\x93NUMPY', 0, 'latin1');
    b[6] = 1;
    b.writeUInt16LE(h.length, 8);
    b.write(h, 10, 'latin1');
    return b;
  };
  const padHead = npyHeader('|u1', `(${BIG},)`);
  const wData = Buffer.concat([npyHeader('<f8', '(3,)'), Buffer.from(new Float64Array([0.5, -7, 42]).buffer)]);
  const parts: [number, Uint8Array][] = [];
  const central: Buffer[] = [];
  let at = 0;
  // the ZIP64 extended-information field (tag 1): the given 8-byte values in order
  const zip64Extra = (...values: number[]) => {
    const b = Buffer.alloc(4 + 8 * values.length);
    b.writeUInt16LE(1, 0);
    b.writeUInt16LE(8 * values.length, 2);
    values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
    return b;
  };
  const member = (name: string, size: number, crc: number, head: Uint8Array) => {
    const nm = Buffer.from(name);
    const extra = zip64Extra(size, size);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(nm.length, 26);
    local.writeUInt16LE(extra.length, 28);
    parts.push([at, Buffer.concat([local, nm, extra, head])]);
    const cextra = zip64Extra(size, size, at);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(45, 4);
    c.writeUInt16LE(45, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(0xffffffff, 20);
    c.writeUInt32LE(0xffffffff, 24);
    c.writeUInt16LE(nm.length, 28);
    c.writeUInt16LE(cextra.length, 30);
    c.writeUInt32LE(0xffffffff, 42);
    central.push(Buffer.concat([c, nm, cextra]));
    at += 30 + nm.length + extra.length + size;
  };
  member('pad.npy', padHead.length + BIG, 0, padHead);
  member('w.npy', wData.length, crc32(wData) >>> 0, wData);
  const cd = Buffer.concat(central);
  const cdAt = at;
  const end = Buffer.alloc(56 + 20 + 22);
  end.writeUInt32LE(0x06064b50, 0);
  end.writeBigUInt64LE(44n, 4);
  end.writeUInt16LE(45, 12);
  end.writeUInt16LE(45, 14);
  end.writeBigUInt64LE(2n, 24);
  end.writeBigUInt64LE(2n, 32);
  end.writeBigUInt64LE(BigInt(cd.length), 40);
  end.writeBigUInt64LE(BigInt(cdAt), 48);
  end.writeUInt32LE(0x07064b50, 56);
  end.writeBigUInt64LE(BigInt(cdAt + cd.length), 64);
  end.writeUInt32LE(1, 72);
  end.writeUInt32LE(0x06054b50, 76);
  end.writeUInt16LE(0xffff, 84);
  end.writeUInt16LE(0xffff, 86);
  end.writeUInt32LE(0xffffffff, 88);
  end.writeUInt32LE(0xffffffff, 92);
  parts.push([cdAt, Buffer.concat([cd, end])]);
  sparse(p, cdAt + cd.length + end.length, parts);
  const py = pythonJson<{ names: string[]; w: number[] }>(
    `
import json, sys, numpy as np
z = np.load(sys.argv[1])
print(json.dumps({"names": z.files, "w": z["w"].tolist()}))`,
    [p],
  );
  const src = await T.openTensors(p);
  assert.deepEqual(
    src.list().map((t) => t.name),
    py.names,
  );
  assert.deepEqual([...(await src.read('w'))], py.w);
  assert.equal(src.get('pad')!.numel, BIG);
  await src.close();
});

test('folder naming: subfolders prefix names, collisions get `file:name`, then #2', async () => {
  const root = join(tmp, 'folder');
  mkdirSync(join(root, 'vae'), { recursive: true });
  const st = (name: string) => oneF32(name, 7);
  writeFileSync(join(root, 'a.safetensors'), st('w'));
  writeFileSync(join(root, 'b.safetensors'), st('w'));
  writeFileSync(join(root, 'c.safetensors'), st('b.safetensors:w'));
  writeFileSync(join(root, 'vae', 'model.safetensors'), st('w'));
  writeFileSync(join(root, 'training_args.bin'), 'not a tensor file');
  writeFileSync(join(root, 'config.json'), '{}');
  symlinkSync(join(root, 'a.safetensors'), join(root, 'z_link.safetensors'));
  const src = await T.openTensors(root);
  assert.deepEqual(
    src.list().map((t) => t.name),
    ['w', 'b.safetensors:w', 'c.safetensors:b.safetensors:w', 'vae/w', 'z_link.safetensors:w'],
  );
  // the symlink is reported under its own name, and reads through to its target
  assert.equal(src.get('z_link.safetensors:w')!.file, join(root, 'z_link.safetensors'));
  assert.deepEqual([...(await src.read('vae/w'))], [7]);
  await src.close();
  // deterministic: same answer on a second open
  const again = await T.openTensors(root);
  assert.deepEqual(
    again.list().map((t) => t.name),
    ['w', 'b.safetensors:w', 'c.safetensors:b.safetensors:w', 'vae/w', 'z_link.safetensors:w'],
  );
  await again.close();
});

test('a manifest.jsonl keeps capture order and names; files it does not mention follow', async () => {
  const root = join(tmp, 'dump');
  mkdirSync(root, { recursive: true });
  const npy = (vals: number[]) => {
    const h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${vals.length},), }\n`;
    const b = Buffer.alloc(10 + h.length);
    b.write('\x93NUMPY', 0, 'latin1');
    b[6] = 1;
    b.writeUInt16LE(h.length, 8);
    b.write(h, 10, 'latin1');
    return Buffer.concat([b, Buffer.from(new Float32Array(vals).buffer)]);
  };
  writeFileSync(join(root, '0001.npy'), npy([1]));
  writeFileSync(join(root, '0002.npy'), npy([2]));
  writeFileSync(join(root, 'extra.npy'), npy([3]));
  writeFileSync(
    join(root, 'manifest.jsonl'),
    [
      { name: 'blocks.1.out', file: '0002.npy' },
      { name: 'blocks.0.out', file: '0001.npy' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n',
  );
  const src = await T.openTensors(root);
  assert.deepEqual(
    src.list().map((t) => t.name),
    ['blocks.1.out', 'blocks.0.out', 'extra'],
  );
  assert.deepEqual([...(await src.read('blocks.1.out'))], [2]);
  await src.close();
});

test('a run folder: each side keeps its own manifest order, prefixed by its folder; a partial last line is skipped', async () => {
  const run = join(tmp, 'run');
  for (const side of ['mlx', 'ref']) {
    mkdirSync(join(run, side), { recursive: true });
    writeFileSync(join(run, side, '00000-z.safetensors'), oneF32('z', 1));
    writeFileSync(join(run, side, '00001-a.safetensors'), oneF32('a', 2));
    const lines = [
      { index: 0, name: 'z', file: '00000-z.safetensors' },
      { index: 1, name: 'a', file: '00001-a.safetensors' },
    ].map((o) => JSON.stringify(o));
    // the MLX side was killed while writing its manifest
    writeFileSync(join(run, side, 'manifest.jsonl'), lines.join('\n') + (side === 'mlx' ? '\n{"index": 2, "na' : '\n'));
  }
  writeFileSync(join(run, 'run.json'), '{}');
  const src = await T.openTensors(run);
  assert.deepEqual(
    src.list().map((t) => t.name),
    ['mlx/z', 'mlx/a', 'ref/z', 'ref/a'],
  );
  assert.deepEqual([...(await src.read('ref/a'))], [2]);
  await src.close();
});

test('streaming stats match NumPy in float64 across chunk boundaries, NaN/inf chunks and a large offset', async () => {
  const p = join(tmp, 'stats.npy');
  const want = pythonJson<Record<string, number>>(
    `
import json, sys, numpy as np
rng = np.random.default_rng(5)
a = (10000 + rng.standard_normal(100003) * 1e-3).astype(np.float32)
a[17] = np.nan; a[50000] = np.inf; a[50001] = -np.inf; a[99999] = np.nan
np.save(sys.argv[1], a)
f = a[np.isfinite(a)].astype(np.float64)
print(json.dumps({"mean": f.mean(), "std": f.std(), "nan": int(np.isnan(a).sum()), "inf": int(np.isinf(a).sum())}))`,
    [p],
  );
  const { tensorStats, StatsAccumulator } = await import('../../../src/core/tensors/stats');
  const src = await T.openTensors(p);
  for (const chunkElements of [1000, 1 << 22]) {
    const acc = new StatsAccumulator();
    for await (const c of src.chunks('stats', { chunkElements })) acc.add(c);
    const s = acc.result();
    assert.equal(s.nan, want.nan);
    assert.equal(s.inf, want.inf);
    assert.equal(s.min, -Infinity);
    assert.equal(s.max, Infinity);
    assert.ok(Math.abs(s.mean! - want.mean) <= 1e-12 * want.mean, `mean ${s.mean} vs ${want.mean}`);
    assert.ok(Math.abs(s.std! - want.std) <= 1e-6 * want.std, `std ${s.std} vs ${want.std}`);
  }
  const whole = await tensorStats(src, 'stats');
  assert.equal(whole.finite, 100003 - 4);
  await src.close();
});

test('deflated .npz members inflate on demand under the cap; re-reading an evicted member works; a member over the cap is a ZipBomb', async () => {
  const p = join(tmp, 'many.npz');
  pythonJson(
    `
import sys, json, numpy as np
np.savez_compressed(sys.argv[1], **{f"m{i}": np.full(1000, i, np.float32) for i in range(5)})
print("{}")`,
    [p],
  );
  // each member is about 4 KB inflated; a 10 KB cap keeps at most two of them
  const src = await T.openTensors(p, { maxInflatedBytes: 10_000 });
  for (let i = 0; i < 5; i++) {
    const v = await src.read(`m${i}`);
    assert.equal(v.length, 1000);
    assert.ok(v.every((x) => x === i));
  }
  assert.equal((await src.read('m0'))[999], 0); // evicted, inflated again
  await src.close();
  await assert.rejects(
    async () => {
      const small = await T.openTensors(p, { maxInflatedBytes: 100 });
      try {
        await small.read('m1');
      } finally {
        await small.close();
      }
    },
    (e: unknown) => e instanceof T.ZipBomb && /more than the 100 bytes limit/.test((e as Error).message),
  );
});

test('`<V1` .npy data is UNKNOWN unless the caller names the 8-bit float flavour', async () => {
  const p = join(tmp, 'f8.npy');
  const h = "{'descr': '<V1', 'fortran_order': False, 'shape': (10, )}\n";
  const head = Buffer.alloc(10 + h.length);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(h.length, 8);
  head.write(h, 10, 'latin1');
  writeFileSync(p, Buffer.concat([head, Buffer.from(f8.hex, 'hex')]));
  const plain = await T.openTensors(p);
  assert.deepEqual([plain.get('f8')!.dtype, plain.get('f8')!.decodable], ['UNKNOWN', false]);
  await plain.close();
  const e4 = await T.openTensors(p, { npyV1Dtype: 'F8_E4M3' });
  assert.deepEqual([...(await e4.read('f8'))], f8.values);
  await e4.close();
});

test('manifest names are relative to the manifest, even for files in a subfolder', async () => {
  const root = join(tmp, 'nested-manifest');
  mkdirSync(join(root, 'blobs'), { recursive: true });
  writeFileSync(join(root, 'blobs', '1.safetensors'), oneF32('x', 3));
  writeFileSync(join(root, 'manifest.jsonl'), JSON.stringify({ name: 'latents', file: 'blobs/1.safetensors' }) + '\n');
  const src = await T.openTensors(root);
  assert.deepEqual(
    src.list().map((t) => t.name),
    ['latents'],
  );
  await src.close();
});
