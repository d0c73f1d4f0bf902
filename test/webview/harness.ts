// Browser harness for the webview bundles: Debian's Chromium through playwright-core, a page
// built by the same HTML shell (and CSP) as the extension, and a fake `acquireVsCodeApi` that
// records what the webview posts. The test plays the host's side of the protocol.
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { panelHtml } from '../../src/features/panels/html';
import { REPO_ROOT } from '../helpers/python';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;

export const ORIGIN = 'http://harness.test';
export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'webview');

export type PanelName = 'imageDiff' | 'parityReport' | 'tensorViewer';
export type Theme = 'dark' | 'light' | 'hc';

const PRELUDE = `
window.__posted = [];
window.__errors = [];
let state = undefined;
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
window.addEventListener('securitypolicyviolation', (e) => window.__errors.push('CSP: ' + e.violatedDirective + ' ' + e.blockedURI));
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => state,
  setState: (s) => { state = JSON.parse(JSON.stringify(s)); window.__state = state; },
});
window.__decode = function decode(v) {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    if (v.__typed) {
      const bin = atob(v.b64);
      const u8 = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
      return v.__typed === 'Float32Array' ? new Float32Array(u8.buffer) : u8;
    }
    const o = {};
    for (const k of Object.keys(v)) o[k] = decode(v[k]);
    return o;
  }
  return v;
};
`;

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Typed arrays travel as base64 (playwright serialises plain JSON most reliably). */
function encode(v: unknown): unknown {
  if (v instanceof Uint8Array || v instanceof Float32Array) {
    return {
      __typed: v instanceof Float32Array ? 'Float32Array' : 'Uint8Array',
      b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'),
    };
  }
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

export interface Harness {
  readonly page: Page;
  /** Delivers a host -> webview message. */
  send(message: unknown): Promise<void>;
  posted(): Promise<{ kind: string; payload: Record<string, unknown>; requestId?: number }[]>;
  waitForPosted(kind: string, count?: number): Promise<{ kind: string; payload: Record<string, unknown>; requestId?: number }>;
  errors(): Promise<string[]>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** The theme files of each theme, in load order: high contrast is dark.css plus its overrides. */
const THEME_FILES: Record<Theme, string[]> = { dark: ['dark'], light: ['light'], hc: ['dark', 'hc'] };

export async function openPanel(
  browser: Browser,
  panel: PanelName,
  theme: Theme = 'dark',
  size = { width: 1280, height: 800 },
): Promise<Harness> {
  const bundle = join(REPO_ROOT, 'dist', `webview-${panel}.js`);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build.mjs first`);
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
  // The machine may be shared and loaded: generous timeouts (nothing here measures speed).
  context.setDefaultTimeout(90_000);
  const page = await context.newPage();
  const bodyClass = theme === 'light' ? 'vscode-light' : theme === 'hc' ? 'vscode-high-contrast' : 'vscode-dark';
  const html = panelHtml({
    cspSource: ORIGIN,
    title: panel,
    scriptUri: `${ORIGIN}/dist/webview-${panel}.js`,
    styleUris: [
      ...THEME_FILES[theme].map((t) => `${ORIGIN}/themes/${t}.css`),
      `${ORIGIN}/media/webview.css`,
      `${ORIGIN}/media/${panel}.css`,
    ],
    preludeScriptUri: `${ORIGIN}/harness/prelude.js`,
    bodyClass,
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    const type = path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : 'text/html';
    let body: string | Buffer | null = null;
    if (path === '/index.html') body = html;
    else if (path === '/harness/prelude.js') body = PRELUDE;
    else if (path.startsWith('/themes/')) body = readFileSync(join(REPO_ROOT, 'test', 'webview', 'themes', path.slice(8)));
    else if (path.startsWith('/dist/') || path.startsWith('/media/')) {
      const file = join(REPO_ROOT, path.slice(1));
      if (existsSync(file)) body = readFileSync(file);
    }
    if (body === null) await route.fulfill({ status: 404, body: 'not found' });
    else await route.fulfill({ status: 200, contentType: type, body });
  });
  await page.goto(`${ORIGIN}/index.html`);
  const h: Harness = {
    page,
    async send(message) {
      await page.evaluate((m) => {
        const w = window;
        window.postMessage(w.__decode(m), '*');
      }, encode(message));
    },
    posted: () => page.evaluate(() => window.__posted),
    async waitForPosted(kind, count = 1) {
      await page.waitForFunction(([k, n]) => window.__posted.filter((m: { kind: string }) => m.kind === k).length >= (n as number), [
        kind,
        count,
      ] as const);
      const all = await h.posted();
      return all.filter((m) => m.kind === kind)[count - 1];
    },
    errors: () => page.evaluate(() => window.__errors as string[]),
    async screenshot(name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    close: () => context.close(),
  };
  return h;
}

/** Starts Chromium before the suite's tests and closes it after; returns the browser's getter. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/** The `--vscode-*` variables a test theme sets, read from its files (test/webview/themes/), later files winning. */
export function themeVariables(theme: Theme): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const file of THEME_FILES[theme]) {
    const css = readFileSync(join(REPO_ROOT, 'test', 'webview', 'themes', `${file}.css`), 'utf8');
    for (const m of css.matchAll(/(--vscode-[\w-]+)\s*:\s*([^;]+);/g)) vars[m[1]] = m[2].trim();
  }
  return vars;
}

/** A CSS colour in the form getComputedStyle reports it (`rgb(…)`/`rgba(…)`), parsed by the browser. */
export function cssColour(page: Page, value: string | undefined): Promise<string> {
  if (!value) throw new Error('cssColour: no colour given (a theme variable the test theme does not set?)');
  return page.evaluate((v) => {
    const probe = window.document.createElement('i');
    probe.style.color = v;
    window.document.body.append(probe);
    const c = window.getComputedStyle(probe).color as string;
    probe.remove();
    return c;
  }, value);
}

/** Computed style properties of the first element matching `selector`. */
export function computed(page: Page, selector: string, props: readonly string[]): Promise<Record<string, string>> {
  return page.$eval(
    selector,
    (el, ps) => {
      const s = window.getComputedStyle(el);
      return Object.fromEntries((ps as string[]).map((p) => [p, s.getPropertyValue(p)]));
    },
    props,
  );
}

/**
 * What sticks out of the viewport sideways (the page scrolls horizontally, or a visible control
 * ends past the right edge), as `selector text` strings; empty when everything fits.
 */
export function overflowing(
  page: Page,
  controls = 'button, vscode-button, input, select, vscode-single-select, .badge',
): Promise<string[]> {
  return page.evaluate((sel) => {
    const d = window.document;
    const out: string[] = [];
    if (d.documentElement.scrollWidth > window.innerWidth)
      out.push(`page ${d.documentElement.scrollWidth}px wide in ${window.innerWidth}px`);
    for (const el of d.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.left < 0 || r.right > window.innerWidth + 0.5))
        out.push(`${el.tagName.toLowerCase()} "${el.textContent.trim()}" at ${r.left}..${r.right}`);
    }
    return out;
  }, controls);
}
