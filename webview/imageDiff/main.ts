// Image diff panel: reference vs candidate with synchronised zoom/pan, six views, a pixel
// inspector and mflux's golden rule replayed live. The host decodes the PNGs and sends the
// pixels; everything interactive (gain, colormap, tolerances, curve) is computed here.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import {
  isImageDiffHostMessage, MFLUX_RULE_DEFAULTS,
  type DecodedImage, type ImageDiffHostMessage, type ImageDiffSource, type ImageDiffWebviewMessage, type ImageMetrics, type ImagePairInfo, type RuleParams,
} from '../../src/protocol/imageDiff';
import { connect } from '../shared/vscodeApi';
import { ce, clear, cssVar, fitCanvas, h, isTyping } from '../shared/dom';
import { colorize, COLORMAP_NAMES, cssColor, type ColormapName } from '../shared/colormap';
import { defaultRtols, elementPasses, jointHistogram, judge, passingRtol, rtolCurve, type JointHistogram } from '../shared/goldenRule';
import { drawChart } from '../shared/chart';
import { fmt, pct } from '../shared/format';

type Mode = 'side' | 'swipe' | 'onion' | 'blink' | 'diff' | 'heat';
const MODES: readonly { id: Mode; label: string; key: string }[] = [
  { id: 'side', label: 'Side by side', key: '1' },
  { id: 'swipe', label: 'Swipe', key: '2' },
  { id: 'onion', label: 'Onion skin', key: '3' },
  { id: 'blink', label: 'Blink', key: '4' },
  { id: 'diff', label: 'Difference', key: '5' },
  { id: 'heat', label: 'Heatmap', key: '6' },
];
const GAINS = [1, 2, 4, 8, 16, 32, 64];

interface Persisted {
  source: ImageDiffSource | null;
  rule: RuleParams;
  mode: Mode;
  selected: number;
}

interface Loaded {
  readonly id: number;
  readonly ref: DecodedImage | null;
  readonly cand: DecodedImage | null;
  readonly problems: readonly string[];
  readonly metrics: ImageMetrics | null;
  readonly refCanvas: HTMLCanvasElement | null;
  readonly candCanvas: HTMLCanvasElement | null;
  /** Set when both decoded with equal sizes. */
  readonly comparable: boolean;
  /** Set when the rule can run (comparable and same channel count). */
  readonly joint: JointHistogram | null;
  readonly ruleError: string | null;
  /** max over channels of |a-b|, per pixel (for the heatmap). */
  readonly maxDiff: Float32Array | null;
}

const channel = connect<ImageDiffHostMessage, ImageDiffWebviewMessage>(isImageDiffHostMessage, (raw) => {
  console.warn('image diff: ignored a malformed message', raw);
});
const saved = channel.getState<Persisted>();

const state = {
  title: '',
  pairs: [] as readonly ImagePairInfo[],
  stepwise: false,
  source: saved?.source ?? null as ImageDiffSource | null,
  selected: saved?.selected ?? 0,
  rule: saved?.rule ?? { ...MFLUX_RULE_DEFAULTS } as RuleParams,
  mode: saved?.mode ?? 'side' as Mode,
  loaded: null as Loaded | null,
  view: { scale: 1, ox: 0, oy: 0, fit: true },
  opacity: 0.5,
  gain: 8,
  colormap: 'magma' as ColormapName,
  swipe: 0.5,
  blinkShowsCand: false,
  stepMetrics: new Map<number, { psnr: number | null; ssim: number | null }>(),
  hover: null as { x: number; y: number } | null,
};
let diffCanvas: HTMLCanvasElement | null = null;
let heatCanvas: HTMLCanvasElement | null = null;
let blinkTimer: number | undefined;

// ---------- layout ----------
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.className = 'image-diff';
const titleEl = h('h1', { class: 'title', id: 'title', text: 'Image diff' });
const pairSelect = ce('vscode-single-select', { id: 'pair-select', 'aria-label': 'Image pair' });
const pairNav = h('div', { class: 'pair-nav', hidden: true }, pairSelect);
const modeBar = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'View mode' });
const modeButtons = new Map<Mode, HTMLElement>();
for (const m of MODES) {
  const b = ce('vscode-button', { 'data-mode': m.id, role: 'radio', title: `${m.label} (${m.key})` }, m.label);
  b.addEventListener('click', () => setMode(m.id));
  modeButtons.set(m.id, b);
  modeBar.append(b);
}
const zoomLabel = h('span', { class: 'zoom-label', id: 'zoom-label', 'aria-live': 'polite', text: '100%' });
const zoomBar = h('div', { class: 'group', role: 'group', 'aria-label': 'Zoom' },
  button('Fit', 'Fit to window (F)', 'zoom-fit', () => fit()),
  button('1:1', 'Actual pixels (A)', 'zoom-1', () => zoomTo(1)),
  button('−', 'Zoom out (−)', 'zoom-out', () => zoomBy(1 / 2)),
  button('+', 'Zoom in (+)', 'zoom-in', () => zoomBy(2)),
  zoomLabel,
);
const opacityInput = h('input', { type: 'range', min: 0, max: 100, value: 50, id: 'opacity', 'aria-label': 'Candidate opacity' });
const swipeInput = h('input', { type: 'range', min: 0, max: 100, value: 50, id: 'swipe', 'aria-label': 'Swipe position' });
const gainSelect = ce('vscode-single-select', { id: 'gain', 'aria-label': 'Difference gain' });
for (const g of GAINS) gainSelect.append(ce('vscode-option', { value: String(g), selected: g === state.gain }, `×${g}`));
const cmapSelect = ce('vscode-single-select', { id: 'colormap', 'aria-label': 'Heatmap colormap' });
for (const c of COLORMAP_NAMES) if (c !== 'diverging') cmapSelect.append(ce('vscode-option', { value: c, selected: c === state.colormap }, c));
const modeControls = h('div', { class: 'group mode-controls' },
  h('label', { class: 'ctl', 'data-for': 'onion' }, 'Opacity ', opacityInput),
  h('label', { class: 'ctl', 'data-for': 'swipe' }, 'Position ', swipeInput),
  h('label', { class: 'ctl', 'data-for': 'diff' }, 'Gain ', gainSelect),
  h('label', { class: 'ctl', 'data-for': 'heat' }, 'Colormap ', cmapSelect),
  h('span', { class: 'ctl blink-label', 'data-for': 'blink', id: 'blink-label', 'aria-live': 'polite' }),
);
const toolbar = h('header', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Image diff tools' }, titleEl, pairNav, modeBar, zoomBar, modeControls);

function viewport(id: string, label: string): { root: HTMLElement; canvas: HTMLCanvasElement; tag: HTMLElement; message: HTMLElement } {
  const canvas = h('canvas', { id: `${id}-canvas`, role: 'img', 'aria-label': label });
  const tag = h('span', { class: 'tag', id: `${id}-tag` });
  const message = h('div', { class: 'vp-message', id: `${id}-message`, hidden: true });
  const root = h('div', { class: 'viewport', id, tabindex: 0, 'aria-label': `${label}: drag to pan, wheel to zoom` }, canvas, tag, message);
  return { root, canvas, tag, message };
}
const vpA = viewport('vp-a', 'Reference image');
const vpB = viewport('vp-b', 'Candidate image');
const legend = h('div', { class: 'legend', id: 'legend', hidden: true });
vpA.root.append(legend);
const viewer = h('section', { class: 'viewer', id: 'viewer', 'aria-label': 'Images' }, vpA.root, vpB.root);
const emptyState = h('div', { class: 'empty', id: 'empty', role: 'status' }, 'Waiting for images…');

// Metrics.
const metricsList = h('dl', { class: 'kv', id: 'metrics' });
const rtolField = numberField('rtol', 'Relative tolerance (rtol)');
const atolField = numberField('atol', 'Absolute tolerance (atol)');
const thresholdField = numberField('threshold', 'Mismatch threshold');
const verdictEl = h('div', { class: 'verdict', id: 'verdict', role: 'status', 'aria-live': 'polite' });
const curveCanvas = h('canvas', { class: 'curve', id: 'rtol-curve', role: 'img', 'aria-label': 'Mismatch ratio versus rtol' });
const inspector = h('div', { class: 'inspector', id: 'inspector', 'aria-live': 'off' }, h('p', { class: 'muted', text: 'Hover an image to inspect a pixel.' }));
const notesEl = h('ul', { class: 'notes', id: 'notes' });
const filesEl = h('div', { class: 'files', id: 'files' });
const side = h('aside', { class: 'side', 'aria-label': 'Metrics and inspector' },
  h('section', {}, h('h2', { text: 'Metrics' }), metricsList),
  h('section', {}, h('h2', { text: 'mflux golden rule' }),
    h('div', { class: 'rule-fields' }, rtolField.wrap, atolField.wrap, thresholdField.wrap),
    h('button', { class: 'link', id: 'rule-reset', type: 'button', text: 'Reset to mflux defaults' }),
    verdictEl, curveCanvas),
  h('section', {}, h('h2', { text: 'Pixel inspector' }), inspector),
  h('section', {}, h('h2', { text: 'Files' }), filesEl),
  h('section', { class: 'notes-section' }, h('h2', { text: 'Notes' }), notesEl),
);
const stepInput = h('input', { type: 'range', min: 0, max: 0, value: 0, id: 'step', 'aria-label': 'Denoising step' });
const stepLabel = h('span', { class: 'step-label', id: 'step-label' });
const stepCanvas = h('canvas', { class: 'step-chart', id: 'step-chart', role: 'img', 'aria-label': 'PSNR and SSIM per step; click to select a step' });
const timeline = h('footer', { class: 'timeline', id: 'timeline', hidden: true, 'aria-label': 'Stepwise timeline' },
  h('div', { class: 'step-row' }, h('span', { class: 'muted', text: 'Step' }), stepInput, stepLabel), stepCanvas);
const body = h('main', { class: 'body' }, h('div', { class: 'viewer-wrap' }, viewer, emptyState), side);
app.append(toolbar, body, timeline);

function button(label: string, title: string, id: string, onClick: () => void): HTMLElement {
  const b = ce('vscode-button', { secondary: true, title, id, 'aria-label': title }, label);
  b.addEventListener('click', onClick);
  return b;
}

function numberField(id: string, label: string): { wrap: HTMLElement; field: HTMLElement & { value: string; invalid: boolean } } {
  const field = ce<HTMLElement & { value: string; invalid: boolean }>('vscode-textfield', { id: `rule-${id}`, 'aria-label': label, inputmode: 'decimal' });
  const wrap = h('label', { class: 'field' }, h('span', { text: id }), field);
  field.addEventListener('input', onRuleInput);
  return { wrap, field };
}

// ---------- messages ----------
channel.onMessage((m) => {
  switch (m.kind) {
    case 'init': {
      const p = m.payload;
      state.title = p.title;
      state.pairs = p.pairs;
      state.stepwise = p.stepwise;
      state.source = p.source;
      if (!saved) state.rule = p.rule;
      state.selected = p.pairs.some((x) => x.id === state.selected) && saved ? state.selected : p.selected;
      titleEl.textContent = p.title;
      titleEl.title = p.title;
      renderPairNav();
      renderRuleFields();
      if (p.pairs.length === 0) showEmpty(p.message ?? 'No image pairs to compare.');
      else {
        showEmpty(p.message ?? 'Loading images…');
        channel.post({ kind: 'selectPair', payload: { id: state.selected } });
      }
      persist();
      break;
    }
    case 'pair':
      if (m.payload.id !== state.selected) return;
      load(m.payload);
      break;
    case 'pairMetrics':
      state.stepMetrics.set(m.payload.id, { psnr: m.payload.psnr, ssim: m.payload.ssim });
      drawStepChart();
      break;
    case 'error':
      showEmpty(m.payload.message, true);
      break;
  }
});

function persist(): void {
  channel.setState({ source: state.source, rule: state.rule, mode: state.mode, selected: state.selected } satisfies Persisted);
}

function showEmpty(text: string, isError = false): void {
  emptyState.textContent = text;
  emptyState.classList.toggle('error', isError);
  emptyState.hidden = false;
  viewer.hidden = true;
}

// ---------- loading a pair ----------
function toCanvas(img: DecodedImage): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = img.width;
  c.height = img.height;
  const data = new ImageData(img.width, img.height);
  data.data.set(img.rgba);
  c.getContext('2d')!.putImageData(data, 0, 0);
  return c;
}

function describe(img: DecodedImage): string {
  const kinds: Record<number, string> = { 1: 'gray', 2: 'gray+alpha', 3: 'RGB', 4: 'RGBA' };
  return `${img.width}×${img.height} ${img.colorType === 3 ? 'palette' : kinds[img.channels]}`;
}

function load(p: Extract<ImageDiffHostMessage, { kind: 'pair' }>['payload']): void {
  const { ref, cand } = p;
  const comparable = !!ref && !!cand && ref.width === cand.width && ref.height === cand.height;
  let ruleError: string | null = null;
  let joint: JointHistogram | null = null;
  let maxDiff: Float32Array | null = null;
  if (ref && cand && !comparable) {
    ruleError = `Sizes differ (${ref.width}×${ref.height} vs ${cand.width}×${cand.height}): mflux's rule would fail with a shape error, so only side by side is available.`;
  } else if (ref && cand) {
    if (ref.channels !== cand.channels) {
      ruleError = `Channel counts differ (${ref.channels} vs ${cand.channels}): np.isclose would raise a broadcast error in the golden test.`;
    } else {
      joint = jointHistogram(ref.values, cand.values);
    }
    maxDiff = new Float32Array(ref.width * ref.height);
    const a = ref.rgba;
    const b = cand.rgba;
    for (let i = 0, o = 0; i < maxDiff.length; i++, o += 4) {
      const d0 = Math.abs(a[o] - b[o]);
      const d1 = Math.abs(a[o + 1] - b[o + 1]);
      const d2 = Math.abs(a[o + 2] - b[o + 2]);
      const d3 = Math.abs(a[o + 3] - b[o + 3]);
      maxDiff[i] = Math.max(d0, d1, d2, d3);
    }
  }
  state.loaded = {
    id: p.id, ref, cand, problems: p.problems, metrics: p.metrics ?? (comparable ? localMetrics(ref!, cand!) : null),
    refCanvas: ref ? toCanvas(ref) : null, candCanvas: cand ? toCanvas(cand) : null, comparable, joint, ruleError, maxDiff,
  };
  diffCanvas = null;
  heatCanvas = null;
  emptyState.hidden = true;
  viewer.hidden = false;
  if (!comparable && state.mode !== 'side') state.mode = 'side';
  const pair = state.pairs.find((x) => x.id === p.id);
  vpA.tag.textContent = `Reference · ${basename(ref?.path ?? pair?.refPath ?? '')}${ref ? ` · ${describe(ref)}` : ''}`;
  vpB.tag.textContent = `Candidate · ${basename(cand?.path ?? pair?.candPath ?? '')}${cand ? ` · ${describe(cand)}` : ''}`;
  renderNotes();
  renderFiles(pair);
  renderMetrics();
  renderVerdict();
  applyMode();
  if (state.view.fit) fit(); else redraw();
}

/** Links that open each image in VS Code (the host opens only paths it offered). */
function renderFiles(pair: ImagePairInfo | undefined): void {
  clear(filesEl);
  if (!pair) return;
  for (const [label, path] of [['reference', pair.refPath], ['candidate', pair.candPath]] as const) {
    const b = h('button', { type: 'button', class: 'link file-link', 'data-side': label, title: path, text: `${label}: ${path}` });
    b.addEventListener('click', () => channel.post({ kind: 'revealFile', payload: { path } }));
    filesEl.append(b);
  }
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** PSNR / max / mean over R, G, B when the host did not send metrics (SSIM stays unknown). */
function localMetrics(a: DecodedImage, b: DecodedImage): ImageMetrics {
  let sq = 0;
  let sum = 0;
  let max = 0;
  const n = a.width * a.height;
  for (let o = 0; o < n * 4; o += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a.rgba[o + c] - b.rgba[o + c];
      sq += d * d;
      const ad = Math.abs(d);
      sum += ad;
      if (ad > max) max = ad;
    }
  }
  const mse = sq / (n * 3);
  return { psnr: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse), ssim: null, maxAbs: max, meanAbs: sum / (n * 3) };
}

// ---------- side panel ----------
function renderNotes(): void {
  clear(notesEl);
  const l = state.loaded;
  const notes = [...(l?.problems ?? []), ...(l?.ref?.notes.map((n) => `Reference: ${n}`) ?? []), ...(l?.cand?.notes.map((n) => `Candidate: ${n}`) ?? [])];
  if (l?.ruleError) notes.unshift(l.ruleError);
  for (const n of notes) notesEl.append(h('li', { text: n }));
  notesEl.closest('section')!.hidden = notes.length === 0;
}

function renderMetrics(): void {
  clear(metricsList);
  const m = state.loaded?.metrics;
  const rows: [string, string, string][] = [
    ['PSNR', m ? (m.psnr === null ? '∞ (identical)' : `${m.psnr.toFixed(2)} dB`) : '—', 'Over R, G, B, data range 255'],
    ['SSIM', m?.ssim === null || m?.ssim === undefined ? '—' : m.ssim.toFixed(4), 'Gaussian 11×11, σ 1.5, mean over R, G, B'],
    ['max |a−b|', m ? fmt(m.maxAbs) : '—', 'Over R, G, B'],
    ['mean |a−b|', m ? fmt(m.meanAbs) : '—', 'Over R, G, B'],
  ];
  for (const [k, v, t] of rows) metricsList.append(h('dt', { text: k, title: t }), h('dd', { text: v, 'data-metric': k }));
}

function renderRuleFields(): void {
  rtolField.field.value = String(state.rule.rtol);
  atolField.field.value = String(state.rule.atol);
  thresholdField.field.value = String(state.rule.threshold);
}

function onRuleInput(): void {
  const read = (f: { field: { value: string; invalid: boolean } }) => {
    const v = Number(f.field.value);
    const ok = f.field.value.trim() !== '' && Number.isFinite(v) && v >= 0;
    f.field.invalid = !ok;
    return ok ? v : null;
  };
  const rtol = read(rtolField);
  const atol = read(atolField);
  const threshold = read(thresholdField);
  if (rtol === null || atol === null || threshold === null) return;
  state.rule = { rtol, atol, threshold };
  renderVerdict();
  persist();
  channel.post({ kind: 'ruleChanged', payload: state.rule });
}

document.getElementById('rule-reset')!.addEventListener('click', () => {
  state.rule = { ...MFLUX_RULE_DEFAULTS };
  renderRuleFields();
  renderVerdict();
  persist();
});

function renderVerdict(): void {
  clear(verdictEl);
  const l = state.loaded;
  verdictEl.removeAttribute('data-pass');
  if (!l) return;
  if (!l.joint) {
    verdictEl.append(h('span', { class: 'badge neutral', text: 'cannot judge' }), h('span', { class: 'muted', text: l.ruleError ?? 'An image could not be read.' }));
    drawCurve();
    return;
  }
  const v = judge(l.joint, state.rule);
  verdictEl.dataset.pass = String(v.pass);
  verdictEl.append(
    h('span', { class: `badge ${v.pass ? 'pass' : 'fail'}`, id: 'verdict-badge', text: v.pass ? 'PASS' : 'FAIL' }),
    h('span', { id: 'mismatch-ratio', 'data-ratio': String(v.ratio), text: `${pct(v.ratio, 4)} mismatched` }),
    h('span', { class: 'muted', text: ` (${v.mismatched.toLocaleString()} of ${v.total.toLocaleString()} elements; fails above ${pct(state.rule.threshold)})` }),
  );
  if (!v.pass) {
    const need = passingRtol(l.joint, state.rule.atol, state.rule.threshold);
    verdictEl.append(h('div', { class: 'muted hint', text: need === null ? 'No rtol up to 1 passes at this atol.' : `Passes from rtol ≈ ${fmt(need, 3)}.` }));
  }
  drawCurve();
}

function drawCurve(): void {
  const l = state.loaded;
  curveCanvas.hidden = !l?.joint;
  if (!l?.joint) return;
  const rtols = defaultRtols();
  const ratios = rtolCurve(l.joint, state.rule.atol, rtols);
  drawChart(curveCanvas, {
    x: rtols, xLog: true,
    series: [{ label: 'mismatch ratio vs rtol', values: ratios, color: cssVar('--vscode-charts-blue', '#3794ff'), min: 0, max: Math.max(state.rule.threshold * 1.5, ...ratios.slice(0, 1)) }],
    hlines: [{ value: state.rule.threshold, color: cssVar('--vscode-charts-red', '#f14c4c'), label: `threshold ${fmt(state.rule.threshold)}` }],
    vlines: state.rule.rtol > 0 ? [{ x: Math.min(1, Math.max(1e-3, state.rule.rtol)), color: cssVar('--vscode-charts-orange', '#d18616'), label: `rtol ${fmt(state.rule.rtol)}` }] : [],
  });
}

function renderInspector(): void {
  const l = state.loaded;
  const p = state.hover;
  clear(inspector);
  if (!l || !p) { inspector.append(h('p', { class: 'muted', text: 'Hover an image to inspect a pixel.' })); return; }
  const { x, y } = p;
  inspector.dataset.x = String(x);
  inspector.dataset.y = String(y);
  inspector.append(h('div', { class: 'coords', id: 'inspector-coords', text: `x ${x}, y ${y}` }));
  const ref = l.ref;
  const cand = l.cand;
  const inRef = ref && x < ref.width && y < ref.height;
  const inCand = cand && x < cand.width && y < cand.height;
  const nch = Math.max(ref?.channels ?? 0, cand?.channels ?? 0);
  const names = nch === 1 ? ['L'] : nch === 2 ? ['L', 'A'] : nch === 3 ? ['R', 'G', 'B'] : ['R', 'G', 'B', 'A'];
  if (ref?.colorType === 3 || cand?.colorType === 3) names[0] = nch === 1 ? 'index' : names[0];
  const table = h('table', { class: 'px-table', id: 'inspector-table' });
  table.append(h('tr', {}, h('th', { text: '' }), ...names.map((n) => h('th', { scope: 'col', text: n }))));
  const get = (img: DecodedImage | null, inside: boolean | null | undefined, c: number): number | null =>
    img && inside && c < img.channels ? img.values[(y * img.width + x) * img.channels + c] : null;
  const rowOf = (label: string, img: DecodedImage | null, inside: boolean | null | undefined) =>
    h('tr', { 'data-row': label }, h('th', { scope: 'row', text: label }), ...names.map((_, c) => { const v = get(img, inside, c); return h('td', { text: v === null ? '—' : String(v) }); }));
  table.append(rowOf('ref', ref, inRef), rowOf('cand', cand, inCand));
  const diffRow = h('tr', { 'data-row': 'diff' }, h('th', { scope: 'row', text: '|a−b|' }));
  const passRow = h('tr', { 'data-row': 'pass' }, h('th', { scope: 'row', text: 'rule' }));
  for (let c = 0; c < names.length; c++) {
    const a = get(ref, inRef, c);
    const b = get(cand, inCand, c);
    if (a === null || b === null || !l.joint) {
      diffRow.append(h('td', { text: a !== null && b !== null ? String(Math.abs(a - b)) : '—' }));
      passRow.append(h('td', { text: '—' }));
      continue;
    }
    diffRow.append(h('td', { text: String(Math.abs(a - b)) }));
    const ok = elementPasses(b, a, state.rule.rtol, state.rule.atol);
    passRow.append(h('td', { class: ok ? 'ok' : 'bad', 'data-pass': String(ok), text: ok ? '✓' : '✗', 'aria-label': ok ? 'passes' : 'fails' }));
  }
  table.append(diffRow, passRow);
  inspector.append(table);
  if (l.joint) inspector.append(h('p', { class: 'muted small', text: `passes when |cand − ref| ≤ ${fmt(state.rule.atol)} + ${fmt(state.rule.rtol)}·|ref|` }));
}

// ---------- pair navigation and timeline ----------
function renderPairNav(): void {
  clear(pairSelect);
  const multi = state.pairs.length > 1 && !state.stepwise;
  pairNav.hidden = !multi;
  if (multi) for (const p of state.pairs) pairSelect.append(ce('vscode-option', { value: String(p.id), selected: p.id === state.selected }, p.label));
  timeline.hidden = !state.stepwise;
  if (state.stepwise) {
    stepInput.max = String(Math.max(0, state.pairs.length - 1));
    stepInput.value = String(Math.max(0, state.pairs.findIndex((p) => p.id === state.selected)));
    renderStepLabel();
    drawStepChart();
  }
}

pairSelect.addEventListener('change', () => selectPair(Number((pairSelect as HTMLElement & { value: string }).value)));
stepInput.addEventListener('input', () => {
  const p = state.pairs[Number(stepInput.value)];
  if (p) selectPair(p.id);
});

function renderStepLabel(): void {
  const p = state.pairs.find((x) => x.id === state.selected);
  const m = p ? state.stepMetrics.get(p.id) : undefined;
  stepLabel.textContent = p ? `step ${p.step ?? '?'} of ${p.steps ?? state.pairs.length}${m ? ` · PSNR ${m.psnr === null ? '∞' : m.psnr.toFixed(2)} dB · SSIM ${m.ssim === null ? '—' : m.ssim.toFixed(4)}` : ''}` : '';
}

function selectPair(id: number): void {
  if (!state.pairs.some((p) => p.id === id) || id === state.selected && state.loaded?.id === id) return;
  state.selected = id;
  persist();
  if (state.stepwise) {
    stepInput.value = String(state.pairs.findIndex((p) => p.id === id));
    renderStepLabel();
    drawStepChart();
  } else {
    (pairSelect as HTMLElement & { value: string }).value = String(id);
  }
  channel.post({ kind: 'selectPair', payload: { id } });
}

let stepLayout: ReturnType<typeof drawChart> | null = null;
function drawStepChart(): void {
  if (!state.stepwise || timeline.hidden) return;
  const psnr = state.pairs.map((p) => state.stepMetrics.get(p.id)?.psnr ?? null);
  const ssim = state.pairs.map((p) => state.stepMetrics.get(p.id)?.ssim ?? null);
  stepLayout = drawChart(stepCanvas, {
    x: state.pairs.map((p, i) => p.step ?? i + 1),
    xTicks: state.pairs.length <= 24 ? state.pairs.map((p, i) => p.step ?? i + 1) : undefined,
    formatX: (x) => String(Math.round(x)),
    series: [
      { label: 'PSNR dB', values: psnr, color: cssVar('--vscode-charts-blue', '#3794ff') },
      { label: 'SSIM', values: ssim, color: cssVar('--vscode-charts-green', '#89d185'), axis: 'right', min: Math.min(0.9, ...ssim.filter((v): v is number => v !== null)), max: 1 },
    ],
    selected: state.pairs.findIndex((p) => p.id === state.selected),
  });
  renderStepLabel();
}
stepCanvas.addEventListener('click', (e) => {
  const i = stepLayout?.indexAt(e.offsetX);
  if (i !== null && i !== undefined && state.pairs[i]) selectPair(state.pairs[i].id);
});

// ---------- modes ----------
function setMode(mode: Mode): void {
  const l = state.loaded;
  if (mode !== 'side' && l && !l.comparable) return;
  state.mode = mode;
  persist();
  applyMode();
  if (state.view.fit) fit(); else redraw();
}

function applyMode(): void {
  const comparable = state.loaded?.comparable ?? false;
  for (const [m, b] of modeButtons) {
    const on = m === state.mode;
    b.toggleAttribute('secondary', !on);
    b.setAttribute('aria-checked', String(on));
    const disabled = m !== 'side' && !comparable;
    b.toggleAttribute('disabled', disabled);
    b.title = disabled ? 'Needs two readable images of the same size' : `${MODES.find((x) => x.id === m)!.label} (${MODES.find((x) => x.id === m)!.key})`;
  }
  viewer.dataset.mode = state.mode;
  vpB.root.hidden = state.mode !== 'side';
  for (const c of modeControls.querySelectorAll<HTMLElement>('.ctl')) c.hidden = c.dataset.for !== state.mode;
  legend.hidden = state.mode !== 'heat';
  vpA.canvas.setAttribute('aria-label', state.mode === 'side' ? 'Reference image' : `${MODES.find((x) => x.id === state.mode)!.label} of reference and candidate`);
  window.clearInterval(blinkTimer);
  blinkTimer = undefined;
  if (state.mode === 'blink') {
    blinkTimer = window.setInterval(() => { state.blinkShowsCand = !state.blinkShowsCand; redraw(); }, 600);
  }
  const tagA = vpA.tag;
  if (state.mode !== 'side') tagA.dataset.composite = state.mode; else delete tagA.dataset.composite;
}

opacityInput.addEventListener('input', () => { state.opacity = Number(opacityInput.value) / 100; redraw(); });
swipeInput.addEventListener('input', () => { state.swipe = Number(swipeInput.value) / 100; redraw(); });
gainSelect.addEventListener('change', () => { state.gain = Number((gainSelect as HTMLElement & { value: string }).value); diffCanvas = null; redraw(); });
cmapSelect.addEventListener('change', () => { state.colormap = (cmapSelect as HTMLElement & { value: string }).value as ColormapName; heatCanvas = null; redraw(); });

function getDiffCanvas(): HTMLCanvasElement | null {
  const l = state.loaded;
  if (!l?.comparable || !l.ref || !l.cand) return null;
  if (diffCanvas) return diffCanvas;
  const { width, height } = l.ref;
  const out = new ImageData(width, height);
  const a = l.ref.rgba;
  const b = l.cand.rgba;
  const g = state.gain;
  for (let o = 0; o < a.length; o += 4) {
    out.data[o] = Math.abs(a[o] - b[o]) * g;
    out.data[o + 1] = Math.abs(a[o + 1] - b[o + 1]) * g;
    out.data[o + 2] = Math.abs(a[o + 2] - b[o + 2]) * g;
    out.data[o + 3] = 255;
  }
  diffCanvas = document.createElement('canvas');
  diffCanvas.width = width;
  diffCanvas.height = height;
  diffCanvas.getContext('2d')!.putImageData(out, 0, 0);
  return diffCanvas;
}

function heatMax(): number {
  const d = state.loaded?.maxDiff;
  if (!d) return 1;
  let m = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > m) m = d[i];
  return Math.max(1, m);
}

function getHeatCanvas(): HTMLCanvasElement | null {
  const l = state.loaded;
  if (!l?.maxDiff || !l.ref) return null;
  if (heatCanvas) return heatCanvas;
  const { width, height } = l.ref;
  const out = new ImageData(width, height);
  const max = heatMax();
  colorize(l.maxDiff, out.data, state.colormap, 'linear', { min: 0, max });
  heatCanvas = document.createElement('canvas');
  heatCanvas.width = width;
  heatCanvas.height = height;
  heatCanvas.getContext('2d')!.putImageData(out, 0, 0);
  renderLegend(max);
  return heatCanvas;
}

function renderLegend(max: number): void {
  clear(legend);
  const bar = h('canvas', { class: 'legend-bar', width: 160, height: 10, 'aria-hidden': true });
  const ctx = bar.getContext('2d')!;
  for (let i = 0; i < 160; i++) { ctx.fillStyle = cssColor(state.colormap, i / 159); ctx.fillRect(i, 0, 1, 10); }
  legend.append(h('span', { text: 'max |a−b| over channels' }), h('span', { class: 'legend-row' }, h('span', { text: '0' }), bar, h('span', { text: String(max) })));
}

// ---------- drawing ----------
let checker: CanvasPattern | null = null;
function checkerPattern(ctx: CanvasRenderingContext2D): CanvasPattern {
  if (checker) return checker;
  const c = document.createElement('canvas');
  c.width = c.height = 16;
  const g = c.getContext('2d')!;
  g.fillStyle = '#c8c8c8'; g.fillRect(0, 0, 16, 16);
  g.fillStyle = '#9a9a9a'; g.fillRect(0, 0, 8, 8); g.fillRect(8, 8, 8, 8);
  checker = ctx.createPattern(c, 'repeat')!;
  return checker;
}

function imageSize(): { w: number; hgt: number } | null {
  const l = state.loaded;
  const img = l?.ref ?? l?.cand;
  if (!img) return null;
  return { w: Math.max(l?.ref?.width ?? 0, l?.cand?.width ?? 0), hgt: Math.max(l?.ref?.height ?? 0, l?.cand?.height ?? 0) };
}

function paint(canvas: HTMLCanvasElement, draw: (ctx: CanvasRenderingContext2D) => void, size: { w: number; hgt: number }): void {
  const ctx = fitCanvas(canvas);
  const { scale, ox, oy } = state.view;
  ctx.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
  ctx.save();
  ctx.translate(ox, oy);
  ctx.scale(scale, scale);
  ctx.fillStyle = checkerPattern(ctx);
  ctx.save();
  ctx.scale(1 / scale, 1 / scale);
  ctx.fillRect(0, 0, size.w * scale, size.hgt * scale);
  ctx.restore();
  // Pixelated when zoomed in, smooth when zoomed out.
  ctx.imageSmoothingEnabled = scale < 1;
  ctx.imageSmoothingQuality = 'high';
  draw(ctx);
  ctx.restore();
  canvas.dataset.scale = String(state.view.scale);
  canvas.dataset.ox = String(state.view.ox);
  canvas.dataset.oy = String(state.view.oy);
}

function redraw(): void {
  const l = state.loaded;
  const size = imageSize();
  zoomLabel.textContent = `${Math.round(state.view.scale * 100)}%`;
  if (!l || !size) return;
  const pair = state.pairs.find((x) => x.id === l.id);
  const showMissing = (vp: typeof vpA, img: HTMLCanvasElement | null, what: string, path: string) => {
    vp.message.hidden = !!img;
    const name = basename(path);
    if (!img) vp.message.textContent = l.problems.find((p) => name && p.includes(name)) ?? l.problems.find((p) => p.toLowerCase().includes(what)) ?? `The ${what} image could not be read.`;
  };
  if (state.mode === 'side') {
    showMissing(vpA, l.refCanvas, 'reference', pair?.refPath ?? '');
    showMissing(vpB, l.candCanvas, 'candidate', pair?.candPath ?? '');
    paint(vpA.canvas, (ctx) => { if (l.refCanvas) ctx.drawImage(l.refCanvas, 0, 0); }, size);
    paint(vpB.canvas, (ctx) => { if (l.candCanvas) ctx.drawImage(l.candCanvas, 0, 0); }, size);
    return;
  }
  vpA.message.hidden = true;
  const blinkLabel = document.getElementById('blink-label')!;
  paint(vpA.canvas, (ctx) => {
    const a = l.refCanvas!;
    const b = l.candCanvas!;
    switch (state.mode) {
      case 'swipe': {
        ctx.drawImage(b, 0, 0);
        const cut = Math.round(size.w * state.swipe);
        ctx.drawImage(a, 0, 0, cut, size.hgt, 0, 0, cut, size.hgt);
        ctx.fillStyle = cssVar('--vscode-focusBorder', '#007fd4');
        ctx.fillRect(cut - 1 / state.view.scale, 0, 2 / state.view.scale, size.hgt);
        break;
      }
      case 'onion':
        ctx.drawImage(a, 0, 0);
        ctx.globalAlpha = state.opacity;
        ctx.drawImage(b, 0, 0);
        ctx.globalAlpha = 1;
        break;
      case 'blink':
        ctx.drawImage(state.blinkShowsCand ? b : a, 0, 0);
        blinkLabel.textContent = state.blinkShowsCand ? 'showing candidate' : 'showing reference';
        break;
      case 'diff': {
        const d = getDiffCanvas();
        if (d) ctx.drawImage(d, 0, 0);
        break;
      }
      case 'heat': {
        const hc = getHeatCanvas();
        if (hc) ctx.drawImage(hc, 0, 0);
        break;
      }
    }
  }, size);
  vpA.tag.textContent = state.mode === 'swipe' ? 'Reference ◀ │ ▶ Candidate'
    : state.mode === 'onion' ? `Reference + candidate at ${Math.round(state.opacity * 100)}%`
      : state.mode === 'blink' ? (state.blinkShowsCand ? 'Candidate' : 'Reference')
        : state.mode === 'diff' ? `|reference − candidate| × ${state.gain}` : `Heatmap of max |a−b| (${state.colormap})`;
}

// ---------- zoom and pan ----------
function viewportSize(): { w: number; hgt: number } {
  const r = vpA.canvas.getBoundingClientRect();
  return { w: r.width, hgt: r.height };
}

function fit(): void {
  const size = imageSize();
  const vp = viewportSize();
  state.view.fit = true;
  if (!size || vp.w === 0) { redraw(); return; }
  const scale = Math.min(vp.w / size.w, vp.hgt / size.hgt);
  state.view.scale = scale;
  state.view.ox = (vp.w - size.w * scale) / 2;
  state.view.oy = (vp.hgt - size.hgt * scale) / 2;
  redraw();
}

/** Zooms around a point given in viewport CSS px (the centre by default). */
function zoomAround(newScale: number, px?: number, py?: number): void {
  const vp = viewportSize();
  const cx = px ?? vp.w / 2;
  const cy = py ?? vp.hgt / 2;
  const s = Math.min(64, Math.max(1 / 64, newScale));
  const ix = (cx - state.view.ox) / state.view.scale;
  const iy = (cy - state.view.oy) / state.view.scale;
  state.view.scale = s;
  state.view.ox = cx - ix * s;
  state.view.oy = cy - iy * s;
  state.view.fit = false;
  redraw();
}
function zoomTo(s: number): void { zoomAround(s); }
function zoomBy(f: number): void { zoomAround(state.view.scale * f); }

function pan(dx: number, dy: number): void {
  state.view.ox += dx;
  state.view.oy += dy;
  state.view.fit = false;
  redraw();
}

for (const vp of [vpA, vpB]) {
  const canvas = vp.canvas;
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoomAround(state.view.scale * Math.pow(2, -e.deltaY / 240), e.offsetX, e.offsetY);
  }, { passive: false });
  let drag: { x: number; y: number; swipe: boolean } | null = null;
  canvas.addEventListener('pointerdown', (e) => {
    const size = imageSize();
    const cut = size ? state.view.ox + size.w * state.swipe * state.view.scale : 0;
    drag = { x: e.clientX, y: e.clientY, swipe: state.mode === 'swipe' && Math.abs(e.offsetX - cut) < 8 };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drag) {
      if (drag.swipe) {
        const size = imageSize();
        if (size) {
          state.swipe = Math.min(1, Math.max(0, (e.offsetX - state.view.ox) / (size.w * state.view.scale)));
          swipeInput.value = String(Math.round(state.swipe * 100));
          redraw();
        }
      } else {
        pan(e.clientX - drag.x, e.clientY - drag.y);
      }
      drag.x = e.clientX;
      drag.y = e.clientY;
    }
    hoverAt(e.offsetX, e.offsetY);
  });
  canvas.addEventListener('pointerup', () => { drag = null; });
  canvas.addEventListener('pointerleave', () => { if (!drag) { state.hover = null; renderInspector(); } });
  canvas.addEventListener('dblclick', (e) => zoomAround(state.view.scale * 2, e.offsetX, e.offsetY));
}

function hoverAt(px: number, py: number): void {
  const size = imageSize();
  if (!size) return;
  const x = Math.floor((px - state.view.ox) / state.view.scale);
  const y = Math.floor((py - state.view.oy) / state.view.scale);
  state.hover = x >= 0 && y >= 0 && x < size.w && y < size.hgt ? { x, y } : null;
  renderInspector();
}

window.addEventListener('resize', () => {
  if (state.view.fit) fit(); else redraw();
  drawCurve();
  drawStepChart();
});

window.addEventListener('keydown', (e) => {
  if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  const mode = MODES.find((m) => m.key === e.key);
  const idx = state.pairs.findIndex((p) => p.id === state.selected);
  if (mode) setMode(mode.id);
  else if (e.key === 'f' || e.key === 'F') fit();
  else if (e.key === 'a' || e.key === 'A') zoomTo(1);
  else if (e.key === '+' || e.key === '=') zoomBy(2);
  else if (e.key === '-' || e.key === '_') zoomBy(0.5);
  else if (e.key === 'ArrowLeft' && e.target instanceof HTMLElement && e.target.classList.contains('viewport')) pan(40, 0);
  else if (e.key === 'ArrowRight' && e.target instanceof HTMLElement && e.target.classList.contains('viewport')) pan(-40, 0);
  else if (e.key === 'ArrowUp' && e.target instanceof HTMLElement && e.target.classList.contains('viewport')) pan(0, 40);
  else if (e.key === 'ArrowDown' && e.target instanceof HTMLElement && e.target.classList.contains('viewport')) pan(0, -40);
  else if (e.key === '[' && idx > 0) selectPair(state.pairs[idx - 1].id);
  else if (e.key === ']' && idx >= 0 && idx < state.pairs.length - 1) selectPair(state.pairs[idx + 1].id);
  else return;
  e.preventDefault();
});

applyMode();
renderRuleFields();
channel.post({ kind: 'ready', payload: {} });
