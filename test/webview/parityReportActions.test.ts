// The parity report's Capture Inside button in headless Chromium: offered only when the host
// says the folders are runs, it asks the host for the selected layer (the first divergence at
// first, then whatever is clicked). The report comes from NumPy (test/fixtures/webview_report.py).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPanel, useBrowser } from './harness';
import { report } from './parityHarness';

describe('parity report: Capture Inside', () => {
  const browser = useBrowser();

  for (const offered of [true, false])
    it(offered ? 'on run folders: the button asks for the selected layer' : 'on plain folders: no button', async () => {
      const h = await openPanel(browser(), 'parityReport', 'dark', { width: 1280, height: 700 });
      await h.waitForPosted('ready');
      const payload = { title: 'Parity: run', refLabel: 'ref', candLabel: 'mlx', report, source: { ref: '/r/ref', cand: '/r/mlx' } };
      await h.send({ kind: 'init', payload: offered ? { ...payload, captureInside: true } : payload });
      await h.waitForPosted('selectLayer');
      const button = h.page.locator('#capture-inside');
      if (!offered) {
        assert.equal(await button.isVisible(), false);
        await h.close();
        return;
      }
      await button.waitFor({ state: 'visible' });
      assert.match((await button.getAttribute('title'))!, new RegExp(`module of ${report.first_divergence!.replace(/\./g, '\\.')}`));
      await button.click();
      assert.deepEqual((await h.waitForPosted('captureInside')).payload, { name: report.first_divergence });
      const other = report.pairs[0].name;
      await h.page.click(`#layers tbody tr[data-name="${other}"]`);
      await button.click();
      assert.deepEqual((await h.waitForPosted('captureInside', 2)).payload, { name: other });
      await h.screenshot('parityReport-capture-inside');
      assert.deepEqual(await h.errors(), []);
      await h.close();
    });
});
