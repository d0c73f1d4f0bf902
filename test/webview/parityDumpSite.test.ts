// Go to Dump Site in the parity report webview (headless Chromium): a layer whose manifests
// recorded where it was dumped shows one button per side, naming file:line; a click asks the
// host to open that side's site (only the layer name and the side travel); a layer without a
// recorded site shows no button. The report comes from NumPy (test/fixtures/webview_report.py).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPanel, useBrowser } from './harness';
import { report } from './parityHarness';

const first = report.first_divergence!;
const pair = report.pairs.find((p) => p.name === first)!;
const other = report.pairs.find((p) => p.name !== first)!;

describe('parity report: Go to Dump Site', () => {
  const browser = useBrowser();

  it('shows a button per recorded side and posts the layer and side on click', async () => {
    const h = await openPanel(browser(), 'parityReport', 'dark', { width: 1280, height: 700 });
    await h.waitForPosted('ready');
    const capture = {
      ref: { cut: null, skipped: [], sites: { [pair.ref_name]: { file: '/work/diffusers/src/transformer_flux.py', line: 412 } } },
      cand: { cut: null, skipped: [], sites: { [pair.cand_name]: { file: '/work/mflux/src/mflux/models/flux/transformer.py', line: 97 } } },
    };
    await h.send({
      kind: 'init',
      payload: { title: 'Parity: sites', refLabel: 'ref', candLabel: 'mlx', report: { ...report, capture }, source: null },
    });
    assert.equal((await h.waitForPosted('selectLayer')).payload.name, first);
    const ref = h.page.locator('#goto-site-ref');
    const cand = h.page.locator('#goto-site-cand');
    await ref.waitFor({ state: 'visible' });
    assert.equal((await ref.textContent())!.trim(), 'Go to dump site (reference): transformer_flux.py:412');
    assert.equal(await ref.getAttribute('title'), '/work/diffusers/src/transformer_flux.py:412');
    assert.equal((await cand.textContent())!.trim(), 'Go to dump site (candidate): transformer.py:97');
    await h.screenshot('parityReport-dump-sites');
    await cand.click();
    assert.deepEqual((await h.waitForPosted('openDumpSite')).payload, { name: first, side: 'cand' });
    await ref.click();
    assert.deepEqual((await h.waitForPosted('openDumpSite', 2)).payload, { name: first, side: 'ref' });
    // a layer with no recorded site: no button
    await h.page.click(`#layers tbody tr[data-name="${other.name}"]`);
    assert.equal((await h.waitForPosted('selectLayer', 2)).payload.name, other.name);
    await h.page.waitForSelector(`#detail-name:has-text("${other.name}")`);
    assert.equal(await h.page.locator('#dump-sites').count(), 0);
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });
});
