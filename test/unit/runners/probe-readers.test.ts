// What the probe writes is read by our tensor readers and paired by our compare engine without
// configuration. Expected values come from PyTorch/NumPy in the generator script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTensors } from '../../../src/core/tensors';
import { pairNames } from '../../../src/core/compare/pairing';
import { manifestNames, readManifestFile } from '../../../src/core/capture/manifest';
import { runPython } from '../../helpers/python';

interface Expected {
  name: string;
  dtype: string;
  shape: number[];
  values: number[];
}

const root = mkdtempSync(join(tmpdir(), 'mp-probe-read-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const expected = JSON.parse(runPython('test/unit/runners/fixtures/probe_dumps.py', [root])) as Record<'ref' | 'mlx', Expected[]>;

for (const side of ['ref', 'mlx'] as const) {
  test(`probe output (${side}) reads back through openTensors with the exact values`, async () => {
    const dir = join(root, side);
    const manifest = readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      manifest.map((m) => m.name),
      expected[side].map((e) => e.name),
    );
    for (const [i, e] of expected[side].entries()) {
      const src = await openTensors(join(dir, manifest[i].file));
      try {
        const infos = src.list();
        assert.deepEqual(
          infos.map((t) => t.name),
          [e.name],
        );
        assert.equal(infos[0].dtype, e.dtype);
        assert.deepEqual(infos[0].shape, e.shape);
        assert.deepEqual(Array.from(await src.read(e.name)), e.values);
      } finally {
        await src.close();
      }
    }
  });
}

for (const side of ['ref', 'mlx'] as const) {
  test(`probe output (${side}): the run folder opens as one source, in capture order, names as dumped`, async () => {
    const src = await openTensors(join(root, side));
    try {
      assert.deepEqual(
        src.list().map((i) => i.name),
        expected[side].map((e) => e.name),
      );
      for (const e of expected[side]) assert.deepEqual(Array.from(await src.read(e.name)), e.values, e.name);
    } finally {
      await src.close();
    }
  });
}

test('probe output: both sides pair by name without configuration, in capture order', () => {
  const ref = manifestNames(readManifestFile(join(root, 'ref', 'manifest.jsonl')));
  const mlx = manifestNames(readManifestFile(join(root, 'mlx', 'manifest.jsonl')));
  const p = pairNames(ref, mlx, [], { ref, cand: mlx });
  assert.equal(p.order, 'manifest');
  assert.deepEqual(
    p.pairs.map(([r]) => r),
    ['latents', 'noise_pred@step000', 'noise_pred@step001', 'noise_pred@step010'],
  );
  assert.deepEqual(
    p.pairs.map(([r, c]) => r === c),
    [true, true, true, true],
  );
  assert.deepEqual(p.unmatchedRef, ['timestep']);
  // without a manifest, natural order still puts step 10 after step 1
  assert.deepEqual(
    pairNames([...ref].reverse(), mlx, [])
      .pairs.map(([r]) => r)
      .slice(1, 4),
    ['noise_pred@step000', 'noise_pred@step001', 'noise_pred@step010'],
  );
  assert.ok(readdirSync(join(root, 'ref')).every((f) => f === 'manifest.jsonl' || /^\d{5}-.+\.safetensors$/.test(f)));
});

test("a run folder with the probe's cut and skipped records opens and pairs: those lines are not tensors", async () => {
  const dir = join(root, 'cut');
  const written = JSON.parse(runPython('test/unit/runners/fixtures/probe_cut.py', [dir])) as string[];
  const kinds = readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).kind ?? 'tensor');
  assert.deepEqual(kinds, ['tensor', 'skipped', 'tensor', 'cut']);
  assert.deepEqual(manifestNames(readManifestFile(join(dir, 'manifest.jsonl'))), written);
  const src = await openTensors(dir);
  try {
    assert.deepEqual(
      src.list().map((i) => i.name),
      written,
    );
    assert.deepEqual(
      Array.from(await src.read('b')),
      Array.from({ length: 100 }, (_, i) => i * 2),
    );
  } finally {
    await src.close();
  }
});
