// readPngPair (the CLI's decode: both files inflating at once, unfiltered in place into a
// kernel memory) against PIL's pixels and scikit-image's metrics, on both paths (kernels,
// TypeScript), and with readPng's errors in readPng's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { readPng } from '../../../src/core/images/png';
import { readPngPair } from '../../../src/core/images/pngPair';
import { imageDiffAndMap } from '../../../src/core/images/imageDiff';
import { kernels, useKernels } from '../../../src/core/kernels';
import type { DecodedImage } from '../../../src/core/images/types';

const filters = ensureGenerated('png-filters', 'test/fixtures/make_png_filters.py');
const cases = JSON.parse(readFileSync(join(filters, 'expected.json'), 'utf8')) as Record<string, { channels: number; bin: string }>;
const images = ensureGenerated('images', 'test/fixtures/make_images.py');
interface Expected {
  ref: string;
  cand: string;
  psnr: number | null;
  ssim: number | null;
  max_abs: number;
  mean_abs: number;
  golden: Record<string, number>;
}
const expected = JSON.parse(readFileSync(join(images, 'expected.json'), 'utf8')) as Record<string, Expected>;

/** PIL's pixels (the .bin beside each file) and their RGBA expansion, computed here from them. */
function assertPil(img: DecodedImage, file: string): void {
  const e = cases[file];
  const want = new Uint8Array(readFileSync(join(filters, e.bin)));
  assert.equal(img.channels, e.channels, file);
  assert.deepEqual(new Uint8Array(img.data), want, file);
  const n = img.width * img.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const v = want.subarray(i * e.channels, (i + 1) * e.channels);
    rgba.set([[v[0], v[0], v[0], 255], [v[0], v[0], v[0], v[1]], [...v, 255], [...v]][e.channels - 1], i * 4);
  }
  assert.deepEqual(new Uint8Array(img.rgba), rgba, `${file} as RGBA`);
}

const paths: [string, boolean][] = [
  ['TypeScript', false],
  ['kernel', true],
];

for (const [path, on] of paths) {
  test(`readPngPair: every colour type × filter, paired with every other, gives PIL's pixels (${path})`, async (t) => {
    if (on && !kernels()) return t.skip('dist/kernels.wasm not built');
    useKernels(on);
    try {
      const files = Object.keys(cases);
      assert.ok(files.length >= 24);
      // each file as the reference once and as the candidate once, beside a different layout
      for (let i = 0; i < files.length; i++) {
        const a = files[i];
        const b = files[(i + 7) % files.length];
        const pair = await readPngPair(join(filters, a), join(filters, b));
        assert.equal(pair.kernels === null, !on);
        assertPil(pair.ref, a);
        assertPil(pair.cand, b);
      }
    } finally {
      useKernels(true);
    }
  });

  test(`readPngPair + imageDiffAndMap match scikit-image and mflux's rule (${path})`, async () => {
    useKernels(on);
    try {
      for (const [name, e] of Object.entries(expected)) {
        const pair = await readPngPair(join(images, e.ref), join(images, e.cand));
        const { result: r, absDiff } = imageDiffAndMap(pair.ref, pair.cand, {}, undefined, pair.kernels);
        if (e.psnr === null) assert.equal(r.psnr, null, name);
        else assert.ok(Math.abs((r.psnr as number) - e.psnr) < 1e-9, name);
        if (e.ssim === null) assert.equal(r.ssim, null, name);
        else assert.ok(Math.abs((r.ssim as number) - e.ssim) < 1e-9, `${name}: ${r.ssim} vs ${e.ssim}`);
        assert.equal(r.max_abs, e.max_abs, name);
        assert.ok(Math.abs(r.mean_abs - e.mean_abs) < 1e-12, name);
        assert.equal(r.mflux_mismatch_ratio, e.golden['0.1'], name);
        // the per-pixel map: max |cand − ref| over R, G, B of PIL's RGBA, recomputed here
        const a = readPng(join(images, e.ref)).rgba;
        const b = readPng(join(images, e.cand)).rgba;
        const { map, max } = absDiff();
        let big = 0;
        for (let p = 0; p < map.length; p++) {
          let m = 0;
          for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(a[p * 4 + c] - b[p * 4 + c]));
          assert.equal(map[p], m, `${name} pixel ${p}`);
          big = Math.max(big, m);
        }
        assert.equal(max, big, name);
      }
    } finally {
      useKernels(true);
    }
  });
}

test("readPngPair: readPng's errors, the reference's first", async () => {
  const bad = join(filters, 'bad_filter.png');
  const good = join(filters, 'RGB_sub.png');
  const missing = join(filters, 'nope.png');
  const message = (f: string) => {
    try {
      readPng(f);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`${f} decoded`);
  };
  for (const on of [false, true]) {
    useKernels(on);
    try {
      await assert.rejects(readPngPair(bad, good), { message: message(bad) });
      await assert.rejects(readPngPair(good, bad), { message: message(bad) });
      await assert.rejects(readPngPair(bad, missing), { message: message(bad) });
      await assert.rejects(readPngPair(missing, bad), { message: message(missing) });
      for (const f of ['bad_more_data.png', 'bad_less_data.png', 'bad_bomb.png']) {
        const p = join(filters, f);
        await assert.rejects(readPngPair(good, p), { message: message(p) });
        assert.match(message(p), /: cannot decode PNG \(image data/);
      }
    } finally {
      useKernels(true);
    }
  }
});

test('readPngPair: a reserved kernel memory refuses to grow (its views would go stale)', async (t) => {
  if (!kernels()) return t.skip('dist/kernels.wasm not built');
  const f = join(filters, 'RGB_sub.png');
  const pair = await readPngPair(f, f);
  const k = pair.kernels;
  assert.ok(k && k !== kernels(), 'a private instance');
  const big = new Uint8Array(4 * 2048 * 2048);
  assert.throws(() => k.rgbaDiff(big, big, 2048 * 2048, 0), /reserved kernel memory cannot grow/);
  assertPil(pair.ref, 'RGB_sub.png');
});
