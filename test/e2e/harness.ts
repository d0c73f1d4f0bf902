// Drives the packaged extension in a real VS Code: code-server 4.100.3 (VS Code 1.100.3 for the
// browser, installed by scripts/install-test-host.mjs) with Debian's chromium through
// playwright-core. Every session gets its own port, user-data-dir and extensions-dir under a
// temp folder, installs the VSIX, and is torn down completely by close(), also when a test fails.
// Usage: test/e2e/README.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');
/** Same default and override as scripts/install-test-host.mjs. */
export const HOST_DIR = process.env.MFLUX_PORT_TEST_HOST ? resolve(process.env.MFLUX_PORT_TEST_HOST) : join(REPO_ROOT, '.vscode-test-host');
export const CODE_SERVER_ENTRY = join(HOST_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** The extension's activity-bar item; its presence means the extension's manifest was loaded. */
export const ACTIVITY_ITEM = '.activitybar [aria-label^="mflux Port"]';

const TIMEOUT = Number(process.env.MFLUX_PORT_E2E_TIMEOUT_MS || 60_000);

export function defaultVsix(): string {
  const { name, version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(REPO_ROOT, `${name}-${version}.vsix`);
}

export interface VSCodeOptions {
  /** A folder, or a multi-root `.code-workspace` file, to open; undefined opens an empty window. */
  workspace?: string;
  /** Short name used for screenshots and kept logs; defaults to the workspace's base name. */
  name?: string;
  /** The VSIX to install; defaults to the one `npm run package` writes at the repo root. */
  vsix?: string;
  /** Install no extension at all (for tests of the host itself). */
  noExtension?: boolean;
  /**
   * Workspace Trust. `false` (default): trust is off, every workspace runs unrestricted.
   * `'restricted'`: trust is on and the workspace is not trusted, so it opens in restricted
   * mode without the startup prompt.
   */
  trust?: false | 'restricted';
  /** Extra user settings, merged over the harness defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so the extension host and terminals). */
  env?: Record<string, string>;
  /** Wait for the extension's activity-bar item after load (default true unless noExtension). */
  waitForExtension?: boolean;
  /** Open the mflux Port view after load (default false). */
  openView?: boolean;
  /** Browser viewport; screenshots use it. */
  viewport?: { width: number; height: number };
}

/** Settings every session starts with: nothing that pops up, phones home or steals focus. */
export function defaultSettings(trust: VSCodeOptions['trust']): Record<string, unknown> {
  return {
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'security.workspace.trust.enabled': trust === 'restricted',
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.emptyWindow': false,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'git.openRepositoryInParentFolders': 'never',
    'git.autofetch': false,
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    // The DOM renderer keeps terminal text in the page, so terminalText() can read it.
    'terminal.integrated.gpuAcceleration': 'off',
    'terminal.integrated.enablePersistentSessions': false,
    'terminal.integrated.showTerminalConfigPrompt': false,
    'window.commandCenter': false,
    'files.hotExit': 'off',
  };
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolveListening(true)));
    s.once('error', () => resolveListening(false));
  });
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function checkPrerequisites(opts: VSCodeOptions): string | undefined {
  if (!existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(
      `the VS Code test host is not installed (${CODE_SERVER_ENTRY} is missing): run \`node scripts/install-test-host.mjs\` (npm test does it)`,
    );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (npm test does it when run as root)`);
  if (opts.workspace !== undefined && !existsSync(opts.workspace)) throw new Error(`workspace ${opts.workspace} does not exist`);
  if (opts.noExtension) return undefined;
  const vsix = opts.vsix ?? defaultVsix();
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first`);
  const newer = newestSource();
  if (newer && newer.mtimeMs > statSync(vsix).mtimeMs) {
    process.stderr.write(`warning: ${basename(vsix)} is older than ${newer.path}; run \`npm run package\` to test the current code\n`);
  }
  return vsix;
}

function newestSource(): { path: string; mtimeMs: number } | undefined {
  let best: { path: string; mtimeMs: number } | undefined;
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const n of readdirSync(p)) visit(join(p, n));
    else if (!best || st.mtimeMs > best.mtimeMs) best = { path: p.slice(REPO_ROOT.length + 1), mtimeMs: st.mtimeMs };
  };
  for (const p of ['src', 'webview', 'media', 'python', 'package.json']) visit(join(REPO_ROOT, p));
  return best;
}

/** Sessions still open, killed if the test process exits without closing them. */
const live = new Set<VSCodeSession>();
process.on('exit', () => {
  for (const s of live) s.killNow();
});
// code-server runs in its own process group, so Ctrl-C on the test run does not reach it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const s of live) s.killNow();
    process.kill(process.pid, signal);
  });
}

/**
 * Starts code-server with the extension installed, opens the workspace in chromium and waits
 * for the workbench (and the extension's activity-bar item). Always pair with close().
 */
export async function startVSCode(opts: VSCodeOptions): Promise<VSCodeSession> {
  const vsix = checkPrerequisites(opts);
  const session = new VSCodeSession(opts);
  live.add(session);
  try {
    await session.start(vsix);
    return session;
  } catch (e) {
    await session.close({ failed: true });
    throw await session.explain(e);
  }
}

/** Runs `fn` with a session and closes it whatever happens; failures carry the logs. */
export async function withVSCode<T>(opts: VSCodeOptions, fn: (vs: VSCodeSession) => Promise<T>): Promise<T> {
  const vs = await startVSCode(opts);
  let failed = true;
  try {
    const result = await fn(vs);
    failed = false;
    return result;
  } catch (e) {
    await vs.screenshot('failure').catch(() => undefined);
    throw await vs.explain(e);
  } finally {
    await vs.close({ failed });
  }
}

/** Where a code-server instance keeps its state, and how it is configured. */
export interface CodeServerOptions {
  /** Folder for user-data/, extensions/, config.yaml and code-server's own data; created if needed. */
  readonly dataDir: string;
  /** VSIX to install before starting (skipped when undefined). */
  readonly vsix?: string;
  readonly trust?: false | 'restricted';
  /** User settings merged over defaultSettings(). */
  readonly settings?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  /** Loopback port; default: a free one. */
  readonly port?: number;
}

/**
 * A code-server process in its own process group, listening on 127.0.0.1. Used by the test
 * sessions below and by `npm run demo`.
 */
export class CodeServer {
  readonly userDataDir: string;
  readonly extensionsDir: string;
  private output = '';

  private constructor(
    readonly opts: CodeServerOptions,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.userDataDir = join(opts.dataDir, 'user-data');
    this.extensionsDir = join(opts.dataDir, 'extensions');
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
  }

  /** Writes settings, installs the VSIX, starts code-server and waits until it listens. */
  static async start(opts: CodeServerOptions): Promise<CodeServer> {
    if (!existsSync(CODE_SERVER_ENTRY)) {
      throw new Error(
        `the VS Code test host is not installed (${CODE_SERVER_ENTRY} is missing): run \`node scripts/install-test-host.mjs\` (npm test does it)`,
      );
    }
    const userDataDir = join(opts.dataDir, 'user-data');
    const extensionsDir = join(opts.dataDir, 'extensions');
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    mkdirSync(extensionsDir, { recursive: true });
    const settings = { ...defaultSettings(opts.trust ?? false), ...opts.settings };
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    const common = ['--config', join(opts.dataDir, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
    // code-server keeps its own state under XDG_DATA_HOME; keep it out of the user's home.
    const env = { ...process.env, XDG_DATA_HOME: join(opts.dataDir, 'xdg-data'), VSCODE_CLI: '', ELECTRON_RUN_AS_NODE: '', ...opts.env };
    if (opts.vsix) {
      const r = spawnSync(process.execPath, [CODE_SERVER_ENTRY, ...common, '--install-extension', opts.vsix], {
        encoding: 'utf8',
        env,
        timeout: 120_000,
      });
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      if (r.status !== 0 || !/successfully installed/i.test(out)) {
        throw new Error(`installing ${basename(opts.vsix)} into code-server failed (exit ${r.status ?? r.signal}):\n${out.trim()}`);
      }
    }
    // A free port can be taken by a parallel test between the probe and code-server's bind:
    // then try another one (only when the caller did not ask for a port).
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const args = [
        CODE_SERVER_ENTRY,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        ...common,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-getting-started-override',
        '--ignore-last-opened',
      ];
      if (!opts.trust) args.push('--disable-workspace-trust');
      const child = spawn(process.execPath, args, {
        cwd: opts.dataDir,
        detached: true, // its own process group: stop() kills code-server with every child it started
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      });
      const server = new CodeServer(opts, port, child);
      try {
        await server.waitListening();
        return server;
      } catch (e) {
        await server.stop();
        if (opts.port === undefined && attempt < 3 && /EADDRINUSE/.test(server.log)) continue;
        throw e;
      }
    }
  }

  /** The URL that opens `workspace` (a folder or a .code-workspace file), or an empty window. */
  url(workspace?: string): string {
    if (workspace === undefined) return `http://127.0.0.1:${this.port}/`;
    const ws = resolve(workspace);
    const query = ws.endsWith('.code-workspace') ? `workspace=${encodeURIComponent(ws)}` : `folder=${encodeURIComponent(ws)}`;
    return `http://127.0.0.1:${this.port}/?${query}`;
  }

  /** What code-server printed so far. */
  get log(): string {
    return this.output;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when code-server exits by itself (the demo waits on it). */
  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  private async waitListening(): Promise<void> {
    const deadline = Date.now() + TIMEOUT;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        const inUse = /EADDRINUSE/.test(this.output) ? ` (port ${this.port} is in use)` : '';
        throw new Error(
          `code-server exited with ${this.child.exitCode ?? this.child.signalCode} before listening${inUse}:\n${this.output.trim()}`,
        );
      }
      if (/HTTP server listening on/.test(this.output)) return;
      await sleep(100);
    }
    throw new Error(`code-server did not listen on port ${this.port} within ${TIMEOUT / 1000} s:\n${this.output.trim()}`);
  }

  /** Kills the process group and waits until it is gone (the listening socket is a child's). */
  async stop(): Promise<void> {
    this.killNow();
    await waitExit(this.child);
    const pid = this.child.pid;
    if (!pid) return;
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(-pid, 0);
      } catch {
        return;
      }
      await sleep(100);
    }
  }

  /** Synchronous kill, for process exit handlers. */
  killNow(): void {
    const pid = this.child.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export class VSCodeSession {
  readonly name: string;
  readonly tempRoot: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  port = 0;
  url = '';
  server?: CodeServer;
  private browser?: Browser;
  private _page?: Page;
  private closed = false;

  constructor(readonly opts: VSCodeOptions) {
    this.name = (opts.name ?? (opts.workspace ? basename(opts.workspace).replace(/\.code-workspace$/, '') : 'empty-window')).replace(
      /[^A-Za-z0-9_.-]+/g,
      '-',
    );
    this.tempRoot = mkdtempSync(join(tmpdir(), 'mflux-port-e2e-'));
    this.userDataDir = join(this.tempRoot, 'user-data');
    this.extensionsDir = join(this.tempRoot, 'extensions');
  }

  get page(): Page {
    if (!this._page) throw new Error('VS Code session is not started');
    return this._page;
  }

  /** @internal */
  async start(vsix: string | undefined): Promise<void> {
    this.server = await CodeServer.start({
      dataDir: this.tempRoot,
      vsix,
      trust: this.opts.trust,
      settings: this.opts.settings,
      env: this.opts.env,
    });
    this.port = this.server.port;
    this.url = this.server.url(this.opts.workspace);
    const { browser, page } = await openBrowser(this.url, this.opts.viewport);
    this.browser = browser;
    this._page = page;
    await this.waitForWorkbench();
    if (this.opts.openView) await this.openView();
  }

  private async waitForWorkbench(): Promise<void> {
    await waitForWorkbench(this.page, this.opts.waitForExtension ?? !this.opts.noExtension);
  }

  // ---- the workbench ----------------------------------------------------------------------

  /** Runs a command by its palette title, e.g. "mflux Port: Start Port…" or "View: Close Editor". */
  async runCommand(title: string): Promise<void> {
    const widget = await this.openQuickInput('F1');
    const input = widget.locator('.quick-input-box input');
    await input.fill(`>${title}`);
    const row = widget
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactText(title) }) });
    try {
      await row.first().waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      const shown = await widget.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
      await this.page.keyboard.press('Escape');
      throw new Error(`command "${title}" is not in the command palette; it shows: ${shown.slice(0, 10).join(' | ') || '(nothing)'}`);
    }
    await row.first().click();
    await this.parkMouse();
  }

  /**
   * Replaces the value of the open input box (or quick pick filter) with `text` and accepts it
   * with Enter. A quick-access prefix such as ":" (Go to Line) must be part of `text`.
   */
  async quickInput(text: string, opts: { expect?: string | RegExp } = {}): Promise<void> {
    const widget = await this.waitQuickInput(opts.expect);
    const before = await this.quickInputDescription();
    const input = widget.locator('.quick-input-box input');
    await input.fill(text);
    await input.press('Enter');
    await this.waitQuickInputMovedOn(before, `input "${text}"`);
  }

  /** Picks the item labelled `label` in the open quick pick. */
  async pickQuickItem(label: string | RegExp, opts: { expect?: string | RegExp } = {}): Promise<void> {
    const widget = await this.waitQuickInput(opts.expect);
    const before = await this.quickInputDescription();
    const row = widget
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: typeof label === 'string' ? exactText(label) : label }) });
    try {
      await row.first().waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      const shown = await widget.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
      throw new Error(`quick pick has no item "${label}"; it shows: ${shown.join(' | ') || '(nothing)'}`);
    }
    await row.first().click();
    await this.parkMouse();
    await this.waitQuickInputMovedOn(before, `item "${label}"`);
  }

  /** Title, prompt/validation message and placeholder of the open quick input, joined. */
  async quickInputDescription(): Promise<string> {
    const w = this.page.locator('.quick-input-widget');
    if (!(await w.isVisible())) return '';
    return await w.evaluate((node) => {
      const el = node as unknown as DomNode;
      const text = (sel: string) => el.querySelector(sel)?.innerText ?? '';
      const ph = el.querySelector('.quick-input-box input')?.placeholder ?? '';
      return [text('.quick-input-title'), text('.quick-input-message'), ph].filter(Boolean).join(' | ');
    });
  }

  /** Moves the pointer to an empty spot so no hover tooltip covers the next screenshot. */
  private async parkMouse(): Promise<void> {
    const size = this.page.viewportSize();
    if (size) await this.page.mouse.move(size.width - 10, size.height - 60);
  }

  private async openQuickInput(key: string): Promise<Locator> {
    await this.dismissQuickInput();
    const widget = this.page.locator('.quick-input-widget');
    await this.page.keyboard.press(key);
    try {
      await widget.waitFor({ state: 'visible', timeout: 5_000 });
    } catch {
      // A webview (an iframe) that took the focus, e.g. by a click on its button, does not
      // always hand the key on to the workbench: take the focus back to the page, press again.
      await this.page.evaluate('document.activeElement && document.activeElement.blur()');
      if (!(await widget.isVisible())) await this.page.keyboard.press(key);
      await widget.waitFor({ state: 'visible' });
    }
    return widget;
  }

  private async dismissQuickInput(): Promise<void> {
    if (await this.page.locator('.quick-input-widget').isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    }
  }

  private async waitQuickInput(expect?: string | RegExp): Promise<Locator> {
    const widget = this.page.locator('.quick-input-widget');
    await widget.waitFor({ state: 'visible' });
    if (expect !== undefined) {
      const deadline = Date.now() + 15_000;
      let desc = '';
      while (Date.now() < deadline) {
        desc = await this.quickInputDescription();
        if (typeof expect === 'string' ? desc.includes(expect) : expect.test(desc)) return widget;
        await sleep(100);
      }
      throw new Error(`expected a quick input matching ${expect}, the open one says: "${desc}"`);
    }
    return widget;
  }

  /** After accepting: wait until the widget closed or shows another prompt; a validation error stays. */
  private async waitQuickInputMovedOn(before: string, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const w = this.page.locator('.quick-input-widget');
      if (!(await w.isVisible())) return;
      if ((await this.quickInputDescription()) !== before) return;
      await sleep(100);
    }
    throw new Error(`the quick input did not accept ${what}; it still says: "${await this.quickInputDescription()}"`);
  }

  /** Opens the mflux Port container in the side bar (a no-op when it is already showing). */
  async openView(): Promise<Locator> {
    const item = this.page.locator(ACTIVITY_ITEM).first();
    await item.waitFor({ state: 'visible' });
    const container = this.sideBar();
    // Right after a reload the side bar may still be restoring this container, and a click on
    // the (already active) activity item would then close it again: check, click, re-check.
    for (let attempt = 1; !(await container.isVisible()); attempt++) {
      await item.click();
      try {
        await container.waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : 30_000 });
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    return container;
  }

  /** The side bar while it shows the mflux Port container. */
  sideBar(): Locator {
    return this.page.locator('.part.sidebar').filter({ has: this.page.locator('.composite.title', { hasText: /mflux Port/i }) });
  }

  /** Drags the side bar's edge so it is `width` pixels wide (long checklist titles fit in screenshots). */
  async setSideBarWidth(width: number): Promise<void> {
    await setSideBarWidth(this.page, width);
    await this.parkMouse();
  }

  /** One view of the mflux Port container, by its name (e.g. "Porting Checklist", "Hugging Face Cache"). */
  view(name: string): Locator {
    return this.sideBar()
      .locator('.pane')
      .filter({ has: this.page.locator(`.pane-header[aria-label^="${name.replace(/"/g, '\\"')}"]`) });
  }

  /** The tree row labelled `label` (exact label text) in the mflux Port container, or in one of its views. */
  treeItem(label: string | RegExp, opts: { view?: string } = {}): Locator {
    const name = this.page.locator('.label-name', { hasText: typeof label === 'string' ? exactText(label) : label });
    const scope = opts.view ? this.view(opts.view) : this.sideBar();
    return scope.locator('.monaco-list-row[role="treeitem"]').filter({ has: name });
  }

  /** The native checkbox of a tree row. Its `aria-checked` / `checked` class tell the state. */
  treeCheckbox(label: string | RegExp): Locator {
    return this.treeItem(label).locator('.custom-view-tree-node-item-checkbox');
  }

  /** Whether a tree row's checkbox is checked. */
  async isChecked(label: string | RegExp): Promise<boolean> {
    const box = this.treeCheckbox(label).first();
    await box.waitFor({ state: 'visible' });
    const aria = await box.getAttribute('aria-checked');
    if (aria !== null) return aria === 'true';
    return ((await box.getAttribute('class')) ?? '').split(/\s+/).includes('checked');
  }

  /**
   * Ticks (or unticks) a tree row's checkbox the way a user does and waits until VS Code shows
   * the new state. The pointer is moved away first: the hover of the previous checkbox ("Mark
   * done") would otherwise cover the one below it. VS Code toggles the box before the extension
   * hears of it, so assert on what the extension did (the state file), not only on this.
   */
  async setChecked(label: string | RegExp, checked = true): Promise<void> {
    if ((await this.isChecked(label)) === checked) return;
    await this.parkMouse();
    await this.treeCheckbox(label).first().click();
    await waitFor(async () => (await this.isChecked(label)) === checked, `"${label}" to be ${checked ? 'checked' : 'unchecked'}`);
    await this.parkMouse();
  }

  /** Expands a collapsed tree row (no-op if it is expanded or a leaf). */
  async expand(label: string | RegExp): Promise<void> {
    const row = this.treeItem(label).first();
    await row.waitFor({ state: 'visible' });
    // A click that lands while the tree re-renders the row can be swallowed: try it a few times.
    for (let attempt = 1; (await row.getAttribute('aria-expanded')) === 'false'; attempt++) {
      await row.locator('.monaco-tl-twistie').click();
      try {
        await waitFor(
          async () => (await row.getAttribute('aria-expanded')) === 'true',
          `tree item "${label}" to expand`,
          attempt < 3 ? 5_000 : 20_000,
        );
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  /** The welcome (empty-view) content of a view (default: the checklist), e.g. its "Start a port" button. */
  welcomeView(view = 'Porting Checklist'): Locator {
    return this.view(view).locator('.welcome-view-content');
  }

  /** Moves the cursor of the active editor to line:column (1-based) and waits until it is there. */
  async goToLine(line: number, column = 1): Promise<void> {
    const widget = await this.openQuickInput('Control+G');
    const input = widget.locator('.quick-input-box input');
    await input.fill(`:${line}:${column}`);
    await input.press('Enter');
    await widget.waitFor({ state: 'hidden' });
    const want = `Ln ${line}, Col ${column}`;
    await waitFor(async () => (await this.page.locator('.statusbar-item', { hasText: want }).count()) > 0, `the cursor at ${want}`, 10_000);
  }

  /** Opens a file by path (absolute or relative to the workspace) through Quick Open. */
  async openFile(path: string): Promise<void> {
    const widget = await this.openQuickInput('Control+P');
    const input = widget.locator('.quick-input-box input');
    await input.fill(path);
    const wanted = basename(path);
    const row = widget
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactText(wanted) }) });
    await row
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 })
      .catch(() => {
        throw new Error(`Quick Open does not find ${path}`);
      });
    await input.press('Enter');
    await this.page.locator('.tabs-container .tab', { hasText: wanted }).first().waitFor({ state: 'visible' });
  }

  /** Text of the notification toasts currently shown (and of the notification center if open). */
  async notifications(): Promise<string[]> {
    return await this.page
      .locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item')
      .evaluateAll((els) =>
        (els as unknown as DomNode[]).map((el) => (el.querySelector('.notification-list-item-message') ?? el).innerText.trim()),
      );
  }

  /** Waits for a notification whose text matches, and returns its text. */
  async waitForNotification(match: string | RegExp, timeoutMs = 20_000): Promise<string> {
    let found = '';
    // VS Code does not always raise a toast (e.g. while another notification shows progress);
    // the message then sits in the notification center, so open it once if nothing shows.
    const centerAt = Date.now() + Math.min(5_000, timeoutMs / 3);
    let centerOpened = false;
    await waitFor(
      async () => {
        if (!centerOpened && Date.now() > centerAt && !(await this.page.locator('.notifications-center').isVisible())) {
          centerOpened = true;
          await this.runCommand('Notifications: Show Notifications');
        }
        const all = await this.notifications();
        found = all.find((t) => (typeof match === 'string' ? t.includes(match) : match.test(t))) ?? '';
        return found !== '';
      },
      `a notification matching ${match}`,
      timeoutMs,
      async () => `shown: ${JSON.stringify(await this.notifications())}`,
    );
    return found;
  }

  /**
   * The content frame of a webview, found by its editor tab title (panels, custom editors) or,
   * failing that, by its view title (webview views). VS Code does not put webviews inside the
   * editor: each is an `iframe.webview` in an overlay positioned over its editor
   * (`data-parent-flow-to-element-id`), hosting the page in an inner `#active-frame`.
   */
  async webviewFrame(title: string | RegExp, timeoutMs = 20_000): Promise<FrameLocator> {
    let name = '';
    await waitFor(
      async () => {
        name = await this.page.evaluate(
          ([source, flags]) => {
            const doc = (globalThis as unknown as { document: DomNode }).document;
            const want = source === null ? null : new RegExp(source, flags);
            const matches = (t: string) => (want ? want.test(t) : false);
            const visibleFrames = () =>
              Array.from(doc.querySelectorAll('iframe.webview.ready')).filter(
                (f) => f.getBoundingClientRect().width > 0 && f.getBoundingClientRect().height > 0,
              );
            for (const tab of Array.from(doc.querySelectorAll('.tabs-container .tab'))) {
              if (!matches(tab.querySelector('.label-name')?.innerText ?? tab.innerText)) continue;
              if (tab.getAttribute('aria-selected') !== 'true') continue;
              const group = tab.closest('.editor-group-container');
              const anchor = group?.querySelector('[id^="webview-editor-element-"]');
              if (!anchor) continue;
              const overlay = doc.querySelector(`[data-parent-flow-to-element-id="${anchor.getAttribute('id')}"]`);
              const frame = overlay?.querySelector('iframe.webview.ready');
              if (frame) return frame.getAttribute('name') ?? '';
            }
            for (const pane of Array.from(doc.querySelectorAll('.pane'))) {
              if (!matches(pane.querySelector('.pane-header')?.innerText ?? '')) continue;
              const body = pane.querySelector('.pane-body')?.getBoundingClientRect();
              if (!body) continue;
              const hit = visibleFrames().find((f) => {
                const r = f.getBoundingClientRect();
                const cx = r.left + r.width / 2;
                const cy = r.top + r.height / 2;
                return cx >= body.left && cx <= body.left + body.width && cy >= body.top && cy <= body.top + body.height;
              });
              if (hit) return hit.getAttribute('name') ?? '';
            }
            return '';
          },
          typeof title === 'string' ? [escapeRegExp(title), 'i'] : [title.source, title.flags],
        );
        if (!name) {
          // A webview in a background tab is not mounted: bring its tab forward.
          const tab = this.page.locator('.tabs-container .tab[aria-selected="false"]', { hasText: title }).first();
          if (await tab.isVisible()) await tab.click();
        }
        return name !== '';
      },
      `a webview titled ${title}`,
      timeoutMs,
      async () => `tabs: ${JSON.stringify(await this.page.locator('.tabs-container .tab').allInnerTexts())}`,
    );
    const frame = this.page.frameLocator(`iframe.webview[name="${name}"]`).frameLocator('#active-frame');
    await frame.locator('body').waitFor({ state: 'attached' });
    return frame;
  }

  /** Focuses the active terminal and types `text` (end it with "\n" to run it). */
  async terminalType(text: string): Promise<void> {
    await this.page.locator('.terminal-wrapper.active .xterm-screen').first().click();
    await this.page.keyboard.type(text);
  }

  /** The visible text of the active integrated terminal (DOM renderer, see defaultSettings). */
  async terminalText(): Promise<string> {
    const rows = this.page.locator('.terminal-wrapper.active .xterm-rows').first();
    await rows.waitFor({ state: 'attached' });
    return await rows.evaluate((node) =>
      Array.from((node as unknown as DomNode).children)
        .map((r) => r.innerText.replace(/\u00a0/g, ' ').trimEnd())
        .join('\n')
        .trimEnd(),
    );
  }

  /** Reloads the window (Developer: Reload Window) and waits for the workbench and extension. */
  async reload(): Promise<void> {
    const loaded = this.page.waitForEvent('load');
    await this.runCommand('Developer: Reload Window');
    await loaded;
    await this.waitForWorkbench();
    if (this.opts.openView) await this.openView();
  }

  /** Saves a PNG of the page to test-results/e2e/<session>-<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, `${this.name}-${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** The extension host log(s) of this session, newest window last. */
  extHostLog(): string {
    const logs = join(this.userDataDir, 'logs');
    if (!existsSync(logs)) return '';
    const parts: string[] = [];
    for (const stamp of readdirSync(logs).sort()) {
      const dir = join(logs, stamp);
      if (!statSync(dir).isDirectory()) continue;
      for (const host of readdirSync(dir)
        .filter((n) => n.startsWith('exthost'))
        .sort()) {
        const file = join(dir, host, 'remoteexthost.log');
        if (existsSync(file)) parts.push(`--- ${stamp}/${host}/remoteexthost.log\n${readFileSync(file, 'utf8')}`);
      }
    }
    return parts.join('\n');
  }

  /** The log lines that mention this extension or an error, for failure messages. */
  relevantLog(maxLines = 60): string {
    const lines = this.extHostLog()
      .split('\n')
      .filter(
        (l) =>
          /mflux-port-studio|mfluxPort|\[error\]|exception|failed/i.test(l) &&
          !/open-vsx|telemetry|marketplace|ENOTFOUND|EAI_AGAIN/i.test(l),
      );
    return lines.slice(-maxLines).join('\n');
  }

  /** Wraps an error with the notifications and the extension host log, so a failure explains itself. */
  async explain(e: unknown): Promise<Error> {
    const err = e instanceof Error ? e : new Error(String(e));
    const notes = this._page ? await this.notifications().catch(() => []) : [];
    const extra = [
      notes.length ? `notifications: ${JSON.stringify(notes)}` : '',
      `extension host log (${this.userDataDir}/logs/*/exthost*/remoteexthost.log, filtered):\n${this.relevantLog() || '(nothing relevant)'}`,
    ].filter(Boolean);
    err.message = `${err.message}\n[${this.name}] ${extra.join('\n')}`;
    return err;
  }

  /** Closes the browser, kills code-server and its children, and removes the temp folder. */
  async close(opts: { failed?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (opts.failed) this.keepLogs();
    await this.browser?.close().catch(() => undefined);
    await this.server?.stop();
    rmSync(this.tempRoot, { recursive: true, force: true, maxRetries: 3 });
    live.delete(this);
  }

  /** @internal Synchronous kill, for the process exit handler. */
  killNow(): void {
    this.server?.killNow();
  }

  private keepLogs(): void {
    try {
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(join(RESULTS_DIR, `${this.name}-exthost.log`), this.extHostLog());
      writeFileSync(join(RESULTS_DIR, `${this.name}-code-server.log`), this.server?.log ?? '');
    } catch {
      /* best effort */
    }
  }
}

/** Headless Debian chromium on `url`, with the page's default timeout set. */
export async function openBrowser(url: string, viewport = { width: 1440, height: 900 }): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (npm test does it when run as root)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport });
    // tsx compiles page callbacks with esbuild's keepNames, which wraps named inner functions in
    // a `__name()` helper that the page does not have.
    await context.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(url);
    return { browser, page };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

/** Waits for the workbench, and for the extension's activity-bar item when asked. */
export async function waitForWorkbench(page: Page, extension = true): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'attached' });
  if (extension) await page.locator(ACTIVITY_ITEM).first().waitFor({ state: 'visible' });
}

/** Drags the side bar's edge so it is `width` pixels wide. */
export async function setSideBarWidth(page: Page, width: number): Promise<void> {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) throw new Error('the side bar is not showing');
  const edge = bar.x + bar.width;
  for (const sash of await page.locator('.monaco-sash.vertical').all()) {
    const box = await sash.boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 4 || box.height < bar.height / 2) continue;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(bar.x + width, y, { steps: 5 });
    await page.mouse.up();
    return;
  }
  throw new Error('no sash found on the side bar edge');
}

/** The little of the DOM the page-side callbacks use (the project compiles without lib.dom). */
interface DomNode {
  readonly innerText: string;
  readonly placeholder?: string;
  readonly children: ArrayLike<DomNode>;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
  closest(selector: string): DomNode | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactText(s: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(s)}\\s*$`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitExit(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
}

/** Polls `cond` until it is true; the error names what was awaited and, optionally, what was seen. */
export async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs = 20_000, seen?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(150);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${seen ? `; ${await seen()}` : ''}`);
}
