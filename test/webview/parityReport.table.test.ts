// The parity report's layer table in headless Chromium: the first divergence selected, highlighted
// and in view; sorting, filtering, selecting by click, keyboard and chart; a long report rendered
// as a window of rows; a narrow editor. The report comes from NumPy (test/fixtures/webview_report.py).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPanel, useBrowser } from './harness';
import { count, details, first, openReport, report, rowNames, initMessage, pairsReport } from './parityHarness';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
type HTMLElement = any;

describe('parity report webview: the layer table', () => {
  const browser = useBrowser();

  it('selects, highlights and scrolls to the first divergence; shows its values', async () => {
    const h = await openReport(browser(), 'dark', { width: 1280, height: 560 });
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
    const h = await openReport(browser(), 'dark', { width: 1280, height: 1600 });
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
    const h = await openReport(browser());
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
    const h = await openPanel(browser(), 'parityReport', 'dark');
    await h.waitForPosted('ready');
    const many = Array.from({ length: 600 }, (_, i) => ({
      ...report.pairs[i % report.pairs.length],
      name: `layer.${i}`,
      ref_name: `layer.${i}`,
      cand_name: `layer.${i}`,
      pass: true,
    }));
    await h.send(initMessage(pairsReport(many), 'long'));
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

  it('in a narrow editor (350 px) stacks the detail under a usable chart and table', async () => {
    const h = await openReport(browser(), 'dark', { width: 350, height: 700 });
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
});
