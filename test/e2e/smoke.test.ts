// The packaged extension installs into the real VS Code test host, activates on an mflux
// checkout, and shows its activity-bar container.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeWorkspace } from '../fixtures/workspace';
import { waitFor, withVSCode } from './harness';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mflux-port-smoke-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the VSIX installs, activates on an mflux checkout and shows its view container', { timeout: 180_000 }, async () => {
  const ws = makeWorkspace(join(tmp, 'ws'));
  await withVSCode({ workspace: ws.mflux, name: 'smoke' }, async (vs) => {
    // workspaceContains:pyproject.toml activates the extension without the view being opened.
    await waitFor(async () => /_doActivateExtension mflux-port\.mflux-port-studio\b/.test(vs.extHostLog()), 'the extension to activate', 30_000);
    const log = vs.extHostLog();
    assert.doesNotMatch(log, /Activating extension 'mflux-port\.mflux-port-studio' failed/, 'activation failed');
    const side = await vs.openView();
    assert.match(await side.locator('.composite.title').innerText(), /mflux port/i);
    await vs.screenshot('view');
  });
});
