// The error-growth chart: rel L2 per layer in capture order (log), jumps marked, the selected
// layer highlighted; a click selects the nearest layer.
import { cssVar, h } from '../../shared/dom';
import { drawChart } from '../../shared/chart';
import { intents } from '../intents';
import { state } from '../state';
import { body } from './layout';

const growthCanvas = h('canvas', {
  id: 'growth',
  class: 'growth',
  role: 'img',
  'aria-label': 'Error growth: relative L2 error per layer in capture order, log scale; click a point to select its layer',
});
const growthNote = h('div', { class: 'growth-note muted', id: 'growth-note' });
export const growth = h('section', { class: 'growth-wrap', 'aria-label': 'Error growth' }, growthCanvas, growthNote);

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
  growthLayout = drawChart(growthCanvas, {
    series: [
      { label: 'rel L2 (log)', values: r.pairs.map((p) => p.rel_l2), color: cssVar('--vscode-charts-blue', '#3794ff'), log: true },
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
  const first = r.first_divergence ? state.byName.get(r.first_divergence)?.index : undefined;
  const jumps = state.jumps.size;
  growthNote.textContent = `${jumps} jump${jumps === 1 ? '' : 's'} (≥10×) marked${first !== undefined ? ` · first divergence at #${first}` : ''} · click a point to select its layer`;
}

growthCanvas.addEventListener('click', (e) => {
  const i = growthLayout?.indexAt(e.offsetX);
  const p = i !== null && i !== undefined ? state.report?.pairs[i] : undefined;
  if (p) intents.select(p.name, { scroll: true });
});
