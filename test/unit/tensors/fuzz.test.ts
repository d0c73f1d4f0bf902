// Bounded fuzzing: seeded random mutations of valid fixtures (truncation, byte flips, header
// overwrites, extreme integers, insertions/deletions) must each end in a typed
// TensorFileError or a complete read: never another exception, a hang or a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { openTensors, TensorFileError } from '../../../src/core/tensors';
import { fixtures } from './helpers';

const SEEDS = [
  'st/all_dtypes.safetensors',
  'st/mlx.safetensors',
  'npy/mlx_bf16.npy',
  'npy/fortran_3d_f32.npy',
  'npy/be_f64.npy',
  'npy/v3_f32.npy',
  'npz/deflated.npz',
  'npz/mlx_zip64_deflated.npz',
  'npz/mlx_zip64_stored.npz',
  'torch/views.pt',
  'torch/nested.pt',
  'torch/pytorch_model.bin',
  'torch/all_dtypes.pt',
];
const CASES_PER_SEED = 60;
const CASE_TIMEOUT_MS = 10_000;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Uint8Array, r: () => number): { bytes: Uint8Array; how: string } {
  const int = (n: number) => Math.floor(r() * n);
  const b = Uint8Array.from(src);
  // most structure lives at the start (headers) and the end (zip directories)
  const pos = () => (r() < 0.4 ? int(Math.min(b.length, 512)) : r() < 0.5 ? b.length - 1 - int(Math.min(b.length, 512)) : int(b.length));
  switch (int(6)) {
    case 0: {
      const at = int(b.length);
      return { bytes: b.subarray(0, at), how: `truncate at ${at}` };
    }
    case 1: {
      const n = 1 + int(8);
      const at: number[] = [];
      for (let k = 0; k < n; k++) {
        const p = pos();
        b[p] ^= 1 << int(8);
        at.push(p);
      }
      return { bytes: b, how: `flip bits at ${at.join(',')}` };
    }
    case 2: {
      const p = pos();
      const n = 1 + int(32);
      for (let k = p; k < Math.min(b.length, p + n); k++) b[k] = int(256);
      return { bytes: b, how: `randomise ${n} bytes at ${p}` };
    }
    case 3: {
      const p = Math.min(pos(), b.length - 8);
      const v = [0xff, 0x7f, 0x00, 0x80][int(4)];
      const n = [2, 4, 8][int(3)];
      for (let k = 0; k < n; k++) b[p + k] = v;
      return { bytes: b, how: `extreme ${n}-byte value 0x${v.toString(16)} at ${p}` };
    }
    case 4: {
      const p = pos();
      const n = 1 + int(16);
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, p));
      for (let k = 0; k < n; k++) out[p + k] = int(256);
      out.set(b.subarray(p), p + n);
      return { bytes: out, how: `insert ${n} bytes at ${p}` };
    }
    default: {
      const n = Math.min(1 + int(16), b.length);
      const p = Math.max(0, Math.min(pos(), b.length - n));
      const out = new Uint8Array(b.length - n);
      out.set(b.subarray(0, p));
      out.set(b.subarray(p + n), p);
      return { bytes: out, how: `delete ${n} bytes at ${p}` };
    }
  }
}

async function readEverything(path: string): Promise<'ok' | TensorFileError> {
  let src;
  try {
    src = await openTensors(path);
    for (const t of src.list()) {
      if (!t.decodable) continue;
      const v = await src.read(t.name);
      if (v.length !== t.numel) throw new Error(`read ${v.length} values for ${t.numel} elements`);
    }
    return 'ok';
  } catch (e) {
    if (e instanceof TensorFileError) return e;
    throw e;
  } finally {
    await src?.close();
  }
}

const { dir } = fixtures();
const tmp = mkdtempSync(join(tmpdir(), 'mflux-fuzz-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

SEEDS.forEach((seedFile, s) => {
  test(`fuzz ${seedFile}: ${CASES_PER_SEED} mutations end in a typed error or a full read`, async () => {
    const original = readFileSync(join(dir, seedFile));
    const r = rng(1000 + s);
    const tally = { ok: 0, typed: 0 };
    for (let c = 0; c < CASES_PER_SEED; c++) {
      const { bytes, how } = mutate(original, r);
      const path = join(tmp, `case-${s}-${c}${extname(seedFile)}`);
      writeFileSync(path, bytes);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('hang')), CASE_TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([readEverything(path), hang]);
        if (outcome === 'ok') tally.ok++;
        else {
          assert.doesNotMatch(outcome.message, /\n/);
          tally.typed++;
        }
      } catch (e) {
        assert.fail(`${seedFile} case ${c} (${how}): ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
      } finally {
        clearTimeout(timer);
        rmSync(path, { force: true });
      }
    }
    assert.equal(tally.ok + tally.typed, CASES_PER_SEED);
    assert.ok(tally.typed > 0, 'mutations should break some files');
  });
});

test('fuzz the pickle interpreter: 2,000 random opcode streams end in a typed error or a value', async () => {
  const { loadPickle, flattenTensors } = await import('../../../src/core/tensors/pickle');
  const r = rng(4242);
  const int = (n: number) => Math.floor(r() * n);
  // opcodes torch uses, plus a few it never does, with plausible arguments
  const pieces: (() => number[])[] = [
    () => [0x80, 2],
    () => [0x7d],
    () => [0x5d],
    () => [0x29],
    () => [0x28],
    () => [0x74],
    () => [0x73],
    () => [0x75],
    () => [0x61],
    () => [0x65],
    () => [0x52],
    () => [0x62],
    () => [0x51],
    () => [0x85],
    () => [0x86],
    () => [0x87],
    () => [0x4e],
    () => [0x88],
    () => [0x89],
    () => [0x32],
    () => [0x30],
    () => [0x31],
    () => [0x94],
    () => [0x81],
    () => [0x4b, int(256)],
    () => [0x4a, int(256), int(256), int(256), int(256)],
    () => [0x71, int(4)],
    () => [0x68, int(4)],
    () => [0x8c, 7, ...Buffer.from('storage')],
    () => [0x8c, 3, ...Buffer.from('cpu')],
    () => [0x8c, 1, ...Buffer.from(String(int(3)))],
    () => [0x63, ...Buffer.from('torch\nFloatStorage\n')],
    () => [0x63, ...Buffer.from('torch._utils\n_rebuild_tensor_v2\n')],
    () => [0x63, ...Buffer.from('collections\nOrderedDict\n')],
    () => [0x63, ...Buffer.from('torch\nbfloat16\n')],
    () => [0x8a, 1, int(256)],
    () => [0x8a, 9, ...Array.from({ length: 9 }, () => int(256))],
    () => [0x47, ...Array.from({ length: 8 }, () => int(256))],
    () => [0x95, int(256), 0, 0, 0, 0, 0, 0, 0],
    () => [0x58, int(5), 0, 0, 0, 0x61, 0x62],
    () => [int(256)],
    () => [0x2e],
  ];
  let typed = 0;
  let values = 0;
  for (let c = 0; c < 2000; c++) {
    const bytes: number[] = [];
    const n = 1 + int(40);
    for (let k = 0; k < n; k++) bytes.push(...pieces[int(pieces.length)]());
    if (r() < 0.8) bytes.push(0x2e);
    try {
      const { root } = loadPickle('fuzz.pkl', Uint8Array.from(bytes), { maxOps: 10_000 });
      flattenTensors('fuzz.pkl', root);
      values++;
    } catch (e) {
      if (!(e instanceof TensorFileError))
        assert.fail(
          `case ${c} [${bytes.map((b) => b.toString(16)).join(' ')}]: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`,
        );
      assert.doesNotMatch(e.message, /\n/);
      typed++;
    }
  }
  assert.equal(typed + values, 2000);
  assert.ok(values > 0 && typed > 0, `values ${values}, typed ${typed}`);
});
