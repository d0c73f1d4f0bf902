// `npm run demo`: builds and packages the extension, installs the VS Code test host if needed,
// builds a demo workspace (a fake mflux checkout with a port in progress, next to a diffusers
// checkout) under .demo/, and serves VS Code with the extension at http://127.0.0.1:PORT/
// until Ctrl-C.
//
//   npm run demo                      serve on a free port, print the URL, open a browser if there is a display
//   npm run demo -- --port 8080       serve on that port
//   npm run demo -- --no-open         do not try to open a browser
//   npm run demo -- --check           start, load the page in headless chromium, wait for the sample
//                                     port in the checklist, save test-results/demo.png, stop, exit 0
//   npm run demo -- --no-build        reuse the VSIX already built (fails if there is none)
//   npm run demo -- --dir PATH        build the demo in PATH instead of .demo/
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules, ensureSystemPackages, run, step } from './lib/setup.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = '.mflux-port-demo';

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string' },
      check: { type: 'boolean', default: false },
      'no-open': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (e) {
  fail(`${e.message} (see npm run demo -- --help)`);
}
if (args.help) {
  console.log('usage: npm run demo [-- --port N] [--no-open] [--check] [--no-build] [--dir PATH]');
  process.exit(0);
}
const port = args.port === undefined ? undefined : Number(args.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) fail(`--port ${args.port} is not a port number (1-65535)`);
const demoDir = resolve(REPO, args.dir ?? '.demo');

/** Deletes the demo folder only when it is one this script made (or empty): never anything else. */
function clearDemoDir(dir) {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(MARKER)) {
    fail(`${dir} exists and was not made by npm run demo (no ${MARKER} in it); move it away or pass --dir`);
  }
  rmSync(dir, { recursive: true, force: true });
}

// Refuse a foreign folder, or one a running demo still serves, before doing anything.
if (existsSync(demoDir) && readdirSync(demoDir).length > 0 && !existsSync(join(demoDir, MARKER))) {
  fail(`${demoDir} exists and was not made by npm run demo (no ${MARKER} in it); move it away or pass --dir`);
}
const RUNNING = join(demoDir, 'running.json');
if (existsSync(RUNNING)) {
  let other;
  try {
    other = JSON.parse(readFileSync(RUNNING, 'utf8'));
    process.kill(other.pid, 0);
  } catch {
    other = undefined; // unreadable or its process is gone: a stale record
  }
  if (other)
    fail(`a demo is already running from ${demoDir} (pid ${other.pid}): ${other.url}\nstop it with Ctrl-C, or pass --dir for a second one`);
}

process.chdir(REPO);
step('dependencies');
ensureNodeModules();
ensureSystemPackages();

const { name, version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const vsix = join(REPO, `${name}-${version}.vsix`);
if (args['no-build']) {
  if (!existsSync(vsix)) fail(`${vsix} is missing; run without --no-build (or npm run package)`);
} else {
  step('build and package');
  run('npm', ['run', '--silent', 'package']);
}

step('VS Code test host');
const { ensureTestHost } = await import('./install-test-host.mjs');
try {
  ensureTestHost();
} catch (e) {
  fail(e.message);
}

// The demo workspace and the harness are TypeScript (CommonJS, like the tests) loaded through tsx.
const tsx = await import('tsx/cjs/api');
const { buildDemoWorkspace, DEMO_MODEL } = tsx.require('./lib/demo-workspace.ts', import.meta.url);
const { CodeServer, openBrowser, waitForWorkbench, setSideBarWidth, ACTIVITY_ITEM } = tsx.require(
  '../test/e2e/harness.ts',
  import.meta.url,
);

step(`demo workspace in ${demoDir}`);
clearDemoDir(demoDir);
mkdirSync(demoDir, { recursive: true });
writeFileSync(join(demoDir, MARKER), 'Made by npm run demo; deleted and rebuilt on every run.\n');
const ws = await buildDemoWorkspace(join(demoDir, 'workspace'), (line) => console.log(`  ${line}`));

step('code-server');
let server;
try {
  server = await CodeServer.start({ dataDir: join(demoDir, 'code-server'), vsix, port });
} catch (e) {
  fail(e.message);
}
const url = server.url(ws.mflux);
writeFileSync(RUNNING, JSON.stringify({ pid: process.pid, url }) + '\n');
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await server.stop();
  rmSync(RUNNING, { force: true });
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

if (args.check) {
  // Headless self-test: the page loads, the extension shows its container, the sample port is in the tree.
  let browser;
  let page;
  let stage = 'opening the page in chromium';
  try {
    ({ browser, page } = await openBrowser(url));
    stage = 'the workbench and the mflux Port activity-bar item';
    await waitForWorkbench(page, true);
    await page.locator(ACTIVITY_ITEM).first().click();
    stage = `the sample port "${DEMO_MODEL}" in the checklist tree`;
    const rows = page.locator('.part.sidebar .monaco-list-row[role="treeitem"]');
    const row = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${DEMO_MODEL}\\s*$`) }) }).first();
    await row.waitFor({ state: 'visible' });
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    stage = 'the phase "1. Scope and parity" under the port';
    await rows.filter({ hasText: 'Scope and parity' }).first().waitFor({ state: 'visible' });
    // The picture: a side bar wide enough for the item titles, phase 2 open to show the auto-checks.
    await setSideBarWidth(page, 560);
    const phase2 = rows.filter({ hasText: 'Port fast to reference' }).first();
    if ((await phase2.getAttribute('aria-expanded')) === 'false') await phase2.locator('.monaco-tl-twistie').click();
    stage = 'an auto-check verifying the half-wired package from its files';
    await rows.filter({ hasText: 'verified' }).first().waitFor({ state: 'visible' });
    await page.mouse.move(1400, 700);
    await page.waitForTimeout(500); // let the tree finish painting descriptions before the picture
    mkdirSync(join(REPO, 'test-results'), { recursive: true });
    const shot = join(REPO, 'test-results', 'demo.png');
    await page.screenshot({ path: shot });
    console.log(`demo check passed: ${url}\nscreenshot: ${shot}`);
    await browser.close();
    await stop(0);
  } catch (e) {
    const shot = join(REPO, 'test-results', 'demo-failure.png');
    if (page) {
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot }).catch(() => undefined);
    }
    await browser?.close().catch(() => undefined);
    console.error(`error: demo check failed waiting for ${stage}: ${e.message.split('\n')[0]}${page ? ` (screenshot: ${shot})` : ''}`);
    console.error(server.log.trim().split('\n').slice(-20).join('\n'));
    await stop(1);
  }
} else {
  console.log(`\nmflux Port Studio demo: ${url}\n(the sample port "${DEMO_MODEL}" is in the mflux Port view; Ctrl-C stops the server)`);
  if (!args['no-open'] && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.platform === 'darwin')) {
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    spawn(opener, [url], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  }
  const code = await server.exited();
  if (!stopping) {
    rmSync(RUNNING, { force: true });
    console.error(`error: code-server stopped by itself (exit ${code}):\n${server.log.trim().split('\n').slice(-20).join('\n')}`);
    process.exit(1);
  }
}
