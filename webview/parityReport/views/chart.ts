// The error-growth chart: rel L2 per layer in capture order (log), each point marked with its
// verdict (shape and colour, named in the legend below), jumps ringed, the selected layer
// highlighted; a click selects the nearest layer.
import { clear, cssVar, h } from '../../shared/dom';
import { drawChart, type PointStyle } from '../../shared/chart';
import { intents } from '../intents';
import { state, verdictWord } from '../state';
import { countVerdicts, type Word } from '../verdicts';
import { body } from './layout';

const growthCanvas = h('canvas', {
  id: 'growth',
  class: 'growth',
  role: 'img',
  'aria-label': 'Error growth: relative L2 error per layer in capture order, log scale; click a point to select its layer',
});
const growthLegend = h('div', { class: 'growth-legend small', id: 'growth-legend', 'aria-label': 'Point markers by verdict' });
const growthNote = h('div', { class: 'growth-note muted', id: 'growth-note' });
export const growth = h(
  'section',
  { class: 'growth-wrap', 'aria-label': 'Error growth' },
  growthCanvas,
  h('div', { class: 'growth-foot' }, growthLegend, growthNote),
);

/** Marker per state: a shape and a colour, the legend names both. */
const MARKERS: Record<'pass' | 'drift' | 'diverged', { glyph: string; shape: PointStyle['shape']; color: () => string }> = {
  diverged: { glyph: '✕', shape: 'cross', color: () => cssVar('--vscode-testing-iconFailed', '#e51400') },
  drift: { glyph: '▲', shape: 'triangle', color: () => cssVar('--vscode-editorWarning-foreground', '#bf8803') },
  pass: { glyph: '●', shape: 'dot', color: () => cssVar('--vscode-testing-iconPassed', '#388a34') },
};

function markerOf(w: Word): keyof typeof MARKERS | null {
  return w === 'fail' ? 'diverged' : w === 'not_compared' ? null : w;
}

let growthLayout: ReturnType<typeof drawChart> | null = null;
let growthQueued = false;

/** Coalesces redraws into the next frame (drawing reads layout, which must happen once). */
export function drawGrowth(): void {
  if (growthQueued) return;
  growthQueued = true;
  requestAnimationFrame(() => {
    growthQueued = false;
    drawGrowthNow();
  });
}

function drawGrowthNow(): void {
  const r = state.report;
  if (!r || body.hidden) return;
  const sel = state.selected ? (state.byName.get(state.selected)?.index ?? null) : null;
  const colors = { diverged: MARKERS.diverged.color(), drift: MARKERS.drift.color(), pass: MARKERS.pass.color() };
  const points = r.pairs.map((p): PointStyle | null => {
    const m = markerOf(verdictWord(p));
    return m ? { color: colors[m], shape: MARKERS[m].shape } : null;
  });
  growthLayout = drawChart(growthCanvas, {
    series: [
      {
        label: 'rel L2 (log)',
        values: r.pairs.map((p) => p.rel_l2),
        color: cssVar('--vscode-charts-blue', '#3794ff'),
        log: true,
        points,
      },
      // The reference's own run-to-run error, when the report was made with a noise floor.
      ...(r.pairs.some((p) => p.noise_floor !== undefined)
        ? [
            {
              label: 'noise floor',
              values: r.pairs.map((p) => (p.noise_floor ? p.noise_floor : null)),
              color: cssVar('--vscode-charts-orange', '#d18616'),
              log: true,
            },
          ]
        : []),
    ],
    marks: [...state.jumps],
    selected: sel,
    xTicks: r.pairs.length <= 12 ? r.pairs.map((_, i) => i) : undefined,
    formatX: (x) => String(Math.round(x)),
  });
  renderLegend();
  const first = r.first_divergence ? state.byName.get(r.first_divergence)?.index : undefined;
  const jumps = state.jumps.size;
  growthNote.textContent = `${jumps} jump${jumps === 1 ? '' : 's'} (≥10×) marked${first !== undefined ? ` · first divergence at #${first}` : ''} · click a point to select its layer`;
}

/** The verdict markers in words: "✕ 31 diverged  ▲ 1 drift  ● 19 pass". */
function renderLegend(): void {
  const c = countVerdicts(state.report!.pairs);
  clear(growthLegend);
  for (const k of ['diverged', 'drift', 'pass'] as const) {
    const n = k === 'diverged' ? c.diverged + c.fail : c[k];
    growthLegend.append(
      h(
        'span',
        { class: 'legend-item', 'data-verdict': k },
        h('span', { class: `marker ${k}`, 'aria-hidden': 'true', text: MARKERS[k].glyph }),
        ` ${n} ${k}`,
      ),
    );
  }
  if (c.not_compared)
    growthLegend.append(
      h('span', { class: 'legend-item muted', 'data-verdict': 'not_compared', text: `– ${c.not_compared} not compared (no point)` }),
    );
}

growthCanvas.addEventListener('click', (e) => {
  const i = growthLayout?.indexAt(e.offsetX);
  const p = i !== null && i !== undefined ? state.report?.pairs[i] : undefined;
  if (p) intents.select(p.name, { scroll: true });
});
