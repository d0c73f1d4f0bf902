// The parity report webview in headless Chromium. The report and the expected re-judged counts
// come from NumPy (test/fixtures/webview_report.py).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ensureGenerated, pythonJson } from '../helpers/python';
import { launch, openPanel, type Harness } from './harness';
import type { ParityReport } from '../../src/protocol/parityReport';
import { runCompare } from '../../src/core/compare/engine';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
type HTMLElement = any;

const dir = ensureGenerated('webview-report', 'test/fixtures/webview_report.py');
const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ParityReport;
const details = JSON.parse(readFileSync(join(dir, 'details.json'), 'utf8')) as Record<string, any>;
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Record<string, number>>;
const first = report.first_divergence!;
const count = (v: string) => report.pairs.filter((p) => p.verdict === v).length;

function detailMessage(name: string) {
  const d = details[name];
  const f32 = (a: number[]) => new Float32Array(a);
  return {
    kind: 'layer',
    payload: {
      ...d,
      heatmap: { ...d.heatmap, values: f32(d.heatmap.values) },
      channels: d.channels.map((c: any) => ({ ...c, values: f32(c.values) })),
      elements: { ref: f32(d.elements.ref), cand: f32(d.elements.cand) },
    },
  };
}

async function open(browser: Browser, theme: 'dark' | 'light' | 'hc' = 'dark', size?: { width: number; height: number }): Promise<Harness> {
  const h = await openPanel(browser, 'parityReport', theme, size);
  await h.waitForPosted('ready');
  await h.send({
    kind: 'init',
    payload: {
      title: 'Parity: debug_artifacts/run-0142',
      refLabel: 'ref',
      candLabel: 'mlx',
      report,
      source: { ref: '/tmp/ref', cand: '/tmp/mlx' },
    },
  });
  const sel = await h.waitForPosted('selectLayer');
  assert.equal(sel.payload.name, first);
  await h.send(detailMessage(first));
  await h.page.waitForSelector('#first-values');
  return h;
}

async function rowNames(h: Harness): Promise<string[]> {
  return h.page.$$eval('#layers tbody tr[data-name]', (trs: HTMLElement[]) => trs.map((t) => t.dataset.name));
}

async function setField(h: Harness, id: string, value: string): Promise<void> {
  await h.page.locator(`#${id} input`).fill(value);
}

describe('parity report webview', () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('selects, highlights and scrolls to the first divergence; shows its values', async () => {
    const h = await open(browser, 'dark', { width: 1280, height: 560 });
    const row = h.page.locator(`#layers tbody tr[data-name="${first}"]`);
    assert.equal(await row.getAttribute('aria-selected'), 'true');
    assert.match((await row.getAttribute('class'))!, /first-div/);
    const wrap = (await h.page.locator('#table-wrap').boundingBox())!;
    const box = (await row.boundingBox())!;
    assert.ok(box.y >= wrap.y && box.y + box.height <= wrap.y + wrap.height, 'first divergence row is visible');
    const cells = await h.page.$$eval('#first-values tbody tr', (trs: HTMLElement[]) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td: HTMLElement) => td.textContent)),
    );
    const d = details[first];
    assert.equal(cells.length, 10);
    cells.forEach((c, i) => {
      // Shown as the shortest decimal that reads back as the same float32.
      assert.equal(Math.fround(Number(c[1])), Math.fround(d.firstRef[i]));
      assert.equal(Math.fround(Number(c[2])), Math.fround(d.firstCand[i]));
      assert.ok(c[1]!.replace(/^-/, '').length <= 11, c[1]!);
    });
    // the three states, worst first, counted from the report's own verdicts
    assert.equal(
      await h.page.textContent('#summary-badge'),
      `${count('diverged')} diverged · ${count('drift')} drift · ${count('pass')} pass`,
    );
    assert.match((await h.page.getAttribute('#summary-badge', 'class'))!, /\bfail\b/);
    assert.match((await h.page.textContent('#unmatched'))!, /unpaired: 1 ref, 0 cand/);
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });

  it('sorts by a column and filters by name and by failing-only', async () => {
    // Tall enough that all 51 rows are in the rendered window.
    const h = await open(browser, 'dark', { width: 1280, height: 1600 });
    assert.deepEqual(
      await rowNames(h),
      report.pairs.map((p) => p.name),
    );
    await h.page.click('button[data-sort="rel_l2"]');
    const byRel = [...report.pairs].sort((a, b) => b.rel_l2! - a.rel_l2!).map((p) => p.name);
    assert.deepEqual(await rowNames(h), byRel);
    assert.equal(await h.page.getAttribute('th:has(button[data-sort="rel_l2"])', 'aria-sort'), 'descending');
    await h.page.click('button[data-sort="rel_l2"]');
    assert.deepEqual(await rowNames(h), [...byRel].reverse());
    await h.page.click('button[data-sort="index"]');
    await h.page.locator('#filter input').fill('ff.out');
    await h.page.waitForFunction(() => document.querySelectorAll('#layers tbody tr[data-name]').length === 24);
    assert.deepEqual(
      await rowNames(h),
      report.pairs.filter((p) => p.name.includes('ff.out')).map((p) => p.name),
    );
    await h.page.locator('#filter input').fill('');
    await h.page.click('#failing-only');
    await h.page.waitForFunction(
      (n: number) => document.querySelectorAll('#layers tbody tr[data-name]').length === n,
      report.pairs.filter((p) => !p.pass).length,
    );
    assert.deepEqual(
      await rowNames(h),
      report.pairs.filter((p) => !p.pass).map((p) => p.name),
    );
    await h.close();
  });

  it('selects layers by click, keyboard and the growth chart', async () => {
    const h = await open(browser);
    const target = 'transformer_blocks.2.ff.out';
    await h.page.click(`#layers tbody tr[data-name="${target}"]`);
    assert.equal((await h.waitForPosted('selectLayer', 2)).payload.name, target);
    await h.page.keyboard.press('ArrowDown');
    const next = report.pairs[report.pairs.findIndex((p) => p.name === target) + 1].name;
    assert.equal((await h.waitForPosted('selectLayer', 3)).payload.name, next);
    assert.equal(await h.page.getAttribute(`#layers tbody tr[data-name="${next}"]`, 'aria-selected'), 'true');
    // The growth chart maps capture order to x between its margins (52 px left, 12 px right).
    const box = (await h.page.locator('#growth').boundingBox())!;
    const i = report.pairs.length - 1;
    await h.page.mouse.click(box.x + 52 + (i / (report.pairs.length - 1)) * (box.width - 64), box.y + box.height / 2);
    assert.equal((await h.waitForPosted('selectLayer', 4)).payload.name, report.pairs[i].name);
    await h.close();
  });

  it('keeps a long report navigable: only a window of rows is rendered, End reaches the last', async () => {
    const h = await openPanel(browser, 'parityReport', 'dark');
    await h.waitForPosted('ready');
    const many = Array.from({ length: 600 }, (_, i) => ({
      ...report.pairs[i % report.pairs.length],
      name: `layer.${i}`,
      ref_name: `layer.${i}`,
      cand_name: `layer.${i}`,
      pass: true,
    }));
    await h.send({
      kind: 'init',
      payload: {
        title: 'long',
        refLabel: 'a',
        candLabel: 'b',
        report: { pairs: many, first_divergence: null, unmatched_ref: [], unmatched_cand: [] },
        source: null,
      },
    });
    await h.waitForPosted('selectLayer');
    const rendered = await h.page.locator('#layers tbody tr[data-name]').count();
    assert.ok(rendered < 200, `${rendered} rows in the DOM`);
    assert.equal(await h.page.getAttribute('#layers', 'aria-rowcount'), '601');
    await h.page.click('#layers tbody tr[data-name="layer.3"]');
    await h.page.keyboard.press('End');
    assert.equal((await h.waitForPosted('selectLayer', 3)).payload.name, 'layer.599');
    const last = h.page.locator('#layers tbody tr[data-name="layer.599"]');
    assert.equal(await last.getAttribute('aria-selected'), 'true');
    assert.ok(await last.isVisible());
    await h.page.keyboard.press('Home');
    assert.equal((await h.waitForPosted('selectLayer', 4)).payload.name, 'layer.0');
    await h.close();
  });

  it('re-judges the selected layer under an edited tolerance, like np.isclose', async () => {
    const h = await open(browser);
    const exp = expected[first];
    assert.equal(await h.page.getAttribute('#detail-mismatch', 'data-mismatch'), String(exp['1e-05:1e-05']));
    await setField(h, 'tol-rtol', '0');
    await setField(h, 'tol-atol', '0.001');
    await h.page.waitForSelector(`#detail-mismatch[data-mismatch="${exp['0.001:0.0']}"]`);
    assert.equal(await h.page.getAttribute('#rejudge', 'data-pass'), 'false');
    await setField(h, 'tol-atol', '0.02');
    await h.page.waitForSelector('#rejudge[data-pass="true"]');
    assert.equal(exp['0.02:0.0'], 0);
    assert.equal(await h.page.textContent(`#layers tbody tr[data-name="${first}"] .verdict-cell .badge`), '✓ pass');
    assert.equal(await h.page.textContent('#detail-verdict'), '✓ pass (within tolerance)');
    // the only diverged pair now passes: the badge turns to drift, in words
    assert.equal(await h.page.textContent('#summary-badge'), `0 diverged · ${count('drift')} drift · ${count('pass') + 1} pass`);
    assert.match((await h.page.getAttribute('#summary-badge', 'class'))!, /\bdrift\b/);
    const tol = (await h.posted()).filter((m) => m.kind === 'toleranceChanged').pop();
    assert.deepEqual(tol?.payload, { name: first, tolerance: { atol: 0.02, rtol: 0 } });
    await h.close();
  });

  it('a report judged again by the host (after a tolerance edit) moves the first divergence and shows the three verdicts', async () => {
    const h = await open(browser);
    const failing = report.pairs.filter((p) => !p.pass).map((p) => p.name);
    assert.ok(failing.length >= 2);
    // the host re-measured the first failing pair under the edit: now drift; the next one diverges
    const judged = {
      ...report,
      first_divergence: failing[1],
      verdicts: { pass: report.pairs.length - failing.length, drift: 1, diverged: failing.length - 1 },
      pairs: report.pairs.map((p) => ({
        ...p,
        verdict: p.pass ? 'pass' : p.name === failing[0] ? 'drift' : 'diverged',
        verdict_why: 'x',
        noise_floor: 1e-9,
        floor_ratio: (p.rel_l2 ?? 0) / 1e-9,
      })),
    };
    await h.send({ kind: 'report', payload: { report: judged } });
    await h.page.waitForFunction((n: string) => document.querySelector('#first-divergence')?.textContent === n, failing[1]);
    assert.equal(await h.page.textContent(`#layers tbody tr[data-name="${failing[0]}"] .verdict-cell .badge`), '~ drift');
    assert.equal(await h.page.textContent(`#layers tbody tr[data-name="${failing[1]}"] .verdict-cell .badge`), '✗ diverged');
    assert.match((await h.page.getAttribute(`#layers tbody tr[data-name="${failing[1]}"]`, 'class'))!, /first-div/);
    const passing = report.pairs.length - failing.length;
    assert.equal(await h.page.textContent('#summary-badge'), `${failing.length - 1} diverged · 1 drift · ${passing} pass`);
    assert.equal(await h.page.textContent('#growth-legend'), `✕ ${failing.length - 1} diverged▲ 1 drift● ${passing} pass`);
    // the selected pair (failing[0]) is drift now: its detail says so, not FAIL
    assert.equal(await h.page.textContent('#detail-verdict'), '~ outside tolerance (drift)');
    await h.screenshot('parityReport-verdicts-dark');
    assert.deepEqual(await h.errors(), []);
    await h.close();
    const light = await open(browser, 'light');
    await light.send({ kind: 'report', payload: { report: judged } });
    await light.page.waitForFunction((n: string) => document.querySelector('#first-divergence')?.textContent === n, failing[1]);
    await light.screenshot('parityReport-verdicts-light');
    await light.close();
  });

  it('words the three states the same in the badge, table, detail and chart legend (never FAIL for drift)', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const h = await open(browser, theme);
      const drift = 'proj_out';
      assert.equal(report.pairs.find((p) => p.name === drift)!.verdict, 'drift');
      assert.equal(await h.page.textContent('#detail-verdict'), '✗ outside tolerance (diverged)');
      // each state has its own word, whatever the colours
      const words = await h.page.$$eval('#layers tbody .verdict-cell .badge', (b: HTMLElement[]) => [
        ...new Set(b.map((x) => `${x.dataset.verdict}=${x.textContent}`)),
      ]);
      assert.deepEqual(words.sort(), ['diverged=✗ diverged', 'drift=~ drift', 'pass=✓ pass']);
      await h.page.locator('#filter input').fill(drift);
      await h.page.click(`#layers tbody tr[data-name="${drift}"]`);
      assert.equal((await h.waitForPosted('selectLayer', 2)).payload.name, drift);
      await h.send(detailMessage(drift));
      await h.page.waitForFunction(
        () => document.querySelector('#detail-name')?.textContent?.endsWith('proj_out') && document.querySelector('#first-values'),
      );
      assert.equal(await h.page.textContent('#detail-verdict'), '~ outside tolerance (drift)');
      assert.match((await h.page.getAttribute('#detail-verdict', 'class'))!, /\bdrift\b/);
      assert.doesNotMatch((await h.page.textContent('#detail'))!, /FAIL|PASS/);
      assert.equal(await h.page.textContent(`#layers tbody tr[data-name="${drift}"] .verdict-cell .badge`), '~ drift');
      assert.equal(
        await h.page.textContent('#growth-legend'),
        `✕ ${count('diverged')} diverged▲ ${count('drift')} drift● ${count('pass')} pass`,
      );
      await h.page.locator('#filter input').fill('');
      await h.page.waitForSelector('#layers tbody tr[data-name="x_embedder"]');
      await h.screenshot(`parityReport-drift-detail-${theme}`);
      // sorting by verdict: diverged, then drift, then pass (capture order within each)
      await h.page.click('button[data-sort="pass"]');
      const order = ['diverged', 'drift', 'pass'];
      const want = report.pairs.filter((p) => p.verdict !== 'pass').sort((a, b) => order.indexOf(a.verdict!) - order.indexOf(b.verdict!));
      assert.deepEqual(
        (await rowNames(h)).slice(0, want.length),
        want.map((p) => p.name),
      );
      assert.deepEqual(await h.errors(), []);
      await h.close();
    }
  });

  it('names a pair that is not compared in the badge and the table, and never as a failure', async () => {
    const h = await openPanel(browser, 'parityReport', 'dark');
    await h.waitForPosted('ready');
    const base = report.pairs[0];
    const pairs = [
      { ...base, name: 'a', ref_name: 'a', cand_name: 'a', verdict: 'pass' },
      {
        ...base,
        name: 'rope',
        ref_name: 'rope',
        cand_name: 'rope',
        pass: false,
        verdict: 'not_compared',
        reason: 'dtype F4 cannot be decoded',
      },
      { ...base, name: 'b', ref_name: 'b', cand_name: 'b', verdict: 'pass' },
    ];
    await h.send({
      kind: 'init',
      payload: {
        title: 't',
        refLabel: 'a',
        candLabel: 'b',
        report: { pairs, first_divergence: null, unmatched_ref: [], unmatched_cand: [] },
        source: null,
      },
    });
    await h.waitForPosted('selectLayer');
    assert.equal(await h.page.textContent('#summary-badge'), '0 diverged · 0 drift · 2 pass · 1 not compared');
    assert.match((await h.page.getAttribute('#summary-badge', 'class'))!, /\bpass\b/);
    assert.equal(await h.page.textContent('#layers tbody tr[data-name="rope"] .verdict-cell .badge'), '– not compared');
    assert.match((await h.page.textContent('#growth-legend'))!, /– 1 not compared/);
    await h.close();
  });

  it('marks the pairs the engine aligned (not named) with their confidence, in the table, summary and detail', async () => {
    // a real report: the scenario's port names its attention blocks attn.N (diffusers: attentions.N), no map
    const sc = ensureGenerated('scenario', 'test/fixtures/make_scenario.py');
    const { report: real } = await runCompare({ refPath: join(sc, 'ref'), candPath: join(sc, 'mlx', 'dump.safetensors') });
    const aligned = real.pairs.filter((p) => p.pairing.by === 'aligned');
    assert.equal(aligned.length, 12);
    for (const theme of ['dark', 'light'] as const) {
      const h = await openPanel(browser, 'parityReport', theme, { width: 1280, height: 1100 });
      await h.waitForPosted('ready');
      await h.send({
        kind: 'init',
        payload: { title: 'Parity: aligned', refLabel: 'ref', candLabel: 'mlx', report: JSON.parse(JSON.stringify(real)), source: null },
      });
      await h.waitForPosted('selectLayer');
      const tags = await h.page.$$eval('#layers tbody tr[data-name]', (trs: HTMLElement[]) =>
        trs.map((t) => [t.dataset.name, t.querySelector('.tag.pairing')?.textContent ?? null]),
      );
      assert.equal(tags.length, real.pairs.length);
      const want = new Map(aligned.map((p) => [p.name, `aligned ${p.pairing.confidence!.toFixed(2)}`]));
      for (const [name, tag] of tags) assert.equal(tag, want.get(name) ?? null, name);
      assert.match((await h.page.textContent('#pair-count'))!, /^37 pairs, 12 aligned \(not by name\)$/);
      const one = aligned[0];
      await h.page.click(`#layers tbody tr[data-name="${one.name}"]`);
      await h.page.waitForFunction((n: string) => document.querySelector('#detail-name')?.textContent?.endsWith(n), one.name);
      assert.equal(
        await h.page.textContent('#detail-pairing'),
        `aligned, not named (confidence ${one.pairing.confidence!.toFixed(2)}) with ${one.cand_name}: ${one.pairing.why}`,
      );
      const named = real.pairs.find((p) => p.pairing.by === 'name')!;
      await h.page.click(`#layers tbody tr[data-name="${named.name}"]`);
      await h.page.waitForFunction((n: string) => document.querySelector('#detail-name')?.textContent?.endsWith(n), named.name);
      assert.equal(await h.page.textContent('#detail-pairing'), 'paired by name');
      await h.page.click(`#layers tbody tr[data-name="${one.name}"]`);
      await h.page.waitForFunction((n: string) => document.querySelector('#detail-name')?.textContent?.endsWith(n), one.name);
      await h.screenshot(`parityReport-aligned-${theme}`);
      assert.deepEqual(await h.errors(), []);
      await h.close();
    }
  });

  it('copies a pytest assertion whose tolerance passes in NumPy', async () => {
    const h = await open(browser);
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
    const h = await open(browser);
    await h.page.click('#export-json');
    assert.deepEqual((await h.waitForPosted('exportReport')).payload, { format: 'json' });
    await h.page.click('#export-html');
    assert.deepEqual((await h.waitForPosted('exportReport', 2)).payload, { format: 'html' });
    await h.close();
  });

  it('shows the heatmap with a legend and reacts to colormap and scale', async () => {
    const h = await open(browser);
    const max = Math.max(...details[first].heatmap.values.map((v: number) => Math.fround(v)));
    await h.page.waitForSelector('#legend-high');
    assert.equal(Number(await h.page.textContent('#legend-high')), Number(max.toPrecision(3)));
    assert.equal(await h.page.locator('#multiples canvas').count(), 3);
    await h.screenshot('parityReport-dark');
    await h.close();
  });

  it('empty and error states; malformed messages are ignored', async () => {
    const h = await openPanel(browser, 'parityReport', 'light');
    await h.waitForPosted('ready');
    await h.send({
      kind: 'init',
      payload: {
        title: 'x',
        refLabel: 'a',
        candLabel: 'b',
        report: { pairs: [{ name: 3 }], first_divergence: null, unmatched_ref: [], unmatched_cand: [] },
        source: null,
      },
    });
    await h.send({
      kind: 'init',
      payload: {
        title: 'Parity: empty',
        refLabel: 'a',
        candLabel: 'b',
        report: { pairs: [], first_divergence: null, unmatched_ref: ['a.npy', 'b.npy'], unmatched_cand: ['c.npy'] },
        source: null,
      },
    });
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
    const h = await openPanel(browser, 'parityReport', 'dark', { width: 1280, height: 700 });
    await h.waitForPosted('ready');
    const cut = { after: 'blocks.3@step001', bytes: 1_234_000_000, max_bytes: 1_250_000_000, origin: 'MFLUX_PORT_MAX_BYTES', scope: 'run' };
    const skipped = [
      { name: 'attn.rope', reason: 'complex256 is not supported' },
      { name: 'cache', reason: 'DynamicCache is not a tensor' },
    ];
    const init = (capture: unknown) => ({
      kind: 'init',
      payload: { title: 'Parity: capped', refLabel: 'ref', candLabel: 'mlx', report: { ...report, capture }, source: null },
    });
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

  it('in a narrow editor (350 px) stacks the detail under a usable chart and table', async () => {
    const h = await open(browser, 'dark', { width: 350, height: 700 });
    const chart = (await h.page.locator('#growth').boundingBox())!;
    const wrap = (await h.page.locator('#table-wrap').boundingBox())!;
    const detail = (await h.page.locator('#detail').boundingBox())!;
    assert.ok(chart.width >= 300 && chart.height >= 100 && chart.y + chart.height <= 700, `chart ${JSON.stringify(chart)}`);
    assert.ok(wrap.width >= 300 && wrap.height >= 200 && wrap.y + wrap.height <= 700, `table ${JSON.stringify(wrap)}`);
    assert.ok(detail.y >= wrap.y + wrap.height - 1, 'the detail pane is below the table, not beside it');
    // The rows are there to read and click: the first divergence is in view and selectable.
    const row = (await h.page.locator(`#layers tbody tr[data-name="${first}"]`).boundingBox())!;
    assert.ok(row.y >= wrap.y && row.y + row.height <= wrap.y + wrap.height, 'selected row is visible');
    const other = report.pairs[report.pairs.findIndex((p) => p.name === first) - 1].name;
    await h.page.click(`#layers tbody tr[data-name="${other}"]`);
    assert.equal((await h.waitForPosted('selectLayer', 2)).payload.name, other);
    await h.screenshot('parityReport-narrow-dark');
    await h.close();
  });

  it('screenshots in light, dark and high-contrast themes', async () => {
    for (const theme of ['dark', 'light', 'hc'] as const) {
      const h = await open(browser, theme);
      await h.page.waitForSelector('#legend-high');
      await h.screenshot(`parityReport-${theme}`);
      await h.close();
    }
  });
});
