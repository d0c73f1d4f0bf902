// scripts/install-test-host.mjs: a finished host is reused without work, and an install that
// stopped half way resumes at the step that did not finish (here: the ripgrep and
// node_modules.asar links, with a stale lock left by a killed run). Works on a hard-linked copy
// of the installed host, so the shared one is never touched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HOST_DIR, REPO_ROOT } from './harness';

const SCRIPT = join(REPO_ROOT, 'scripts', 'install-test-host.mjs');
const VSCODE = join('node_modules', 'code-server', 'lib', 'vscode');
let tmp = '';
before(() => {
  // Hard links need the copy on the host's file system: under test-results/ (git-ignored).
  mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
  tmp = mkdtempSync(join(REPO_ROOT, 'test-results', 'host-copy-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function install(host: string) {
  return spawnSync(process.execPath, [SCRIPT], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, MFLUX_PORT_TEST_HOST: host },
    timeout: 600_000,
  });
}

test('a finished host is reused as is', () => {
  const r = install(HOST_DIR);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /…/, 'no install step ran');
  assert.match(r.stdout, /^test host: .*entry\.js/m);
});

test('a half-finished install resumes at the missing step, past a stale lock', { timeout: 600_000 }, () => {
  const copy = join(tmp, 'host');
  // Hard links: cheap, and the installer only ever writes new files or replaces links.
  const cp = spawnSync('cp', ['-al', HOST_DIR, copy], { encoding: 'utf8' });
  assert.equal(cp.status, 0, cp.stderr);
  const stamps = join(copy, '.stamps');
  for (const name of readdirSync(stamps)) if (/^(links|check|done)-/.test(name)) rmSync(join(stamps, name));
  const rg = join(copy, VSCODE, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  const asar = join(copy, VSCODE, 'node_modules.asar');
  rmSync(rg);
  rmSync(asar);
  // A lock held by a process that no longer exists.
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(copy, '.lock'), dead);

  const r = install(copy);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /ripgrep \(Debian\) and node_modules\.asar…/);
  assert.match(r.stdout, /smoke check…/);
  assert.doesNotMatch(r.stdout, /from the npm registry…|native modules|built-in extensions…|argon2/, 'finished steps are not redone');
  assert.equal(readlinkSync(rg), '/usr/bin/rg');
  assert.equal(readlinkSync(asar), 'node_modules');
  assert.ok(lstatSync(asar).isSymbolicLink());
  assert.equal(existsSync(join(copy, '.lock')), false, 'the lock is released');
  assert.ok(readdirSync(stamps).some((n) => n.startsWith('done-')));
});
