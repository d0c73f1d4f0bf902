// compareSources on wrapped sources: uneven, different chunk sizes on the two sides must give
// exactly the NumPy numbers; names that look like HTML stay text in the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { openTensors, type FloatChunk, type TensorInfo, type TensorSource } from '../../../src/core/tensors';
import { compareSources } from '../../../src/core/compare/engine';
import { renderHtmlReport } from '../../../src/core/compare/html';
import type { PairResult } from '../../../src/core/compare/types';

/** Re-yields a source's chunks in pieces whose sizes cycle through `sizes`. */
function rechunk(src: TensorSource, sizes: number[]): TensorSource {
  return {
    path: src.path,
    list: () => src.list(),
    get: (n) => src.get(n),
    read: (n, o) => src.read(n, o),
    close: () => src.close(),
    async *chunks(name, options) {
      let i = 0;
      for await (const c of src.chunks(name, options)) {
        let at = 0;
        while (at < c.length) {
          const n = sizes[i++ % sizes.length];
          yield c.subarray(at, at + n);
          at += n;
        }
      }
    },
  };
}

/** A source over arrays in memory. */
function memory(path: string, tensors: Record<string, { shape: number[]; data: Float32Array }>): TensorSource {
  const infos: TensorInfo[] = Object.entries(tensors).map(([name, t]) => ({
    name,
    dtype: 'F32',
    shape: t.shape,
    numel: t.data.length,
    byteLength: t.data.length * 4,
    file: path,
    decodable: true,
  }));
  return {
    path,
    list: () => infos,
    get: (n) => infos.find((i) => i.name === n),
    read: async (n) => tensors[n].data,
    close: async () => {},
    async *chunks(n): AsyncGenerator<FloatChunk> {
      yield tensors[n].data;
    },
  };
}

test('uneven chunks of different sizes on each side give the NumPy numbers', async () => {
  const dir = ensureGenerated('compare', 'test/fixtures/make_compare.py');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  const ref = rechunk(await openTensors(join(dir, 'ref')), [1, 5, 7, 13, 64, 3]);
  const cand = rechunk(await openTensors(join(dir, 'cand')), [11, 2, 97, 4]);
  try {
    const out = await compareSources(ref, cand, {
      refPath: ref.path,
      candPath: cand.path,
      windowElements: 333,
      map: { rename: [{ from: '^transformer_blocks\\.0\\.attn\\.to_q$', to: 'transformer.blocks.0.attention.wq' }] },
    });
    for (const [name, e] of Object.entries(expected)) {
      const p = out.report.pairs.find((x) => x.name === name) as PairResult;
      for (const k of ['max_abs', 'mean_abs', 'rmse', 'rel_l2', 'cosine', 'mismatch', 'nan_ref', 'inf_cand'] as const) {
        const want = e[k] as number | null;
        const got = p[k];
        if (want === null) assert.equal(got, null, `${name}.${k}`);
        else
          assert.ok(
            typeof got === 'number' && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)),
            `${name}.${k}: ${got} vs ${want}`,
          );
      }
      assert.deepEqual(p.max_abs_index, e.max_abs_index, `${name}.max_abs_index`);
      assert.deepEqual(p.histogram, e.histogram, `${name}.histogram`);
    }
  } finally {
    await ref.close();
    await cand.close();
  }
});

test('the HTML report escapes tensor names and paths', async () => {
  const evil = 'x"><img src=x onerror=alert(1)>&amp;';
  const a = memory('/tmp/<ref>', { [evil]: { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } });
  const b = memory('/tmp/<cand>', { [evil]: { shape: [2, 2], data: Float32Array.from([1, 2, 3, 5]) } });
  const out = await compareSources(a, b, { refPath: a.path, candPath: b.path, heatmaps: 'all' });
  assert.equal(out.report.first_divergence, evil);
  const html = renderHtmlReport(out);
  assert.ok(!html.includes('<img src=x'), 'no raw tag from a name');
  assert.ok(html.includes('x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;'));
  assert.ok(html.includes('/tmp/&lt;ref&gt;'));
});

test('a stream shorter than its header fails that pair with a reason, the rest goes on', async () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i);
  const full = memory('/tmp/full', { ok: { shape: [24], data }, short: { shape: [1, 2, 3, 4], data } });
  // the candidate's "short" tensor claims 24 elements (NHWC, so it is gathered) but yields 20
  const shortSrc = memory('/tmp/short', { ok: { shape: [24], data }, short: { shape: [1, 3, 4, 2], data } });
  const truncated: TensorSource = {
    ...shortSrc,
    async *chunks(name) {
      const d = (await shortSrc.read(name)) as Float32Array;
      yield name === 'short' ? d.subarray(0, 20) : d;
    },
  };
  const out = await compareSources(full, truncated, { refPath: full.path, candPath: truncated.path });
  const short = out.report.pairs.find((p) => p.name === 'short') as PairResult;
  assert.equal(short.pass, false);
  assert.match(short.reason ?? '', /read failed: \/tmp\/short: tensor "short" ended before its 24 elements/);
  assert.equal(out.report.pairs.find((p) => p.name === 'ok')?.pass, true);
});
