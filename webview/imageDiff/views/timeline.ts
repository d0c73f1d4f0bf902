// The stepwise timeline: a step slider and the PSNR/SSIM-per-step chart; a click selects a step.
import { cssVar, h } from '../../shared/dom';
import { drawChart } from '../../shared/chart';
import { intents } from '../intents';
import { state } from '../state';

const stepInput = h('input', { type: 'range', min: 0, max: 0, value: 0, id: 'step', 'aria-label': 'Denoising step' });
const stepLabel = h('span', { class: 'step-label', id: 'step-label' });
const stepCanvas = h('canvas', {
  class: 'step-chart',
  id: 'step-chart',
  role: 'img',
  'aria-label': 'PSNR and SSIM per step; click to select a step',
});
export const timeline = h(
  'footer',
  { class: 'timeline', id: 'timeline', hidden: true, 'aria-label': 'Stepwise timeline' },
  h('div', { class: 'step-row' }, h('span', { class: 'muted', text: 'Step' }), stepInput, stepLabel),
  stepCanvas,
);

stepInput.addEventListener('input', () => {
  const p = state.pairs[Number(stepInput.value)];
  if (p) intents.selectPair(p.id);
});

/** Shows the timeline for a stepwise comparison, hides it otherwise. */
export function renderTimeline(): void {
  timeline.hidden = !state.stepwise;
  if (!state.stepwise) return;
  stepInput.max = String(Math.max(0, state.pairs.length - 1));
  stepInput.value = String(
    Math.max(
      0,
      state.pairs.findIndex((p) => p.id === state.selected),
    ),
  );
  renderStepLabel();
  drawStepChart();
}

/** Moves the slider, label and chart to the selected step. */
export function showSelectedStep(): void {
  stepInput.value = String(state.pairs.findIndex((p) => p.id === state.selected));
  renderStepLabel();
  drawStepChart();
}

function renderStepLabel(): void {
  const p = state.pairs.find((x) => x.id === state.selected);
  const m = p ? state.stepMetrics.get(p.id) : undefined;
  stepLabel.textContent = p
    ? `step ${p.step ?? '?'} of ${p.steps ?? state.pairs.length}${m ? ` · PSNR ${m.psnr === null ? '∞' : m.psnr.toFixed(2)} dB · SSIM ${m.ssim === null ? '—' : m.ssim.toFixed(4)}` : ''}`
    : '';
}

let stepLayout: ReturnType<typeof drawChart> | null = null;
export function drawStepChart(): void {
  if (!state.stepwise || timeline.hidden) return;
  const psnr = state.pairs.map((p) => state.stepMetrics.get(p.id)?.psnr ?? null);
  const ssim = state.pairs.map((p) => state.stepMetrics.get(p.id)?.ssim ?? null);
  stepLayout = drawChart(stepCanvas, {
    x: state.pairs.map((p, i) => p.step ?? i + 1),
    xTicks: state.pairs.length <= 24 ? state.pairs.map((p, i) => p.step ?? i + 1) : undefined,
    formatX: (x) => String(Math.round(x)),
    series: [
      { label: 'PSNR dB', values: psnr, color: cssVar('--vscode-charts-blue', '#3794ff') },
      {
        label: 'SSIM',
        values: ssim,
        color: cssVar('--vscode-charts-green', '#89d185'),
        axis: 'right',
        min: Math.min(0.9, ...ssim.filter((v): v is number => v !== null)),
        max: 1,
      },
    ],
    selected: state.pairs.findIndex((p) => p.id === state.selected),
  });
  renderStepLabel();
}

stepCanvas.addEventListener('click', (e) => {
  const i = stepLayout?.indexAt(e.offsetX);
  if (i !== null && i !== undefined && state.pairs[i]) intents.selectPair(state.pairs[i].id);
});
