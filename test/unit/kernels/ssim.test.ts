// Gaussian SSIM through the SIMD kernel gives the TypeScript loop's number bit for bit (odd
// and even widths, the smallest valid sizes, constant and extreme images); agreement with
// scikit-image is checked in test/unit/images/imageDiff.test.ts through the same entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssimRgb } from '../../../src/core/images/ssim';
import { kernels, useKernels } from '../../../src/core/kernels';
import type { DecodedImage } from '../../../src/core/images/types';

function image(w: number, h: number, f: (i: number) => number): DecodedImage {
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = f(i) & 255;
  return { width: w, height: h, rgba } as unknown as DecodedImage;
}

test('Gaussian SSIM: kernel = TypeScript, bit for bit', { skip: kernels() ? false : 'dist/kernels.wasm not built' }, () => {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
  const cases: [string, number, number, (i: number) => number, (i: number) => number][] = [
    ['noise vs shifted noise 257×131', 257, 131, rnd, (i) => (i * 7 + 3) ^ rnd()],
    ['smooth ramp vs a bright patch 64×64', 64, 64, (i) => i >> 4, (i) => (i % 997 < 40 ? 255 : i >> 4)],
    ['11×11, the smallest valid', 11, 11, rnd, rnd],
    ['12×40, even valid width', 12, 40, rnd, rnd],
    ['constant 0 vs constant 255', 33, 17, () => 0, () => 255],
    ['identical', 50, 21, (i) => i * 31, (i) => i * 31],
  ];
  for (const [what, w, h, fa, fb] of cases) {
    const a = image(w, h, fa);
    const b = image(w, h, fb);
    const simd = ssimRgb(a, b);
    useKernels(false);
    const ts = ssimRgb(a, b);
    useKernels(true);
    assert.ok(typeof ts === 'number' && Number.isFinite(ts), what);
    assert.equal(Object.is(simd, ts), true, `${what}: ${simd} vs ${ts}`);
  }
  assert.equal(ssimRgb(image(10, 40, rnd), image(10, 40, rnd)), null, 'narrower than the window');
});
