// The parity report's three verdicts (pass, drift, diverged) and the pairing marks in headless
// Chromium: re-judging under an edited tolerance like np.isclose, a report judged again by the
// host, one word per state everywhere, pairs not compared, pairs aligned rather than named.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ensureGenerated } from '../helpers/python';
import { openPanel, useBrowser } from './harness';
import { count, detailMessage, expected, first, openReport, report, rowNames, setField, initMessage, pairsReport } from './parityHarness';
import { runCompare } from '../../src/core/compare/engine';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
type HTMLElement = any;

describe('parity report webview: verdicts', () => {
  const browser = useBrowser();

  it('re-judges the selected layer under an edited tolerance, like np.isclose', async () => {
    const h = await openReport(browser());
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
    const h = await openReport(browser());
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
    const light = await openReport(browser(), 'light');
    await light.send({ kind: 'report', payload: { report: judged } });
    await light.page.waitForFunction((n: string) => document.querySelector('#first-divergence')?.textContent === n, failing[1]);
    await light.screenshot('parityReport-verdicts-light');
    await light.close();
  });

  it('words the three states the same in the badge, table, detail and chart legend (never FAIL for drift)', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const h = await openReport(browser(), theme);
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
    const h = await openPanel(browser(), 'parityReport', 'dark');
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
    await h.send(initMessage(pairsReport(pairs), 't'));
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
      const h = await openPanel(browser(), 'parityReport', theme, { width: 1280, height: 1100 });
      await h.waitForPosted('ready');
      await h.send(initMessage(JSON.parse(JSON.stringify(real)), 'Parity: aligned'));
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
});
