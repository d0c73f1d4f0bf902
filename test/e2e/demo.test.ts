// `npm run demo` end to end (with --no-build: npm test has just packaged the VSIX): --check
// serves the demo, finds the sample port in the checklist and saves test-results/demo.png;
// the serving mode answers on the given port and stops cleanly on Ctrl-C; a folder the demo
// did not make, or one a running demo serves, is never deleted.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, isListening, REPO_ROOT, waitFor } from './harness';

const DEMO = join(REPO_ROOT, 'scripts', 'demo.mjs');
let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mflux-port-demo-e2e-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('npm run demo -- --check serves the sample port and saves a screenshot', { timeout: 300_000 }, () => {
  const dir = join(tmp, 'check');
  const shot = join(REPO_ROOT, 'test-results', 'demo.png');
  const started = Date.now();
  const r = spawnSync(process.execPath, [DEMO, '--check', '--no-build', '--dir', dir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 280_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out);
  assert.match(r.stdout, /demo check passed: http:\/\/127\.0\.0\.1:\d+\/\?folder=/);
  assert.ok(statSync(shot).mtimeMs >= started - 1000, 'test-results/demo.png was written by this run');
  const state = JSON.parse(readFileSync(join(dir, 'workspace', 'mflux', '.mflux-port', 'z_image.json'), 'utf8'));
  assert.equal(state.model, 'z_image');
  assert.equal(state.items['scope.targets'].status, 'done');
  assert.ok(existsSync(join(dir, 'workspace', 'diffusers', 'src', 'diffusers', 'pipelines', 'z_image', 'pipeline_z_image.py')));
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(r.stdout)![1]);
  return isListening(port).then((up) => assert.equal(up, false, 'code-server stopped after the check'));
});

test('npm run demo serves on --port until Ctrl-C, then stops cleanly', { timeout: 300_000 }, async () => {
  const dir = join(tmp, 'serve');
  const port = await freePort();
  const child = spawn(process.execPath, [DEMO, '--no-build', '--no-open', '--port', String(port), '--dir', dir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve((code = c))));
  try {
    await waitFor(
      async () => {
        if (code !== undefined) throw new Error(`the demo exited with ${code} before serving:\n${out}`);
        return out.includes(`http://127.0.0.1:${port}/?folder=`);
      },
      'the demo URL',
      240_000,
      async () => out,
    );
    const url = /http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+/.exec(out)![0];
    assert.ok(url.includes(encodeURIComponent(join(dir, 'workspace', 'mflux'))), url);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<html/i);
    // A second demo on the same folder would delete it from under the first one: refused.
    const second = spawnSync(process.execPath, [DEMO, '--check', '--no-build', '--dir', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(second.status, 1, second.stdout + second.stderr);
    assert.match(second.stderr, /a demo is already running from .* \(pid \d+\): http:\/\/127\.0\.0\.1:/);
    assert.equal((await fetch(url)).status, 200, 'the first demo still serves');
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, out);
  assert.equal(await isListening(port), false, 'the port is free after Ctrl-C');
});

test('npm run demo refuses to delete a folder it did not make', () => {
  const dir = join(tmp, 'precious');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const r = spawnSync(process.execPath, [DEMO, '--check', '--no-build', '--dir', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /exists and was not made by npm run demo/);
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
});
