// The image worker thread (as bundled) returns the same decoded pair and metrics as loading
// in-process, with the pixel buffers transferred intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { ensureGenerated, REPO_ROOT } from '../../helpers/python';
import { ImageLoader } from '../../../src/core/viewer/imageClient';
import { loadPair } from '../../../src/core/viewer/imageLoad';

test('image worker decodes in a thread and matches the in-process result', async () => {
  const dir = ensureGenerated('panels-host', 'test/fixtures/panels_host.py');
  const tmp = mkdtempSync(join(tmpdir(), 'image-worker-'));
  const file = join(tmp, 'imageWorker.js');
  buildSync({
    entryPoints: [join(REPO_ROOT, 'src/core/viewer/imageWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: file,
    logLevel: 'silent',
  });
  const loader = new ImageLoader(file);
  try {
    const a = join(dir, 'images', 'ref_rgba.png');
    const b = join(dir, 'images', 'cand_rgba.png');
    const [threaded, bad] = await Promise.all([loader.load(a, b, true), loader.load(join(dir, 'images', 'bad.png'), b, false)]);
    const inline = loadPair(a, b, true);
    assert.deepEqual(threaded.metrics, inline.metrics);
    assert.deepEqual(Buffer.from(threaded.ref!.values), Buffer.from(inline.ref!.values));
    assert.deepEqual(Buffer.from(threaded.cand!.rgba), Buffer.from(inline.cand!.rgba));
    assert.equal(bad.ref, null);
    assert.match(bad.problems[0], /not a PNG file/);
  } finally {
    loader.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
});
