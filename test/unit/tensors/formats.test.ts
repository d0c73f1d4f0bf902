// Every fixture written by NumPy/PyTorch (test/fixtures/make_tensors.py) must list exactly what
// Python sees and decode to NumPy's values, bit for bit after rounding to float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openTensors } from '../../../src/core/tensors';
import { expectedValues, firstMismatch, fixtures } from './helpers';

const { dir, files } = fixtures();

for (const f of files) {
  test(`reads ${f.path}`, async () => {
    const src = await openTensors(join(dir, f.path));
    try {
      const listed = src.list().map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] }));
      assert.deepEqual(
        listed,
        f.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
      );
      for (const t of f.tensors) {
        const info = src.get(t.name)!;
        assert.equal(
          info.numel,
          t.shape.reduce((a, b) => a * b, 1),
        );
        if (!t.values) continue;
        const want = expectedValues(dir, t.values);
        const got = await src.read(t.name);
        assert.equal(got instanceof Float64Array, t.dtype === 'F64', `${t.name}: output type`);
        const bad = firstMismatch(got, want, t.dtype === 'F64');
        assert.equal(bad, undefined, `${t.name}: ${bad}`);
        // streaming in tiny chunks gives the same values in the same order
        const parts: number[] = [];
        for await (const c of src.chunks(t.name, { chunkElements: 3 })) {
          assert.ok(c.length <= 3 && c.length > 0);
          parts.push(...c);
        }
        assert.equal(firstMismatch(parts, want, t.dtype === 'F64'), undefined, `${t.name} (chunked)`);
        if (['I32', 'U32', 'I64', 'U64'].includes(t.dtype)) {
          // float64: true keeps wide integers exact
          const wide = await src.read(t.name, { float64: true });
          assert.ok(wide instanceof Float64Array);
          assert.equal(firstMismatch(wide, want, true), undefined, `${t.name} (float64)`);
        }
      }
    } finally {
      await src.close();
    }
  });
}
