// The PNG decoder against PIL on files written with each filter type (test/fixtures/
// make_png_filters.py filters the rows itself, PIL decodes them): the kernel and the
// TypeScript unfilter both give PIL's bytes. Broken files are one-line errors naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { decodePng, readPng } from '../../../src/core/images/png';
import { kernels, useKernels } from '../../../src/core/kernels';

interface Case {
  channels: number;
  width: number;
  height: number;
  bin: string;
}

const dir = ensureGenerated('png-filters', 'test/fixtures/make_png_filters.py');
const cases = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Case>;
const paths: [string, boolean][] = [
  ['TypeScript', false],
  ['kernel', true],
];

for (const [path, on] of paths) {
  test(
    `every colour type × filter decodes to PIL's pixels (${path} unfilter)`,
    { skip: on && !kernels() ? 'dist/kernels.wasm not built' : false },
    () => {
      useKernels(on);
      try {
        assert.ok(Object.keys(cases).length >= 24);
        for (const [file, e] of Object.entries(cases)) {
          const img = readPng(join(dir, file));
          const want = new Uint8Array(readFileSync(join(dir, e.bin)));
          assert.equal(img.channels, e.channels, file);
          assert.equal(img.width, e.width, file);
          assert.deepEqual(img.data, want, file);
          // RGBA for display: grey spread over R, G, B; alpha 255 unless the file has alpha
          const n = e.width * e.height;
          for (let i = 0; i < n; i++) {
            const px = Array.from(img.rgba.subarray(i * 4, i * 4 + 4));
            const v = Array.from(want.subarray(i * e.channels, (i + 1) * e.channels));
            const rgba = [[v[0], v[0], v[0], 255], [v[0], v[0], v[0], v[1]], [...v, 255], v][e.channels - 1];
            assert.deepEqual(px, rgba, `${file} pixel ${i}`);
          }
        }
      } finally {
        useKernels(true);
      }
    },
  );
}

test('broken PNGs: a clear error naming the file and the reason', () => {
  const err = (file: string, re: RegExp) =>
    assert.throws(
      () => readPng(join(dir, file)),
      (e: Error) => e.message.startsWith(join(dir, file) + ': ') && re.test(e.message),
    );
  err('bad_more_data.png', /more image data than the header implies/);
  err('bad_less_data.png', /image data holds 784 bytes, the header implies 1568/);
  err('bad_bomb.png', /more image data than the header implies/); // stops at 64×64's size, not 16 MB
  for (const on of [false, true]) {
    useKernels(on);
    err('bad_filter.png', /row 2 has unknown filter type 7/);
    useKernels(true);
  }
  const good = readFileSync(join(dir, 'RGB_sub.png'));
  const crc = Buffer.from(good);
  crc[good.length - 20] ^= 1; // inside the last IDAT chunk
  assert.throws(() => decodePng(crc, 'c.png'), /^Error: c\.png: cannot decode PNG \(IDAT chunk has a bad CRC\)$/);
  assert.throws(
    () => decodePng(good.subarray(0, good.length - 12), 't.png'),
    /^Error: t\.png: cannot decode PNG \(truncated: no IEND chunk\)$/,
  );
  const long = Buffer.from(good);
  long.writeUInt32BE(0x7fffffff, 33); // the chunk after IHDR claims 2 GB
  assert.throws(
    () => decodePng(long, 'l.png'),
    /^Error: l\.png: cannot decode PNG \(tEXt chunk at byte 33 runs past the end of the file\)$/,
  );
});
