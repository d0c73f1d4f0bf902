import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { readPng, decodePng } from '../../../src/core/images/png';
import {
  absDiffBytes,
  imageDiffAndMap,
  goldenCurve,
  goldenRatio,
  imageDiff,
  pixelMismatchMask,
  pixelAbsDiff,
} from '../../../src/core/images/imageDiff';
import { useKernels } from '../../../src/core/kernels';

interface Expected {
  ref: string;
  cand: string;
  width: number;
  height: number;
  psnr: number | null;
  ssim: number | null;
  ssim_uniform: number | null;
  max_abs: number;
  mean_abs: number;
  channels: number;
  golden: Record<string, number>;
  golden_atol3: number;
  golden_swapped: number;
  mask_pixels: number;
}

const dir = ensureGenerated('images', 'test/fixtures/make_images.py');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;

function close(actual: number | null, want: number | null, tol: number, what: string): void {
  if (want === null) return assert.equal(actual, null, what);
  assert.ok(actual !== null && Math.abs(actual - want) <= tol, `${what}: ${actual} vs ${want}`);
}

for (const [name, e] of Object.entries(expected)) {
  test(`image-diff ${name} matches scikit-image and mflux's rule`, () => {
    const ref = readPng(join(dir, e.ref));
    const cand = readPng(join(dir, e.cand));
    assert.equal(ref.channels, e.channels);
    const r = imageDiff(ref, cand);
    assert.equal(r.width, e.width);
    assert.equal(r.height, e.height);
    close(r.psnr, e.psnr, 1e-9, 'psnr');
    close(r.ssim, e.ssim, 1e-9, 'ssim');
    assert.equal(r.ssim_method, 'gaussian');
    const u = imageDiff(ref, cand, { ssim: 'uniform' });
    close(u.ssim, e.ssim_uniform, 1e-9, 'ssim (uniform, scikit-image default call)');
    assert.equal(u.ssim_method, 'uniform');
    if (e.ssim !== null && e.ssim !== 1) assert.notEqual(e.ssim, e.ssim_uniform, 'fixture must tell the two SSIMs apart');
    assert.equal(r.max_abs, e.max_abs);
    close(r.mean_abs, e.mean_abs, 1e-12, 'mean_abs');
    // The golden rule is counted, so it must be exact.
    assert.equal(r.mflux_mismatch_ratio, e.golden['0.1']);
    assert.equal(imageDiff(cand, ref).mflux_mismatch_ratio, e.golden_swapped);
    assert.equal(r.mflux_pass, e.golden['0.1'] <= 0.15);
    const keys = Object.keys(e.golden);
    const curve = goldenCurve(ref, cand, keys.map(Number));
    curve.forEach((p, i) => assert.equal(p.ratio, e.golden[keys[i]], `rtol ${keys[i]}`));
    assert.equal(goldenRatio(ref, cand, 0.1, 3), e.golden_atol3);
    const mask = pixelMismatchMask(ref, cand);
    assert.equal(
      mask.reduce((s, v) => s + v, 0),
      e.mask_pixels,
    );
    assert.equal(pixelAbsDiff(ref, cand).max, e.max_abs);
  });
}

test('the golden rule is asymmetric: the tolerance is relative to the reference', () => {
  const e = expected.rgb;
  assert.notEqual(e.golden['0.1'], e.golden_swapped, 'fixture must show the asymmetry');
});

test('different sizes are a clear error naming both files', () => {
  const a = readPng(join(dir, 'size_a.png'));
  const b = readPng(join(dir, 'size_b.png'));
  assert.throws(() => imageDiff(a, b, {}, { ref: 'size_a.png', cand: 'size_b.png' }), /size_a\.png is 30×20, size_b\.png is 30×21/);
});

test('RGB against RGBA is refused (np.isclose could not broadcast them either)', () => {
  const a = readPng(join(dir, expected.rgb.ref));
  const b = readPng(join(dir, expected.rgba.ref));
  const c = { ...b, width: a.width, height: a.height };
  assert.throws(() => imageDiff(a, c), /RGB.*RGBA|RGBA.*RGB/);
});

test('bad PNG bytes are a one-line error with the label', () => {
  assert.throws(() => decodePng(Buffer.from('not a png at all, really not a png'), 'x.png'), /^Error: x\.png: not a PNG file$/);
  const good = readFileSync(join(dir, expected.rgb.ref));
  const truncated = good.subarray(0, 60);
  assert.throws(() => decodePng(truncated, 't.png'), /^Error: t\.png: cannot decode PNG/);
  const huge = Buffer.from(good);
  huge.writeUInt32BE(200000, 16);
  huge.writeUInt32BE(200000, 20);
  assert.throws(() => decodePng(huge, 'h.png'), /h\.png: PNG is 200000×200000/);
});

test('the kernel gives the TypeScript loops’ metrics exactly (sums, max, joint histogram, SSIM, |diff| map)', () => {
  let seed = 99;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  // 301×211: more pixels than one 16,384-pixel block of the kernel, and a tail of 3
  const make = (w: number, h: number, channels: 3 | 4, f: (i: number) => number) => {
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (channels === 3 && i % 4 === 3 ? 255 : f(i)));
    const data = channels === 4 ? rgba : rgba.filter((_, i) => i % 4 !== 3);
    return { width: w, height: h, channels, data, rgba, colorType: channels === 4 ? 6 : 2 } as const;
  };
  const cases = [
    ['noise RGB', make(301, 211, 3, rnd), make(301, 211, 3, rnd)],
    ['noise RGBA', make(301, 211, 4, rnd), make(301, 211, 4, rnd)],
    ['0 vs 255 (largest sums)', make(257, 129, 3, () => 0), make(257, 129, 3, () => 255)],
    ['close', make(33, 17, 3, (i) => i * 7), make(33, 17, 3, (i) => i * 7 + (i % 5))],
  ] as const;
  for (const [what, a, b] of cases) {
    const simd = imageDiffAndMap(a, b);
    const map = absDiffBytes(a, b);
    useKernels(false);
    const ts = imageDiffAndMap(a, b);
    const tsMap = absDiffBytes(a, b);
    useKernels(true);
    assert.ok(typeof ts.result.ssim === 'number', what);
    assert.deepEqual(simd.result, ts.result, what); // SSIM included, bit for bit
    for (const m of [map, simd.absDiff(), ts.absDiff()]) {
      assert.deepEqual(m.map, tsMap.map, what);
      assert.equal(m.max, tsMap.max, what);
    }
  }
  // (the TypeScript loops are checked against scikit-image and NumPy above); an independent recount:
  const [, a, b] = cases[0];
  const d = Array.from(a.rgba, (v, i) => (i % 4 === 3 ? 0 : Math.abs(v - b.rgba[i])));
  assert.equal(
    imageDiff(a, b, { skipSsim: true }).max_abs,
    d.reduce((m, v) => (v > m ? v : m), 0),
  );
});
