// Tiny DOM helpers: elements are built with properties, never from HTML strings, so data
// from files (tensor names, paths) can never become markup.

type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Custom elements (vscode-elements) by tag name. */
export function ce<T extends HTMLElement = HTMLElement>(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): T {
  const el = document.createElement(tag) as T;
  setAttrs(el, attrs);
  el.append(...children);
  return el;
}

/** A vscode-button with its text and attributes (id, title, secondary, ...), and what a click does. */
export function button(text: string, attrs: Attrs, onClick?: () => void): HTMLElement {
  const b = ce('vscode-button', attrs, text);
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

export type TextField = HTMLElement & { value: string; invalid: boolean };

/** A vscode-textfield for a number typed by hand (a tolerance, a threshold). */
export function decimalField(id: string, label: string): TextField {
  return ce<TextField>('vscode-textfield', { id, 'aria-label': label, inputmode: 'decimal' });
}

/** The toolbar's name filter of a panel (`#filter`, styled in media/webview.css). */
export function textFilter(label: string): TextField {
  return ce<TextField>('vscode-textfield', { id: 'filter', placeholder: label, 'aria-label': label });
}

function setAttrs(el: HTMLElement, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

// Reading a computed style forces a style recalculation, so theme colours are read once and
// re-read only when VS Code switches theme (it changes the body's class) or the window resizes.
const varCache = new Map<string, string>();
let varObserver: MutationObserver | null = null;

export function cssVar(name: string, fallback: string): string {
  if (!varObserver && typeof MutationObserver !== 'undefined') {
    varObserver = new MutationObserver(() => varCache.clear());
    varObserver.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  }
  let v = varCache.get(name);
  if (v === undefined) {
    v = getComputedStyle(document.body).getPropertyValue(name).trim();
    varCache.set(name, v);
  }
  return v || fallback;
}

/** Runs `fn` after the next frame has been painted (two animation frames later). */
export function afterPaint(fn: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(fn));
}

/** True when a key event comes from a text field, so panel shortcuts must not fire. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.composedPath()[0];
  return t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

/** Sizes a canvas to its CSS box at device resolution; returns the 2-D context scaled to CSS px. */
export function fitCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const r = canvas.getBoundingClientRect();
  const w = Math.max(1, Math.round(r.width * dpr));
  const hh = Math.max(1, Math.round(r.height * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== hh) canvas.height = hh;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
