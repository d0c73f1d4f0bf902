// The parity report's detail pane and panel states in headless Chromium: the pytest assertion
// (checked in NumPy), exports, the heatmap with its legend, colormap and scale, the empty and
// error states, and the capture notes above the table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pythonJson } from '../helpers/python';
import { openPanel, useBrowser } from './harness';
import { details, dir, expected, first, openReport, report, initMessage, pairsReport } from './parityHarness';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
type HTMLElement = any;

/** `shown` is `value` rounded to the significant digits it shows (at least two). */
function assertShows(shown: string | null, value: number, what: string): void {
  if (value === 0) return assert.equal(shown, '0', what);
  const digits = shown!.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length;
  assert.ok(digits >= 2, `${what}: ${shown}`);
  assert.equal(Number(shown), Number(value.toPrecision(digits)), `${what}: ${shown} for ${value}`);
}

describe('parity report webview: detail and states', () => {
  const browser = useBrowser();

  it('copies a pytest assertion whose tolerance passes in NumPy', async () => {
    const h = await openReport(browser());
    await h.page.click('#copy-pytest');
    const text = String((await h.waitForPosted('copyText')).payload.text);
    assert.match(
      text,
      /np\.testing\.assert_allclose\(mlx_transformer_blocks_9_attn_out, ref_transformer_blocks_9_attn_out, rtol=1e-5, atol=/,
    );
    const atol = Number(text.match(/atol=([0-9.e-]+)[,)]/)![1]);
    assert.ok(atol >= expected[first].needed_atol && atol < expected[first].needed_atol * 1.2, `atol ${atol}`);
    const d = details[first];
    const ok = pythonJson<boolean>(
      `import json,sys,numpy as np
d=json.load(open(sys.argv[1]))[sys.argv[2]]
r=np.array(d['elements']['ref'],dtype=np.float32); c=np.array(d['elements']['cand'],dtype=np.float32)
try:
    np.testing.assert_allclose(c, r, rtol=1e-5, atol=float(sys.argv[3])); print('true')
except AssertionError:
    print('false')`,
      [join(dir, 'details.json'), first, String(atol)],
    );
    assert.equal(ok, true);
    assert.ok(d);
    await h.close();
  });

  it('asks the host to export JSON and HTML', async () => {
    const h = await openReport(browser());
    await h.page.click('#export-json');
    assert.deepEqual((await h.waitForPosted('exportReport')).payload, { format: 'json' });
    await h.page.click('#export-html');
    assert.deepEqual((await h.waitForPosted('exportReport', 2)).payload, { format: 'html' });
    await h.close();
  });

  it('shows the heatmap with a legend and repaints it for another colormap and scale, as matplotlib colours it', async () => {
    const h = await openReport(browser());
    await h.page.waitForSelector('#legend-high');
    const heat = details[first].heatmap as { width: number; height: number; values: number[] };
    // The colour each cell must show, from matplotlib's colormaps: the level is |diff| over
    // [0, max] (linear) or log10 over [min positive, max] (log); one level is 1/255 of the range.
    const want = pythonJson<Record<string, { low: number; high: number; rgb: number[][] }>>(
      `import json, sys, numpy as np, matplotlib
v = np.array(json.loads(sys.argv[1]), dtype=np.float32).astype(np.float64)
out = {}
for cmap, scale in (("magma", "linear"), ("gray", "linear"), ("gray", "log")):
    lo = v[v > 0].min() if scale == "log" else 0.0
    hi = v.max()
    t = (np.log10(v) - np.log10(lo)) / (np.log10(hi) - np.log10(lo)) if scale == "log" else v / hi
    rgb = matplotlib.colormaps[cmap](np.clip(t, 0, 1))[:, :3] * 255
    out[cmap + ":" + scale] = {"low": float(lo), "high": float(hi), "rgb": rgb.tolist()}
print(json.dumps(out))`,
      [JSON.stringify(heat.values)],
    );
    const cells = async () =>
      h.page.$eval(
        '#heatmap',
        (c: any, [w, hh]) => {
          const [x0, y0, bw, bh] = JSON.parse(c.dataset.box);
          const k = c.width / c.clientWidth;
          const ctx = c.getContext('2d');
          const out: number[][] = [];
          for (let y = 0; y < hh; y++)
            for (let x = 0; x < w; x++)
              out.push(
                Array.from(
                  ctx.getImageData(Math.floor((x0 + ((x + 0.5) * bw) / w) * k), Math.floor((y0 + ((y + 0.5) * bh) / hh) * k), 1, 1).data,
                ),
              );
          return out;
        },
        [heat.width, heat.height] as const,
      );
    const pick = async (id: string, value: string) => {
      await h.page.$eval(
        `#${id}`,
        (el: any, v: string) => {
          el.value = v;
          el.dispatchEvent(new Event('change'));
        },
        value,
      );
    };
    for (const [cmap, scale, slack] of [
      ['magma', 'linear', 8], // the panel interpolates 10 anchors of magma: within 6.5 of matplotlib, plus a level
      ['gray', 'linear', 2],
      ['gray', 'log', 2],
    ] as const) {
      await pick('hm-colormap', cmap);
      await pick('hm-scale', scale);
      const w = want[`${cmap}:${scale}`];
      await h.page.waitForFunction((s: string) => document.querySelector('#heatmap-legend')?.textContent?.endsWith(s), scale);
      assertShows(await h.page.textContent('#legend-low'), w.low, `${cmap} ${scale} legend low`);
      assertShows(await h.page.textContent('#legend-high'), w.high, `${cmap} ${scale} legend high`);
      const got = await cells();
      got.forEach((px, i) => {
        const d = Math.max(...w.rgb[i].map((c, j) => Math.abs(c - px[j])));
        assert.ok(d <= slack, `${cmap} ${scale}: cell ${i} is rgb(${px.slice(0, 3)}), matplotlib rgb(${w.rgb[i].map(Math.round)})`);
      });
    }
    assert.equal(await h.page.locator('#multiples canvas').count(), 3);
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });

  it('empty and error states; malformed messages are ignored', async () => {
    const h = await openPanel(browser(), 'parityReport', 'light');
    await h.waitForPosted('ready');
    await h.send(initMessage(pairsReport([{ name: 3 }]), 'x'));
    await h.send(initMessage(pairsReport([], { unmatched_ref: ['a.npy', 'b.npy'], unmatched_cand: ['c.npy'] }), 'Parity: empty'));
    // nothing compared is never green: the badge says so and the unpaired names are listed inline
    await h.page.waitForSelector('#nothing-compared');
    assert.deepEqual(await h.page.$$eval('#unpaired-ref li', (li: HTMLElement[]) => li.map((x) => x.textContent)), ['a.npy', 'b.npy']);
    assert.deepEqual(await h.page.$$eval('#unpaired-cand li', (li: HTMLElement[]) => li.map((x) => x.textContent)), ['c.npy']);
    assert.match((await h.page.textContent('#rename-hint'))!, /rename rules .*compare-map\.json/);
    assert.equal(await h.page.textContent('#summary-badge'), 'nothing compared');
    assert.match((await h.page.getAttribute('#summary-badge', 'class'))!, /\bfail\b/);
    assert.doesNotMatch((await h.page.textContent('#summary'))!, /all pass/);
    await h.screenshot('parityReport-empty-light');
    await h.send({ kind: 'error', payload: { message: 'ref: /tmp/ref does not exist' } });
    await h.page.waitForSelector('#empty.error');
    assert.equal(await h.page.textContent('#empty'), 'ref: /tmp/ref does not exist');
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });

  it('shows a byte-cap cut and the skipped values of the manifests above the report; malformed notes are dropped', async () => {
    const h = await openPanel(browser(), 'parityReport', 'dark', { width: 1280, height: 700 });
    await h.waitForPosted('ready');
    const cut = { after: 'blocks.3@step001', bytes: 1_234_000_000, max_bytes: 1_250_000_000, origin: 'MFLUX_PORT_MAX_BYTES', scope: 'run' };
    const skipped = [
      { name: 'attn.rope', reason: 'complex256 is not supported' },
      { name: 'cache', reason: 'DynamicCache is not a tensor' },
    ];
    const init = (capture: unknown) => initMessage({ ...report, capture }, 'Parity: capped');
    await h.send(init({ ref: { cut: { ...cut, bytes: 'lots' }, skipped: [], sites: {} } }));
    await h.send(init({ ref: { cut, skipped: [], sites: {} }, cand: { cut: null, skipped, sites: {} } }));
    await h.page.waitForSelector('#capture-notes:not([hidden])');
    assert.equal(
      await h.page.textContent('#capture-cut-ref'),
      'Reference: capture stopped at 1.2 GB after blocks.3@step001 (MFLUX_PORT_MAX_BYTES=1.3 GB); the run went on without dumping the later checkpoints, so they are missing here, not passing.',
    );
    assert.equal(await h.page.locator('#capture-cut-cand').count(), 0);
    assert.deepEqual(await h.page.$$eval('#capture-skipped-cand li', (li: HTMLElement[]) => li.map((x) => x.textContent)), [
      'attn.rope — complex256 is not supported',
      'cache — DynamicCache is not a tensor',
    ]);
    assert.match((await h.page.textContent('#capture-skipped-cand p'))!, /^Candidate: 2 values the probe could not write/);
    // the banner sits between the toolbar and the table, in view
    const banner = (await h.page.locator('#capture-notes').boundingBox())!;
    const table = (await h.page.locator('#table-wrap').boundingBox())!;
    assert.ok(
      banner.height > 0 && banner.y + banner.height <= table.y,
      `banner ${JSON.stringify(banner)} above table ${JSON.stringify(table)}`,
    );
    await h.screenshot('parityReport-capture-notes');
    // a report without notes hides the banner again
    await h.send(init(undefined));
    await h.page.waitForSelector('#capture-notes', { state: 'hidden' });
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });
});
