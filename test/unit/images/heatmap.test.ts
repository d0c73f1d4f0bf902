import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ensureGenerated } from '../../helpers/python';
import { HeatmapAccumulator, heatGeometry, maxPool } from '../../../src/core/images/heatmap';
import { renderHeatmap } from '../../../src/core/images/render';
import { encodeIndexedPng, encodePng } from '../../../src/core/images/png';
import { colormap, legendFor } from '../../../src/core/images/colormap';

const dir = ensureGenerated('heatmaps', 'test/fixtures/make_heatmaps.py');
const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Record<string, Record<string, unknown> & { shape: number[] }>;

function f32(name: string): Float32Array {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function sameMap(actual: Float32Array, want: Float32Array, what: string): void {
  assert.equal(actual.length, want.length, `${what}: size`);
  for (let i = 0; i < want.length; i++) {
    const a = actual[i];
    const w = want[i];
    if (Number.isNaN(w)) assert.ok(Number.isNaN(a), `${what}[${i}] should be NaN`);
    else assert.ok(Math.abs(a - w) <= 1e-6 * Math.max(1, Math.abs(w)), `${what}[${i}]: ${a} vs ${w}`);
  }
}

/** Feeds the values in a few uneven pieces, as a stream would. */
function feed(acc: HeatmapAccumulator, data: Float32Array): void {
  let at = 0;
  for (const n of [7, 1000, 3, 12345]) {
    if (at >= data.length) break;
    acc.add(data.subarray(at, Math.min(data.length, at + n)));
    at += n;
  }
  if (at < data.length) acc.add(data.subarray(at));
}

test('NCHW: max and mean over channels, max-pooled, match NumPy; the single bad element survives', () => {
  const c = cases.nchw;
  const data = f32('nchw.in.f32');
  const g = heatGeometry(c.shape);
  for (const reduction of ['max', 'mean'] as const) {
    const acc = new HeatmapAccumulator(g, { reduction, maxSide: c.maxSide as number, channelSide: c.channelSide as number });
    feed(acc, data);
    const h = acc.finish(3);
    assert.deepEqual([h.main.height, h.main.width, h.main.poolY, h.main.poolX], [...(c[reduction] as number[]), 4, 4]);
    assert.equal(h.main.reduction, reduction);
    sameMap(h.main.data, f32(`nchw.${reduction}.f32`), reduction);
    if (reduction === 'max') {
      assert.equal(h.main.max, 50);
      const order = c.order as number[];
      assert.deepEqual(
        h.channels.map((m) => m.channel),
        order.slice(0, 3),
      );
      for (const m of h.channels) sameMap(m.data, f32(`nchw.ch${m.channel}.f32`), `channel ${m.channel}`);
    }
  }
});

test('[B, seq, dim] → seq × dim with NaN kept visible; 1-D → a strip; conv kernel → out × in', () => {
  for (const [name, rows, cols] of [
    ['seq', 'seq', 'dim'],
    ['strip', '', 'index'],
    ['weight', 'out', 'in'],
  ] as const) {
    const c = cases[name];
    const g = heatGeometry(c.shape, { name: name === 'weight' ? 'conv.weight' : name });
    assert.deepEqual([g.rowAxis, g.colAxis], [rows, cols]);
    const acc = new HeatmapAccumulator(g, { maxSide: c.maxSide as number });
    feed(acc, f32(`${name}.in.f32`));
    const h = acc.finish();
    assert.deepEqual([h.main.height, h.main.width], c.max);
    sameMap(h.main.data, f32(`${name}.max.f32`), name);
  }
});

test('packed latents map back to their spatial grid', () => {
  const c = cases.packed;
  const [height, width, channels] = c.grid as number[];
  const g = heatGeometry(c.shape, { packedGrid: { height, width, channels } });
  const acc = new HeatmapAccumulator(g);
  feed(acc, f32('packed.in.f32'));
  const h = acc.finish();
  assert.deepEqual([h.main.height, h.main.width], [8, 6]);
  sameMap(h.main.data, f32('packed.max.f32'), 'packed');
  // A tensor named like latents with a square token count is recognised without help.
  assert.equal(heatGeometry([1, 16, 64], { name: 'latents.step3' }).rows, 8);
});

test('maxPool (ndarray strided views) equals NumPy reshape-max with uneven edges', () => {
  const c = cases.pool;
  const [rows, cols] = c.shape;
  sameMap(maxPool(f32('pool.in.f32'), rows, cols, c.py as number, c.px as number), f32('pool.max.f32'), 'pool');
});

test('rendered heatmap round-trips through PNG with its legend', () => {
  const data = new Float32Array([0, 0.25, 0.5, 1, NaN, 0.75]);
  const map = {
    width: 3,
    height: 2,
    data,
    sourceWidth: 3,
    sourceHeight: 2,
    poolX: 1,
    poolY: 1,
    rowAxis: 'H',
    colAxis: 'W',
    reduction: 'none' as const,
    min: 0,
    max: 1,
  };
  const r = renderHeatmap(map, { zoom: 2, colormap: 'magma' });
  assert.deepEqual([r.width, r.height], [6, 4]);
  const png = PNG.sync.read(encodePng(r.width, r.height, r.rgba));
  assert.deepEqual(new Uint8Array(png.data), r.rgba);
  const cm = colormap('magma');
  const px = (x: number, y: number) => Array.from(png.data.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 4));
  assert.deepEqual(px(0, 0), [...cm(0)]);
  assert.deepEqual(px(3, 1), [...cm(0.25)]);
  assert.deepEqual(px(5, 1), [...cm(0.5)]);
  assert.deepEqual(px(1, 2), [...cm(1)]);
  assert.deepEqual(px(2, 2), [255, 0, 255, 255], 'NaN color');
  assert.deepEqual(
    r.legend.ticks.map((t) => t.label),
    ['0', '0.25', '0.5', '0.75', '1'],
  );
  const log = legendFor('viridis', 'log', 1e-6, 1e-2);
  assert.deepEqual(
    log.ticks.map((t) => t.label),
    ['1e-6', '1e-5', '1e-4', '1e-3', '1e-2'],
  );
  assert.deepEqual(
    log.ticks.map((t) => t.position),
    [0, 0.25, 0.5, 0.75, 1],
  );
  const div = renderHeatmap({ ...map, data: new Float32Array([-2, 0, 2, 1, -1, 0]), min: -2, max: 2 }, { colormap: 'diverging', zoom: 1 });
  assert.deepEqual([div.legend.low, div.legend.high], [-2, 2]);
  assert.ok(div.rgba[4] > 240 && div.rgba[5] > 240 && div.rgba[6] > 240, 'zero is near white');
  assert.ok(div.rgba[0] < div.rgba[2], 'negative is blue');
  assert.ok(div.rgba[8] > div.rgba[10], 'positive is red');
});

test('huge axes and channel counts stay bounded: a 5M-element strip keeps its one spike', () => {
  const n = 5_000_000;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i % 97) / 1000;
  const spike = 4_321_987;
  data[spike] = 7;
  const acc = new HeatmapAccumulator(heatGeometry([n]));
  feed(acc, data);
  const h = acc.finish();
  const px = Math.ceil(n / 512);
  assert.deepEqual([h.main.width, h.main.height, h.main.poolX], [Math.ceil(n / px), 1, px]);
  assert.equal(h.main.data[Math.floor(spike / px)], 7);
  assert.ok(h.main.data.every((v, i) => i === Math.floor(spike / px) || v <= 0.096 + 1e-7));
  // [1, 5M, 1, 1]: millions of channels are not tracked one by one
  const many = new HeatmapAccumulator(heatGeometry([1, n, 1, 1]));
  feed(many, data);
  const m = many.finish();
  assert.deepEqual([m.main.width, m.main.height, m.main.max, m.channels.length], [1, 1, 7, 0]);
});

test('encodeIndexedPng: noisy and flat maps (Huffman-only and run-length deflate) decode to the same indices and palette', () => {
  const w = 301;
  const h = 203;
  const palette = new Uint8Array(256 * 3).map((_, i) => (i * 37) & 255);
  let seed = 7;
  const noisy = new Uint8Array(w * h).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) & 3);
  const flat = new Uint8Array(w * h);
  flat.fill(200, 5000, 9000);
  for (const index of [noisy, flat]) {
    const png = PNG.sync.read(encodeIndexedPng(w, h, index, palette));
    assert.deepEqual([png.width, png.height], [w, h]);
    for (let i = 0; i < w * h; i++) {
      const c = index[i] * 3;
      const got = [png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]];
      if (got[0] !== palette[c] || got[1] !== palette[c + 1] || got[2] !== palette[c + 2])
        assert.fail(`pixel ${i}: ${got} vs index ${index[i]}`);
    }
  }
});
