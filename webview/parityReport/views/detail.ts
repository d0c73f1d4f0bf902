// The selected layer's detail pane: names and shapes, the tolerance editor (re-judged here,
// instantly), the heatmaps, the first values of both sides and the |diff| histogram.
import type { LayerDetail, ReportPair } from '../../../src/protocol/parityReport';
import { button, clear, cssVar, decimalField, fitCanvas, h } from '../../shared/dom';
import { float32Repr, fmt, pct, shape, thousands } from '../../shared/format';
import { post } from '../messages';
import { neededAtol, pytestAssertion, rejudge, roundUp } from '../rejudge';
import { state, verdictWord } from '../state';
import { detailText, VERDICT } from '../verdicts';
import { pairingLine } from '../pairing';
import { dumpSitesSection } from './dumpSites';
import { heatmapSection, warmUpHeatmaps } from './heatmap';
import { detailPane } from './layout';
import { updateRow } from './table';
import { renderSummary } from './toolbar';

export function renderDetail(): void {
  clear(detailPane);
  const entry = state.selected ? state.byName.get(state.selected) : undefined;
  if (!entry) {
    detailPane.append(h('div', { class: 'empty', text: 'Select a layer.' }));
    return;
  }
  const { pair: p, index } = entry;
  const d = state.detail;
  const head = h(
    'div',
    { class: 'detail-head' },
    h('h2', { class: 'layer-name', id: 'detail-name', text: `#${index} ${p.name}` }),
    h(
      'div',
      { class: 'muted mono small' },
      `ref ${p.ref.dtype} ${shape(p.ref.shape)} · cand ${p.cand.dtype} ${shape(p.cand.shape)}`,
      p.transform && p.transform !== 'none' ? ` · read through ${p.transform}` : '',
    ),
    h('div', { class: `small pairing-line ${p.pairing?.by ?? 'name'}`, id: 'detail-pairing', text: pairingLine(p) }),
  );
  detailPane.append(head);
  const sites = dumpSitesSection(p);
  if (sites) detailPane.append(sites);
  if (p.reason) detailPane.append(h('div', { class: 'reason', id: 'detail-reason', text: p.reason }));
  detailPane.append(toleranceSection(p, d));
  if (!d) {
    detailPane.append(h('div', { class: 'muted loading', id: 'detail-loading', text: 'Loading heatmaps and values…' }));
    warmUpHeatmaps();
    return;
  }
  if (d.note) detailPane.append(h('p', { class: 'muted small', text: d.note }));
  if (d.heatmap) detailPane.append(heatmapSection(d.heatmap, d.channels));
  detailPane.append(valuesSection(d, p));
  if (d.histogram) detailPane.append(histogramSection(d.histogram));
}

/** Replaces the detail pane with an error (the host could not read the layer). */
export function showDetailError(message: string): void {
  clear(detailPane);
  detailPane.append(h('div', { class: 'empty error', id: 'detail-error', text: message }));
}

export function clearDetail(): void {
  clear(detailPane);
}

function toleranceSection(p: ReportPair, d: LayerDetail | null): HTMLElement {
  const o = state.overrides.get(p.name);
  const atol = decimalField('tol-atol', 'atol');
  const rtol = decimalField('tol-rtol', 'rtol');
  atol.value = String(o?.atol ?? p.atol);
  rtol.value = String(o?.rtol ?? p.rtol);
  const result = h('div', { class: 'rejudge', id: 'rejudge', role: 'status' });
  const copy = button('Copy pytest assertion', {
    id: 'copy-pytest',
    secondary: true,
    title: 'Copy an np.testing.assert_allclose line with a tolerance that passes',
  });
  const section = h(
    'section',
    { class: 'tolerance' },
    h('h3', { text: 'Tolerance' }),
    h(
      'div',
      { class: 'tol-fields' },
      h('label', { class: 'field' }, h('span', { text: 'atol' }), atol),
      h('label', { class: 'field' }, h('span', { text: 'rtol' }), rtol),
      copy,
    ),
    result,
  );
  const show = () => {
    clear(result);
    const cur = state.overrides.get(p.name);
    const pass = cur?.result.pass ?? p.pass;
    const word = verdictWord(p);
    const mismatch = cur?.result.mismatch ?? p.mismatch;
    const ratio = cur?.result.ratio ?? p.mismatch_ratio;
    result.dataset.pass = String(pass);
    result.append(
      h('span', { class: `badge ${VERDICT[word].cls}`, id: 'detail-verdict', 'data-verdict': word, text: detailText(word, p) }),
      h('span', {
        id: 'detail-mismatch',
        'data-mismatch': String(mismatch),
        text: `${mismatch === null ? '—' : thousands(mismatch)} mismatched (${pct(ratio)})`,
      }),
      h('span', {
        class: 'muted small',
        text: ` · |cand − ref| ≤ atol + rtol·|ref|${p.tolerance_source && !cur ? ` · from ${p.tolerance_source}` : cur ? ' · edited' : ''}`,
      }),
    );
    if (d?.elements && !pass) {
      const need = neededAtol(d.elements.ref, d.elements.cand, cur?.rtol ?? p.rtol);
      result.append(
        h('div', {
          class: 'muted small',
          id: 'needed-atol',
          text: need === null ? 'NaN/Inf mismatch: no tolerance passes.' : `passes from atol ≈ ${fmt(roundUp(need), 2)} at this rtol`,
        }),
      );
    }
    if (!d?.elements && d)
      result.append(h('div', { class: 'muted small', text: 'Too large to re-judge here; the verdict shown is the engine’s.' }));
    if (p.verdict && !cur) {
      const floor = p.noise_floor !== undefined ? ` · noise floor ${fmt(p.noise_floor, 2)}, ×${fmt(p.floor_ratio ?? null, 2)}` : '';
      result.append(h('div', { class: 'small', id: 'detail-why', text: `${p.verdict}: ${p.verdict_why ?? ''}${floor}` }));
    }
    if (p.layout_detail)
      result.append(h('div', { class: 'muted small', id: 'detail-layout', text: `layout (${p.layout_why}): ${p.layout_detail}` }));
  };
  const onInput = () => {
    const a = Number(atol.value);
    const r = Number(rtol.value);
    const okA = atol.value.trim() !== '' && Number.isFinite(a) && a >= 0;
    const okR = rtol.value.trim() !== '' && Number.isFinite(r) && r >= 0;
    atol.invalid = !okA;
    rtol.invalid = !okR;
    if (!okA || !okR || !d?.elements) return;
    if (a === p.atol && r === p.rtol) state.overrides.delete(p.name);
    else state.overrides.set(p.name, { atol: a, rtol: r, result: rejudge(d.elements.ref, d.elements.cand, a, r) });
    show();
    updateRow(p);
    renderSummary();
    post({ kind: 'toleranceChanged', payload: { name: p.name, tolerance: { atol: a, rtol: r } } });
  };
  atol.addEventListener('input', onInput);
  rtol.addEventListener('input', onInput);
  if (!d?.elements) {
    atol.toggleAttribute('disabled', !!d);
    rtol.toggleAttribute('disabled', !!d);
  }
  copy.addEventListener('click', () => {
    const cur = state.overrides.get(p.name);
    const r = cur?.rtol ?? p.rtol;
    let a = cur?.atol ?? p.atol;
    const pass = cur?.result.pass ?? p.pass;
    if (!pass) {
      const need = d?.elements ? neededAtol(d.elements.ref, d.elements.cand, r) : p.max_abs;
      if (need !== null) a = Math.max(a, roundUp(need));
    }
    const text = pytestAssertion(p.name, a, r);
    post({ kind: 'copyText', payload: { text } });
    copy.textContent = 'Copied';
    window.setTimeout(() => {
      copy.textContent = 'Copy pytest assertion';
    }, 1200);
  });
  show();
  return section;
}

function valuesSection(d: LayerDetail, p: ReportPair): HTMLElement {
  const n = Math.max(d.firstRef.length, d.firstCand.length);
  const t = h('table', { class: 'values', id: 'first-values', 'aria-label': 'First values of both sides' });
  t.append(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'num', text: 'i' }),
        h('th', { class: 'num', text: 'reference' }),
        h('th', { class: 'num', text: 'candidate' }),
        h('th', { class: 'num', text: 'cand − ref' }),
      ),
    ),
  );
  const body = h('tbody');
  const o = state.overrides.get(p.name);
  const atol = o?.atol ?? p.atol;
  const rtol = o?.rtol ?? p.rtol;
  for (let i = 0; i < n; i++) {
    const a = d.firstRef[i] ?? null;
    const b = d.firstCand[i] ?? null;
    const diff = a !== null && b !== null ? b - a : null;
    const bad = diff !== null && a !== null && Math.abs(diff) > atol + rtol * Math.abs(a);
    body.append(
      h(
        'tr',
        { class: bad ? 'bad-row' : '' },
        h('td', { class: 'num muted', text: String(i) }),
        h('td', { class: 'num', text: fmtValue(a) }),
        h('td', { class: 'num', text: fmtValue(b) }),
        h('td', { class: `num ${bad ? 'bad' : ''}`, text: diff === null ? '—' : fmt(diff, 3) }),
      ),
    );
  }
  t.append(body);
  return h('section', {}, h('h3', { text: 'First values (row-major, reference layout)' }), t);
}

function fmtValue(v: number | null): string {
  if (v === null) return 'NaN/Inf';
  return float32Repr(v);
}

function histogramSection(hist: NonNullable<LayerDetail['histogram']>): HTMLElement {
  const canvas = h('canvas', { class: 'histogram', id: 'histogram', role: 'img', 'aria-label': 'Histogram of |diff| on log-spaced bins' });
  requestAnimationFrame(() => {
    const ctx = fitCanvas(canvas);
    const W = canvas.clientWidth;
    const H = canvas.clientHeight;
    const fg = cssVar('--vscode-charts-foreground', '#888');
    const bar = cssVar('--vscode-charts-purple', '#b180d7');
    const font = cssVar('--vscode-font-family', 'sans-serif');
    ctx.clearRect(0, 0, W, H);
    const max = Math.max(1, ...hist.counts);
    const n = hist.counts.length;
    const bw = (W - 10) / Math.max(1, n);
    ctx.fillStyle = bar;
    for (let i = 0; i < n; i++) {
      const hh = hist.counts[i] > 0 ? Math.max(1, (Math.log10(hist.counts[i] + 1) / Math.log10(max + 1)) * (H - 28)) : 0;
      ctx.fillRect(5 + i * bw + 1, H - 16 - hh, Math.max(1, bw - 2), hh);
    }
    ctx.fillStyle = fg;
    ctx.font = `10px ${font}`;
    ctx.textBaseline = 'top';
    const step = Math.max(1, Math.ceil(n / 6));
    for (let i = 0; i <= n; i += step) {
      ctx.textAlign = i === 0 ? 'left' : i >= n ? 'right' : 'center';
      ctx.fillText(fmt(hist.edges[i], 2), 5 + i * bw, H - 13);
    }
    ctx.textAlign = 'right';
    ctx.fillText(`max count ${thousands(max)} (log height)`, W - 5, 0);
  });
  return h('section', {}, h('h3', { text: '|diff| histogram' }), canvas);
}
