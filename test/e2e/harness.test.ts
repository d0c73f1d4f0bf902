// The harness itself, on built-in VS Code features, so other suites can trust its helpers:
// multi-root workspaces, Quick Open, quick input and pick, webview frames, terminals,
// notifications, reload, screenshots, and a close() that leaves no process behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeWorkspace } from '../fixtures/workspace';
import { isListening, startVSCode, waitFor, type VSCodeSession } from './harness';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mflux-port-harness-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('harness helpers work on a multi-root workspace, and close() leaves nothing running', { timeout: 240_000 }, async () => {
  const ws = makeWorkspace(join(tmp, 'ws'), { multiRoot: true });
  assert.ok(ws.workspaceFile);
  let vs: VSCodeSession | undefined;
  let failure: unknown;
  try {
    vs = await startVSCode({ workspace: ws.workspaceFile, name: 'harness' });

    // Quick Open finds a file that only the second root (diffusers) has.
    await vs.openFile('pipeline_flux2.py');
    assert.equal(await vs.page.locator('.tabs-container .tab.active .label-name').innerText(), 'pipeline_flux2.py');

    // quickInput replaces the whole value, so a quick-access prefix (":" for Go to Line) is typed too.
    await vs.runCommand('Go to Line/Column...');
    await vs.quickInput(':6');
    await waitFor(async () => /Ln 6, Col 1/.test(await vs!.page.locator('.statusbar').innerText()), 'the cursor on line 6');

    // webviewFrame: the Markdown preview is a webview; its content frame holds the rendered README.
    await vs.openFile('src/mflux/models/flux2/README.md');
    await vs.runCommand('Markdown: Open Preview to the Side');
    const preview = await vs.webviewFrame('Preview README.md');
    assert.equal(await preview.locator('h1').first().innerText(), 'Flux2');
    assert.match(await preview.locator('code').first().innerText(), /mflux-generate-flux2/);

    // terminalType / terminalText: the shell runs in the workspace and its output is readable.
    // In a multi-root workspace VS Code first asks which folder the terminal starts in.
    await vs.runCommand('Terminal: Create New Terminal');
    await vs.pickQuickItem('diffusers', { expect: 'working directory' });
    await vs.terminalType('echo harness-$((40+2)) in $(basename $PWD)\n');
    await waitFor(
      async () => /^harness-42 in diffusers$/m.test(await vs!.terminalText()),
      'the terminal output',
      20_000,
      async () => await vs!.terminalText(),
    );

    // pickQuickItem: switch the colour theme, which is a user setting the reload must keep.
    await vs.runCommand('Preferences: Color Theme');
    await vs.pickQuickItem('Light Modern', { expect: 'Select Color Theme' });
    await waitFor(async () => (await vs!.page.locator('.monaco-workbench').getAttribute('class'))!.includes('vs '), 'the light theme');

    // notifications: git has no remote to fetch from in the fixture repos (two repos: it asks which).
    await vs.runCommand('Git: Fetch');
    await vs.pickQuickItem('mflux', { expect: 'Choose a repository' });
    assert.match(await vs.waitForNotification(/remote/i, 30_000), /no remotes/i);

    const shot = await vs.screenshot('before-reload');
    assert.deepEqual([...readFileSync(shot).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    await vs.reload();
    assert.ok((await vs.page.locator('.monaco-workbench').getAttribute('class'))!.includes('vs '), 'theme kept after reload');
    await vs.page.locator('.tabs-container .tab', { hasText: 'pipeline_flux2.py' }).first().waitFor({ state: 'visible' });
    assert.match(vs.extHostLog(), /remoteexthost\.log/);
  } catch (e) {
    failure = vs
      ? await vs.screenshot('failure').then(
          () => vs!.explain(e),
          () => vs!.explain(e),
        )
      : e;
  }
  const port = vs?.port ?? 0;
  const temp = vs?.tempRoot ?? '';
  const server = vs?.server?.pid ?? 0;
  await vs?.close({ failed: failure !== undefined });
  if (failure) throw failure;
  assert.equal(await isListening(port), false, 'code-server still listens after close()');
  assert.equal(alive(server), false, 'code-server still runs after close()');
  assert.equal(existsSync(temp), false, 'temp folder left behind');
});

test('a missing VSIX fails with the command that builds it', async () => {
  const ws = makeWorkspace(join(tmp, 'ws2'), { diffusers: false });
  await assert.rejects(startVSCode({ workspace: ws.mflux, vsix: join(tmp, 'nope.vsix') }), /nope\.vsix is missing: run `npm run package`/);
});
