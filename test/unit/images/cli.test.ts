// `mflux-port image-diff` (the built CLI) against scikit-image and mflux's rule.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ensureGenerated } from '../../helpers/python';
import { ensureBuilt, runCli } from '../../helpers/cli';

const dir = ensureGenerated('images', 'test/fixtures/make_images.py');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'mp-imagediff-'));

before(() => {
  ensureBuilt();
});
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('image-diff --json: fields, exit code from the golden rule, heatmap written', () => {
  for (const name of ['rgb', 'rgb_small_change', 'identical']) {
    const e = expected[name];
    const heat = join(tmp, `${name}.png`);
    const r = runCli('image-diff', join(dir, e.ref), join(dir, e.cand), '--json', '--heatmap', heat);
    const j = JSON.parse(r.stdout);
    assert.equal(r.code, e.golden['0.1'] <= 0.15 ? 0 : 1, name);
    assert.equal(j.width, e.width);
    assert.equal(j.height, e.height);
    assert.equal(j.mflux_mismatch_ratio, e.golden['0.1']);
    assert.equal(j.mflux_pass, e.golden['0.1'] <= 0.15);
    if (e.psnr === null) assert.equal(j.psnr, null);
    else assert.ok(Math.abs(j.psnr - e.psnr) < 1e-9);
    assert.ok(Math.abs(j.ssim - e.ssim) < 1e-9);
    assert.equal(j.max_abs, e.max_abs);
    const png = PNG.sync.read(readFileSync(heat));
    assert.deepEqual([png.width, png.height], [e.width, e.height]);
  }
});

test("image-diff --ssim uniform gives scikit-image's default call; a bad method is a usage error", () => {
  for (const name of ['rgb', 'tiny_changed']) {
    const e = expected[name];
    const j = JSON.parse(runCli('image-diff', join(dir, e.ref), join(dir, e.cand), '--json', '--ssim', 'uniform').stdout);
    assert.equal(j.ssim_method, 'uniform');
    assert.ok(Math.abs(j.ssim - e.ssim_uniform) < 1e-9, `${name}: ${j.ssim} vs ${e.ssim_uniform}`);
  }
  const text = runCli('image-diff', join(dir, expected.rgb.ref), join(dir, expected.rgb.cand), '--ssim', 'gaussian');
  assert.match(text.stdout, /^SSIM +0\.\d+ \(gaussian\)$/m);
  const bad = runCli('image-diff', join(dir, expected.rgb.ref), join(dir, expected.rgb.cand), '--ssim', 'box');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --ssim must be gaussian or uniform, got "box"$/m);
});

test('image-diff: --rtol and --threshold change the verdict exactly as mflux would', () => {
  const e = expected.rgb;
  const r = runCli('image-diff', join(dir, e.ref), join(dir, e.cand), '--json', '--rtol', '0.2', '--threshold', '0.3');
  assert.equal(JSON.parse(r.stdout).mflux_mismatch_ratio, e.golden['0.2']);
  assert.equal(r.code, e.golden['0.2'] <= 0.3 ? 0 : 1);
  const text = runCli('image-diff', join(dir, e.ref), join(dir, e.cand));
  assert.match(text.stdout, /PSNR +\d+\.\d+ dB/);
  assert.match(text.stdout, /FAIL \(threshold 15\.0%\)/);
});

test('image-diff: different sizes and bad files are exit 2 with one error line', () => {
  const r = runCli('image-diff', join(dir, 'size_a.png'), join(dir, 'size_b.png'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: images differ in size: .*size_a\.png is 30×20, .*size_b\.png is 30×21\n$/);
  const m = runCli('image-diff', join(dir, 'nope.png'), join(dir, 'size_b.png'));
  assert.equal(m.code, 2);
  assert.match(m.stderr, /^error: .*nope\.png: cannot read \(ENOENT\)\n$/);
  const j = runCli('image-diff', join(dir, 'expected.json'), join(dir, 'size_b.png'));
  assert.match(j.stderr, /^error: .*expected\.json: not a PNG file\n$/);
});
