// chunks(…, { reuse: true }): the reader reads into two buffers in turn (the compare engine and
// its workers consume each chunk before asking for the next), and the values are still NumPy's,
// for whole tensors and element ranges with an uneven last chunk; a source that cannot read in
// place (a .npz member) still streams fresh chunks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTensors, type FloatChunk } from '../../../src/core/tensors';
import { pythonJson } from '../../helpers/python';

const tmp = mkdtempSync(join(tmpdir(), 'mp-reuse-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

pythonJson(
  `
import sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(3)
x = rng.standard_normal(1_000_003).astype(np.float32)
x[999_999] = np.nan
y = rng.standard_normal((301, 333)) # float64
np.save(out + "/x.npy", x); x.tofile(out + "/x.raw")
np.save(out + "/y.npy", y); y.tofile(out + "/y.raw")
np.savez(out + "/z.npz", x=x)
print("{}")
`,
  [tmp],
);

function raw(name: string, wide: boolean): Float32Array | Float64Array {
  const b = readFileSync(join(tmp, name));
  const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return wide ? new Float64Array(buf) : new Float32Array(buf);
}

/** Streams and copies each chunk at once (as a consumer done with it before the next). */
async function stream(path: string, name: string, opts: object): Promise<{ values: number[]; buffers: ArrayBufferLike[] }> {
  const src = await openTensors(path);
  const values: number[] = [];
  const buffers: ArrayBufferLike[] = [];
  try {
    for await (const c of src.chunks(name, opts) as AsyncIterable<FloatChunk>) {
      values.push(...c);
      buffers.push(c.buffer);
    }
  } finally {
    await src.close();
  }
  return { values, buffers };
}

function same(got: number[], want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}[${i}]: ${got[i]} vs NumPy ${want[i]}`);
}

test('reused chunk buffers give NumPy values: whole tensors, ranges, uneven last chunk', async () => {
  const x = raw('x.raw', false);
  const y = raw('y.raw', true);
  const whole = await stream(join(tmp, 'x.npy'), 'x', { chunkElements: 65536, reuse: true });
  same(whole.values, x, 'x');
  // two buffers in turn: chunk k and chunk k + 2 share one, chunk k + 1 is the other
  assert.equal(new Set(whole.buffers).size, 2);
  assert.equal(whole.buffers[0], whole.buffers[2]);
  assert.notEqual(whole.buffers[0], whole.buffers[1]);
  const range = await stream(join(tmp, 'x.npy'), 'x', { chunkElements: 100_000, start: 300_000, end: 1_000_003, reuse: true });
  same(range.values, x.subarray(300_000), 'x[300000:]');
  same((await stream(join(tmp, 'y.npy'), 'y', { chunkElements: 7_000, reuse: true })).values, y, 'y');
  // without reuse every chunk has its own buffer
  const fresh = await stream(join(tmp, 'x.npy'), 'x', { chunkElements: 65536 });
  assert.equal(new Set(fresh.buffers).size, fresh.buffers.length);
});

test('a .npz member (no in-place reads) streams fresh chunks with reuse asked for', async () => {
  const got = await stream(join(tmp, 'z.npz'), 'x', { chunkElements: 65536, reuse: true });
  same(got.values, raw('x.raw', false), 'z.npz x');
});
