// The three webviews in the real VS Code (code-server) on fixture data written by NumPy/PIL:
// the tensor viewer opens as the default editor of a .safetensors file, the image diff opens on
// a stepwise run folder, the parity report on two dump folders and again after a window
// reload (serializer); screenshots of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGenerated } from '../helpers/python';
import { withVSCode, type VSCodeSession } from './harness';

/** code-server's simple file dialog: type the folder's path, then accept it. */
async function chooseFolder(vs: VSCodeSession, path: string): Promise<void> {
  const input = vs.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  const label = await input.getAttribute('aria-label');
  const movedOn = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!(await input.isVisible()) || (await input.getAttribute('aria-label')) !== label) return true;
      await vs.page.waitForTimeout(200);
    }
    return false;
  };
  // The dialog opens on a folder and completes as you type: type only what is missing.
  const want = `${path.replace(/\/$/, '')}/`;
  // It fills in its starting folder asynchronously: wait until the value stops changing.
  let current = await input.inputValue();
  for (let stable = 0; stable < 3;) {
    await vs.page.waitForTimeout(250);
    const v = await input.inputValue();
    stable = v === current ? stable + 1 : 0;
    current = v;
  }
  if (current && want.startsWith(current)) {
    await input.press('End');
    await input.pressSequentially(want.slice(current.length), { delay: 20 });
  } else {
    await input.fill(want);
  }
  await vs.page.waitForTimeout(500);
  await input.press('Enter');
  // The dialog may first navigate into the folder; another Enter accepts it.
  for (let i = 0; i < 3 && !(await movedOn(5_000)); i++) await input.press('Enter');
  assert.ok(await movedOn(1_000), `the file dialog did not accept ${path}`);
}

test('tensor viewer, image diff and parity report in VS Code', { timeout: 300_000 }, async () => {
  const fixtures = ensureGenerated('panels-host', 'test/fixtures/panels_host.py');
  const ws = mkdtempSync(join(tmpdir(), 'mflux-port-panels-e2e-'));
  try {
    cpSync(join(fixtures, 'tensors'), join(ws, 'weights'), { recursive: true });
    mkdirSync(join(ws, 'debug_artifacts', 'run-0001'), { recursive: true });
    cpSync(join(fixtures, 'dumps', 'ref'), join(ws, 'debug_artifacts', 'run-0001', 'ref'), { recursive: true });
    cpSync(join(fixtures, 'dumps', 'mlx'), join(ws, 'debug_artifacts', 'run-0001', 'mlx'), { recursive: true });
    cpSync(join(fixtures, 'images', 'steps'), join(ws, 'stepwise'), { recursive: true });
    await withVSCode({ workspace: ws, name: 'panels', viewport: { width: 1440, height: 900 } }, async (vs) => {
      await vs.openFile('weights/model.safetensors');
      const tv = await vs.webviewFrame('model.safetensors');
      await tv.locator('#tree .row').first().waitFor({ timeout: 30_000 });
      const labels = await tv.locator('#tree .row .label').allTextContents();
      assert.ok(labels.includes('blocks.{0..1}'), labels.join(', '));
      await tv.locator('#tree .row[data-path="embed.weight"]').click();
      await tv.locator('#btn-stats').click();
      await tv.locator('#stats').waitFor();
      assert.equal(await tv.locator('[data-stat="NaN"]').textContent(), '1');
      await tv.locator('#btn-preview').click();
      await tv.locator('#preview').waitFor();
      await vs.screenshot('tensor-viewer');
      // One webview editor at a time keeps the frame lookup unambiguous.
      await vs.runCommand('View: Close All Editors');

      await vs.runCommand('mflux Port: Compare Image Folders (Run or Stepwise Output)…');
      await chooseFolder(vs, join(ws, 'stepwise'));
      const im = await vs.webviewFrame(/Stepwise/);
      await im.locator('#verdict-badge').waitFor({ timeout: 30_000 });
      await im
        .locator('#step-label')
        .filter({ hasText: /step 1 of 4/ })
        .waitFor();
      assert.match((await im.locator('[data-metric="SSIM"]').textContent())!, /^0\.\d{4}$/);
      await vs.screenshot('image-diff');
      await vs.runCommand('View: Close All Editors');

      await vs.runCommand('mflux Port: Compare Folders (Parity Report)…');
      await chooseFolder(vs, join(ws, 'debug_artifacts', 'run-0001', 'ref'));
      await chooseFolder(vs, join(ws, 'debug_artifacts', 'run-0001', 'mlx'));
      const pr = await vs.webviewFrame(/Parity/);
      await pr.locator('#first-values').waitFor({ timeout: 60_000 });
      assert.equal(await pr.locator('#first-divergence').textContent(), 'block2');
      assert.equal(await pr.locator('#layers tbody tr[data-name]').count(), 4);
      await vs.screenshot('parity-report');

      // After a window reload the serializer reopens the report on the same folders.
      await vs.reload();
      const again = await vs.webviewFrame(/Parity/, 60_000);
      await again.locator('#first-values').waitFor({ timeout: 60_000 });
      assert.equal(await again.locator('#first-divergence').textContent(), 'block2');

      // The image diff comes back too, on the same folders.
      await vs.runCommand('View: Close All Editors');
      await vs.runCommand('mflux Port: Compare Image Folders (Run or Stepwise Output)…');
      await chooseFolder(vs, join(ws, 'stepwise'));
      await (await vs.webviewFrame(/Stepwise/)).locator('#verdict-badge').waitFor({ timeout: 30_000 });
      await vs.reload();
      const im2 = await vs.webviewFrame(/Stepwise/, 60_000);
      await im2.locator('#verdict-badge').waitFor({ timeout: 60_000 });
      await im2.locator('#step-label').filter({ hasText: /of 4/ }).waitFor();
    });
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
