// The side panel: metrics, mflux's golden rule replayed live (fields, verdict, mismatch-vs-rtol
// curve), the pixel inspector, the files and the notes.
import { MFLUX_RULE_DEFAULTS, type ImagePairInfo } from '../../../src/protocol/imageDiff';
import { clear, cssVar, decimalField, h, type TextField } from '../../shared/dom';
import { drawChart } from '../../shared/chart';
import { defaultRtols, judge, passingRtol, rtolCurve } from '../../shared/goldenRule';
import { fmt, pct } from '../../shared/format';
import { persist, post } from '../messages';
import { state } from '../state';
import { inspector } from './inspector';

type Field = { wrap: HTMLElement; field: TextField };

function numberField(id: string, label: string): Field {
  const field = decimalField(`rule-${id}`, label);
  const wrap = h('label', { class: 'field' }, h('span', { text: id }), field);
  field.addEventListener('input', onRuleInput);
  return { wrap, field };
}

const metricsList = h('dl', { class: 'kv', id: 'metrics' });
const rtolField = numberField('rtol', 'Relative tolerance (rtol)');
const atolField = numberField('atol', 'Absolute tolerance (atol)');
const thresholdField = numberField('threshold', 'Mismatch threshold');
const verdictEl = h('div', { class: 'verdict', id: 'verdict', role: 'status', 'aria-live': 'polite' });
const curveCanvas = h('canvas', { class: 'curve', id: 'rtol-curve', role: 'img', 'aria-label': 'Mismatch ratio versus rtol' });
const notesEl = h('ul', { class: 'notes', id: 'notes' });
const filesEl = h('div', { class: 'files', id: 'files' });
const resetButton = h('button', { class: 'link', id: 'rule-reset', type: 'button', text: 'Reset to mflux defaults' });
export const side = h(
  'aside',
  { class: 'side side-pane', 'aria-label': 'Metrics and inspector' },
  h('section', {}, h('h2', { text: 'Metrics' }), metricsList),
  h(
    'section',
    {},
    h('h2', { text: 'mflux golden rule' }),
    h('div', { class: 'rule-fields' }, rtolField.wrap, atolField.wrap, thresholdField.wrap),
    resetButton,
    verdictEl,
    curveCanvas,
  ),
  h('section', {}, h('h2', { text: 'Pixel inspector' }), inspector),
  h('section', {}, h('h2', { text: 'Files' }), filesEl),
  h('section', { class: 'notes-section' }, h('h2', { text: 'Notes' }), notesEl),
);

resetButton.addEventListener('click', () => {
  state.rule = { ...MFLUX_RULE_DEFAULTS };
  renderRuleFields();
  renderVerdict();
  persist();
});

/** Links that open each image in VS Code (the host opens only paths it offered). */
export function renderFiles(pair: ImagePairInfo | undefined): void {
  clear(filesEl);
  if (!pair) return;
  for (const [label, path] of [
    ['reference', pair.refPath],
    ['candidate', pair.candPath],
  ] as const) {
    const b = h('button', { type: 'button', class: 'link file-link', 'data-side': label, title: path, text: `${label}: ${path}` });
    b.addEventListener('click', () => post({ kind: 'revealFile', payload: { path } }));
    filesEl.append(b);
  }
}

export function renderNotes(): void {
  clear(notesEl);
  const l = state.loaded;
  const notes = [
    ...(l?.problems ?? []),
    ...(l?.ref?.notes.map((n) => `Reference: ${n}`) ?? []),
    ...(l?.cand?.notes.map((n) => `Candidate: ${n}`) ?? []),
  ];
  if (l?.ruleError) notes.unshift(l.ruleError);
  for (const n of notes) notesEl.append(h('li', { text: n }));
  notesEl.closest('section')!.hidden = notes.length === 0;
}

export function renderMetrics(): void {
  clear(metricsList);
  const m = state.loaded?.metrics;
  const rows: [string, string, string][] = [
    ['PSNR', m ? (m.psnr === null ? '∞ (identical)' : `${m.psnr.toFixed(2)} dB`) : '—', 'Over R, G, B, data range 255'],
    [
      'SSIM',
      m?.ssim === null || m?.ssim === undefined ? '—' : m.ssim.toFixed(4),
      'Gaussian 11×11, σ 1.5, population covariance (skimage gaussian_weights=True, use_sample_covariance=False), mean over R, G, B',
    ],
    ['max |a−b|', m ? fmt(m.maxAbs) : '—', 'Over R, G, B'],
    ['mean |a−b|', m ? fmt(m.meanAbs) : '—', 'Over R, G, B'],
  ];
  for (const [k, v, t] of rows) metricsList.append(h('dt', { text: k, title: t }), h('dd', { text: v, 'data-metric': k }));
}

export function renderRuleFields(): void {
  rtolField.field.value = String(state.rule.rtol);
  atolField.field.value = String(state.rule.atol);
  thresholdField.field.value = String(state.rule.threshold);
}

function onRuleInput(): void {
  const read = (f: Field) => {
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
  post({ kind: 'ruleChanged', payload: state.rule });
}

export function renderVerdict(): void {
  clear(verdictEl);
  const l = state.loaded;
  verdictEl.removeAttribute('data-pass');
  if (!l) return;
  if (!l.joint) {
    verdictEl.append(
      h('span', { class: 'badge neutral', text: 'cannot judge' }),
      h('span', { class: 'muted', text: l.ruleError ?? 'An image could not be read.' }),
    );
    drawCurve();
    return;
  }
  const v = judge(l.joint, state.rule);
  verdictEl.dataset.pass = String(v.pass);
  verdictEl.append(
    h('span', { class: `badge ${v.pass ? 'pass' : 'fail'}`, id: 'verdict-badge', text: v.pass ? 'PASS' : 'FAIL' }),
    h('span', { id: 'mismatch-ratio', 'data-ratio': String(v.ratio), text: `${pct(v.ratio, 4)} mismatched` }),
    h('span', {
      class: 'muted',
      text: ` (${v.mismatched.toLocaleString()} of ${v.total.toLocaleString()} elements; fails above ${pct(state.rule.threshold)})`,
    }),
  );
  if (!v.pass) {
    const need = passingRtol(l.joint, state.rule.atol, state.rule.threshold);
    verdictEl.append(
      h('div', {
        class: 'muted hint',
        text: need === null ? 'No rtol up to 1 passes at this atol.' : `Passes from rtol ≈ ${fmt(need, 3)}.`,
      }),
    );
  }
  drawCurve();
}

export function drawCurve(): void {
  const l = state.loaded;
  curveCanvas.hidden = !l?.joint;
  if (!l?.joint) return;
  const rtols = defaultRtols();
  const ratios = rtolCurve(l.joint, state.rule.atol, rtols);
  drawChart(curveCanvas, {
    x: rtols,
    xLog: true,
    series: [
      {
        label: 'mismatch ratio vs rtol',
        values: ratios,
        color: cssVar('--vscode-charts-blue', '#3794ff'),
        min: 0,
        max: Math.max(state.rule.threshold * 1.5, ...ratios.slice(0, 1)),
      },
    ],
    hlines: [
      { value: state.rule.threshold, color: cssVar('--vscode-charts-red', '#f14c4c'), label: `threshold ${fmt(state.rule.threshold)}` },
    ],
    vlines:
      state.rule.rtol > 0
        ? [
            {
              x: Math.min(1, Math.max(1e-3, state.rule.rtol)),
              color: cssVar('--vscode-charts-orange', '#d18616'),
              label: `rtol ${fmt(state.rule.rtol)}`,
            },
          ]
        : [],
  });
}
