// The in-memory strided gathers against NumPy: for 1/2/4/8-byte elements and a few views
// (a transpose, an NHWC -> NCHW permute, a stepped slice of a permute), the bytes of
// np.ascontiguousarray(view) equal what gatherFrom (in odd-sized chunks) and gatherRowsTiled give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatherFrom, gatherRowsTiled } from '../../../src/core/tensors/gather';
import { pythonJson } from '../../helpers/python';

interface Case {
  readonly name: string;
  readonly es: number;
  readonly shape: number[];
  /** Element strides of the view into `src`. */
  readonly strides: number[];
  readonly src: string;
  readonly want: string;
}

const cases = pythonJson<Case[]>(`
import base64, json
import numpy as np
rng = np.random.default_rng(7)
out = []
for dt in (np.uint8, np.float16, np.float32, np.float64):
    es = np.dtype(dt).itemsize
    base = rng.integers(0, 256, size=6 * 10 * 14 * 12 * es, dtype=np.uint8).view(dt)
    views = {
        "transpose": base.reshape(60, 168).T,
        "nhwc_to_nchw": base.reshape(6, 10, 14, 12).transpose(0, 3, 1, 2),
        "stepped": base.reshape(6, 10, 14, 12).transpose(2, 0, 3, 1)[:, ::2, :, ::3],
    }
    for name, v in views.items():
        out.append({
            "name": f"{name} {np.dtype(dt).name}",
            "es": es,
            "shape": list(v.shape),
            "strides": [s // es for s in v.strides],
            "src": base64.b64encode(base.tobytes()).decode(),
            "want": base64.b64encode(np.ascontiguousarray(v).tobytes()).decode(),
        })
print(json.dumps(out))
`);

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

test('gatherFrom in chunks gives NumPy contiguous bytes for every element size', () => {
  assert.equal(cases.length, 12);
  for (const c of cases) {
    const src = bytes(c.src);
    const want = bytes(c.want);
    const n = want.length / c.es;
    const got = new Uint8Array(want.length);
    // chunks that end mid-row, so each one starts from a multi-index inside the view
    for (let start = 0; start < n; start += 37) {
      const cnt = Math.min(37, n - start);
      gatherFrom(src, 0, c.shape, c.strides, start, cnt, c.es, got.subarray(start * c.es, (start + cnt) * c.es));
    }
    assert.deepEqual(got, want, c.name);
  }
});

test('gatherRowsTiled gives NumPy contiguous bytes for whole rows from any first row', () => {
  for (const c of cases) {
    const src = bytes(c.src);
    const want = bytes(c.want);
    const cols = c.shape[c.shape.length - 1];
    const rows = want.length / c.es / cols;
    const row0 = Math.floor(rows / 3);
    const got = new Uint8Array((rows - row0) * cols * c.es);
    gatherRowsTiled(src, c.shape, c.strides, row0, rows - row0, c.es, got);
    assert.deepEqual(got, want.subarray(row0 * cols * c.es), c.name);
  }
});
