// Bounded fuzzing: seeded random mutations of valid fixtures (truncation, byte flips, header
// overwrites, extreme integers, insertions/deletions, test/unit/tensors/mutate.ts). Each case is
// judged against what NumPy/PyTorch read from the same bytes (test/fixtures/fuzz_oracle.py): a
// truncated file is rejected; a file changed only past its header is read; a rejection is a
// one-line TensorFileError naming the file; a read gives NumPy's/PyTorch's names and values and
// declares no more data than the file holds. Never another exception or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { openTensors, TensorFileError } from '../../../src/core/tensors';
import { runPython } from '../../helpers/python';
import { fixtures } from './helpers';
import { mutate, rng } from './mutate';

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

interface Read {
  readonly tensors: { name: string; values: Float64Array }[];
  /** Bytes of raw data the file declares for its tensors. */
  readonly declared: number;
}

/** Every decodable tensor as float64, or whatever the reader threw (not rethrown: judged below). */
async function readEverything(path: string): Promise<Read | { thrown: unknown }> {
  let src;
  try {
    src = await openTensors(path);
    const tensors = [];
    let declared = 0;
    for (const t of src.list()) {
      declared += t.byteLength;
      if (!t.decodable) continue;
      const v = await src.read(t.name, { float64: true });
      tensors.push({ name: t.name, values: Float64Array.from(v) });
    }
    return { tensors, declared };
  } catch (e) {
    return { thrown: e };
  } finally {
    await src?.close().catch(() => undefined);
  }
}

type Oracle = Record<string, { ok: false; error: string } | { ok: true; tensors: [string, number][] }>;

/** What NumPy/PyTorch read from each file (test/fixtures/fuzz_oracle.py), values as float64. */
function oracle(paths: string[]): Map<string, { error: string } | { tensors: { name: string; values: Float64Array }[] }> {
  const list = join(tmp, 'list.json');
  writeFileSync(list, JSON.stringify(paths));
  runPython('test/fixtures/fuzz_oracle.py', [list, join(tmp, 'oracle.json'), join(tmp, 'oracle.f64')]);
  const index = JSON.parse(readFileSync(join(tmp, 'oracle.json'), 'utf8')) as Oracle;
  const blob = readFileSync(join(tmp, 'oracle.f64'));
  const all = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.length));
  let at = 0;
  const out = new Map<string, { error: string } | { tensors: { name: string; values: Float64Array }[] }>();
  for (const p of paths) {
    const o = index[p];
    if (!o.ok) out.set(p, { error: o.error });
    else out.set(p, { tensors: o.tensors.map(([name, n]) => ({ name, values: all.subarray(at, (at += n)) })) });
  }
  return out;
}

/** Where the data of a .npy or .safetensors file starts (its header ends), from the original bytes. */
function dataStart(file: string, b: Buffer): number | null {
  if (file.endsWith('.safetensors')) return 8 + Number(b.readBigUInt64LE(0));
  if (file.endsWith('.npy')) return b[6] === 1 ? 10 + b.readUInt16LE(8) : 12 + b.readUInt32LE(8);
  return null; // zip containers: a data byte is covered by a CRC
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

const { dir } = fixtures();
const tmp = mkdtempSync(join(tmpdir(), 'mflux-fuzz-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

SEEDS.forEach((seedFile, s) => {
  test(`fuzz ${seedFile}: each of ${CASES_PER_SEED} mutations is rejected naming the file, or read as NumPy/PyTorch read it`, async () => {
    const original = readFileSync(join(dir, seedFile));
    const start = dataStart(seedFile, original);
    const deflated = seedFile.includes('deflated');
    const r = rng(1000 + s);
    const cases = Array.from({ length: CASES_PER_SEED }, (_, c) => {
      const m = mutate(original, r);
      const path = join(tmp, `case-${s}-${c}${extname(seedFile)}`);
      writeFileSync(path, m.bytes);
      return { ...m, c, path };
    });
    const want = oracle([join(dir, seedFile), ...cases.map((k) => k.path)]);
    const intact = want.get(join(dir, seedFile))!;
    if (!('tensors' in intact)) assert.fail(`NumPy/PyTorch refuse the intact ${seedFile}: ${intact.error}`);
    const originalTensors = intact.tensors;
    let rejected = 0;
    for (const k of cases) {
      const where = `${seedFile} case ${k.c} (${k.how})`;
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${where}: no answer within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
      });
      const got = await Promise.race([readEverything(k.path), hang]).finally(() => clearTimeout(timer));
      const py = want.get(k.path)!;
      const diff = firstDifference(k.bytes, original);
      // The same length, changed only past the header: still a valid file, whatever the values.
      const dataOnly = diff === -1 || (start !== null && k.bytes.length === original.length && diff >= start);
      if ('thrown' in got) {
        const e = got.thrown;
        if (!(e instanceof TensorFileError))
          assert.fail(`${where}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}, not a TensorFileError`);
        assert.equal(e.file, k.path, `${where}: the error names ${e.file}`);
        assert.equal(e.message, `${k.path}: ${e.reason}`, where);
        assert.ok(e.reason.length > 0 && !/\n/.test(e.reason), `${where}: reason ${JSON.stringify(e.reason)}`);
        assert.ok(!dataOnly, `${where}: only data bytes changed (NumPy/PyTorch read it), yet rejected: ${e.reason}`);
        rejected++;
        continue;
      }
      assert.notEqual(k.kind, 'truncate', `${where}: a truncated file was read`);
      // Where NumPy/PyTorch refuse the file, the damage must be in a part this reader does not
      // use (a zip directory field, say): it reads the original's values, never other numbers.
      const expect = 'tensors' in py ? py.tensors : originalTensors;
      const from = 'tensors' in py ? 'NumPy/PyTorch read' : `NumPy/PyTorch refuse it (${py.error}); the original holds`;
      // (a lone .npy is named after its file, so the original's name is not the case's)
      const named = (ts: readonly { name: string }[]) => ts.map((t) => (seedFile.endsWith('.npy') ? '(the file)' : t.name));
      assert.deepEqual(named(got.tensors), named(expect), `${where}: tensor names (${from} these)`);
      got.tensors.forEach((t, i) => {
        const p = expect[i].values;
        assert.equal(t.values.length, p.length, `${where}: ${t.name} length`);
        const bad = t.values.findIndex((v, j) => !sameValue(v, p[j]));
        assert.equal(bad, -1, `${where}: ${t.name}[${bad}] = ${t.values[bad]}, ${from} ${p[bad]}`);
      });
      if (!deflated)
        assert.ok(got.declared <= k.bytes.length, `${where}: ${got.declared} bytes of data declared in a ${k.bytes.length}-byte file`);
    }
    assert.ok(rejected > 0, `${seedFile}: no mutation was rejected`);
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
