// Complex tensors (C64/C128) in safetensors, .npy (<c8, <c16, big-endian, Fortran order),
// .npz (stored and deflated) and torch.save, written by NumPy and PyTorch
// (test/fixtures/make_complex.py): listed, read as magnitudes or as (re, im) pairs, and
// their stats are those of np.abs(z).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTensors, tensorStats } from '../../../src/core/tensors';
import { ensureGenerated } from '../../helpers/python';
import { firstMismatch } from './helpers';

interface Want {
  name: string;
  dtype: string;
  shape: number[];
  parts: string;
  abs: string;
  stats: { min: number | string | null; max: number | string | null; mean: number | null; std: number | null; nan: number; inf: number };
}

const dir = ensureGenerated('complex', 'test/fixtures/make_complex.py');
const expected: { files: Record<string, Want[]> } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const f64 = (hex: string) => {
  const b = Buffer.from(hex, 'hex');
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const close = (a: number | null, want: number | string | null, rel = 1e-12) => {
  const b = want === 'inf' ? Infinity : (want as number | null);
  return a === b || (a !== null && b !== null && Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)));
};

test('the fixture covers every container', () => {
  assert.deepEqual(
    Object.keys(expected.files)
      .map((f) => f.split('/')[0])
      .filter((v, i, a) => a.indexOf(v) === i)
      .sort(),
    ['npy', 'npz', 'st', 'torch'],
  );
});

for (const [rel, tensors] of Object.entries(expected.files)) {
  test(`${rel}: complex tensors are listed, read and summarised as NumPy sees them`, async () => {
    const src = await openTensors(join(dir, rel));
    try {
      for (const want of tensors) {
        const info = src.get(want.name);
        assert.ok(info, `${want.name} listed`);
        assert.equal(info.dtype, want.dtype);
        assert.deepEqual(info.shape, want.shape);
        assert.equal(info.decodable, true);
        assert.equal(info.byteLength, info.numel * (want.dtype === 'C64' ? 8 : 16));
        const double = want.dtype === 'C128';
        // (re, im) pairs exactly as stored (row-major, whatever the file's order or byte order)
        const pairs = await src.read(want.name, { complex: true });
        assert.equal(pairs instanceof Float64Array, double);
        assert.equal(firstMismatch(pairs, f64(want.parts), double), undefined, `${want.name} parts`);
        // without the option: one magnitude per element, |z| as np.abs computes it
        const mags = await src.read(want.name);
        const abs = f64(want.abs);
        assert.equal(mags.length, info.numel);
        for (let i = 0; i < abs.length; i++) {
          const ok = Number.isNaN(abs[i])
            ? Number.isNaN(mags[i])
            : mags[i] === abs[i] || Math.abs(mags[i] - abs[i]) <= (double ? 4e-16 : 1.2e-7) * Math.abs(abs[i]);
          assert.ok(ok, `${want.name}[${i}]: |z| ${mags[i]} vs NumPy ${abs[i]}`);
        }
        const s = await tensorStats(src, want.name);
        for (const k of ['min', 'max', 'mean', 'std'] as const) {
          assert.ok(close(s[k], want.stats[k], double ? 1e-12 : 1e-6), `${want.name}.${k}: ${s[k]} vs ${want.stats[k]}`);
        }
        assert.equal(s.nan, want.stats.nan, `${want.name} NaN count`);
        assert.equal(s.inf, want.stats.inf, `${want.name} Inf count`);
      }
    } finally {
      await src.close();
    }
  });
}

test('a real tensor read with { complex: true } comes as (x, 0) pairs', async () => {
  const src = await openTensors(join(dir, 'cand', 'more.safetensors'));
  try {
    const plain = await src.read('real');
    const pairs = await src.read('real', { complex: true });
    assert.equal(pairs.length, 2 * plain.length);
    for (let i = 0; i < plain.length; i++) {
      assert.equal(pairs[2 * i], plain[i]);
      assert.equal(pairs[2 * i + 1], 0);
    }
  } finally {
    await src.close();
  }
});
