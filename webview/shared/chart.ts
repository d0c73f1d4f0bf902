// A small canvas line chart: one or two y axes (each linear or log), optional log x axis,
// marked points, a selected point, reference lines. Colours come from the VS Code theme.
import { cssVar, fitCanvas } from './dom';
import { fmt } from './format';

export interface Series {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  readonly axis?: 'left' | 'right';
  readonly log?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly unit?: string;
  /** Per-point marker (colour and shape), drawn at any length; null keeps the series' dot. */
  readonly points?: readonly (PointStyle | null)[];
}

export interface PointStyle {
  readonly color: string;
  readonly shape: 'dot' | 'triangle' | 'cross';
}

export interface ChartSpec {
  /** x positions; defaults to 0..n-1. */
  readonly x?: readonly number[];
  readonly xLog?: boolean;
  readonly xLabel?: string;
  readonly series: readonly Series[];
  /** Indices drawn with a ring marker (e.g. error jumps). */
  readonly marks?: readonly number[];
  readonly selected?: number | null;
  readonly hlines?: readonly { value: number; axis?: 'left' | 'right'; color: string; label: string }[];
  readonly vlines?: readonly { x: number; color: string; label: string }[];
  readonly formatX?: (x: number) => string;
  /** Explicit x tick positions (e.g. every step). */
  readonly xTicks?: readonly number[];
}

export interface ChartLayout {
  /** Index of the point nearest to a CSS x coordinate, or null outside the plot. */
  indexAt(px: number): number | null;
  xOf(i: number): number;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
}

function axisFor(series: readonly Series[]): Axis | null {
  if (series.length === 0) return null;
  const log = series.some((s) => s.log);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (v === null || !Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (s.min !== undefined) lo = Math.min(lo, s.min);
    if (s.max !== undefined) hi = Math.max(hi, s.max);
  }
  if (!Number.isFinite(lo)) {
    lo = log ? 1e-8 : 0;
    hi = 1;
  }
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
    if (hi <= lo) hi = lo * 10;
  } else if (hi <= lo) {
    hi = lo + 1;
  }
  return { lo, hi, log };
}

function project(a: Axis, v: number, top: number, bottom: number): number {
  const t = a.log ? (Math.log10(Math.max(v, a.lo)) - Math.log10(a.lo)) / (Math.log10(a.hi) - Math.log10(a.lo)) : (v - a.lo) / (a.hi - a.lo);
  return bottom - t * (bottom - top);
}

function ticks(a: Axis): number[] {
  if (a.log) {
    const out: number[] = [];
    const e0 = Math.round(Math.log10(a.lo));
    const e1 = Math.round(Math.log10(a.hi));
    const step = Math.max(1, Math.ceil((e1 - e0) / 5));
    for (let e = e0; e <= e1; e += step) out.push(10 ** e);
    return out;
  }
  return [0, 0.25, 0.5, 0.75, 1].map((t) => a.lo + t * (a.hi - a.lo));
}

export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): ChartLayout {
  const ctx = fitCanvas(canvas);
  const W = canvas.clientWidth;
  const H = canvas.clientHeight;
  const fg = cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#888'));
  const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)');
  const font = cssVar('--vscode-font-family', 'sans-serif');
  ctx.clearRect(0, 0, W, H);
  const left = spec.series.filter((s) => s.axis !== 'right');
  const right = spec.series.filter((s) => s.axis === 'right');
  const la = axisFor(left);
  const ra = axisFor(right);
  const padL = 52;
  const padR = ra ? 48 : 12;
  const top = 18;
  const bottom = H - 22;
  const n = Math.max(0, ...spec.series.map((s) => s.values.length));
  const xs = spec.x ?? Array.from({ length: n }, (_, i) => i);
  const xa: Axis = axisFor([{ label: 'x', values: xs, color: '', log: spec.xLog }]) ?? { lo: 0, hi: 1, log: false };
  if (!spec.xLog) {
    xa.lo = xs.length ? Math.min(...xs) : 0;
    xa.hi = Math.max(...xs, xa.lo + 1);
  }
  const xOf = (i: number) => {
    const x = xs[i];
    const t = xa.log ? (Math.log10(x) - Math.log10(xa.lo)) / (Math.log10(xa.hi) - Math.log10(xa.lo)) : (x - xa.lo) / (xa.hi - xa.lo || 1);
    return padL + t * (W - padL - padR);
  };
  const xOfValue = (x: number) => {
    const t = xa.log ? (Math.log10(x) - Math.log10(xa.lo)) / (Math.log10(xa.hi) - Math.log10(xa.lo)) : (x - xa.lo) / (xa.hi - xa.lo || 1);
    return padL + t * (W - padL - padR);
  };
  ctx.font = `10px ${font}`;
  ctx.lineWidth = 1;
  // Grid and tick labels.
  ctx.strokeStyle = grid;
  ctx.fillStyle = fg;
  ctx.textBaseline = 'middle';
  if (la) {
    ctx.textAlign = 'right';
    for (const t of ticks(la)) {
      const y = project(la, t, top, bottom);
      ctx.beginPath();
      ctx.moveTo(padL, y + 0.5);
      ctx.lineTo(W - padR, y + 0.5);
      ctx.stroke();
      ctx.fillText(fmt(t, 3), padL - 4, y);
    }
  }
  if (ra) {
    ctx.textAlign = 'left';
    for (const t of ticks(ra)) ctx.fillText(fmt(t, 3), W - padR + 4, project(ra, t, top, bottom));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xt = spec.xTicks ?? (xa.log ? ticks(xa) : [0, 0.25, 0.5, 0.75, 1].map((t) => xa.lo + t * (xa.hi - xa.lo)));
  for (const t of xt) ctx.fillText(spec.formatX ? spec.formatX(t) : fmt(t, 3), xOfValue(t), bottom + 5);
  if (spec.xLabel) {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(spec.xLabel, W - padR, bottom - 2);
  }
  // Reference lines.
  for (const l of spec.hlines ?? []) {
    const a = l.axis === 'right' ? ra : la;
    if (!a) continue;
    const y = project(a, l.value, top, bottom);
    ctx.strokeStyle = l.color;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(padL, y);
    ctx.lineTo(W - padR, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = l.color;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    ctx.fillText(l.label, padL + 4, y - 2);
  }
  for (const l of spec.vlines ?? []) {
    const x = xOfValue(l.x);
    ctx.strokeStyle = l.color;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = l.color;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(l.label, x + 3, top);
  }
  // Selected point.
  if (spec.selected !== null && spec.selected !== undefined && spec.selected < n) {
    const x = xOf(spec.selected);
    ctx.strokeStyle = cssVar('--vscode-focusBorder', '#007fd4');
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.lineWidth = 1;
  }
  // Series.
  for (const s of spec.series) {
    const a = s.axis === 'right' ? ra : la;
    if (!a) continue;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (v === null || !Number.isFinite(v) || (a.log && v <= 0)) {
        pen = false;
        continue;
      }
      const x = xOf(i);
      const y = project(a, v, top, bottom);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      const style = s.points?.[i] ?? null;
      if (v === null || !Number.isFinite(v) || (a.log && v <= 0) || (!style && s.values.length > 80)) continue;
      drawPoint(ctx, xOf(i), project(a, v, top, bottom), style ?? { color: s.color, shape: 'dot' });
    }
    for (const i of spec.marks ?? []) {
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v) || (a.log && v <= 0)) continue;
      ctx.strokeStyle = cssVar('--vscode-charts-red', '#f14c4c');
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(xOf(i), project(a, v, top, bottom), 5, 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.lineWidth = 1;
  }
  // Legend.
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  let lx = padL;
  for (const s of spec.series) {
    ctx.fillStyle = s.color;
    ctx.fillRect(lx, 4, 10, 3);
    ctx.fillStyle = fg;
    const label = s.label + (s.axis === 'right' ? ' (right)' : '');
    ctx.fillText(label, lx + 14, 0);
    lx += 24 + ctx.measureText(label).width;
  }
  return {
    xOf,
    indexAt(px: number): number | null {
      if (n === 0 || px < padL - 8 || px > W - padR + 8) return null;
      let best = 0;
      let bestD = Infinity;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(xOf(i) - px);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
      return best;
    },
  };
}

/** A dot (r 2), a triangle or a cross (both 3.5 px): shapes that differ without their colours. */
function drawPoint(ctx: CanvasRenderingContext2D, x: number, y: number, p: PointStyle): void {
  ctx.fillStyle = p.color;
  ctx.strokeStyle = p.color;
  ctx.beginPath();
  if (p.shape === 'dot') {
    ctx.arc(x, y, 2, 0, Math.PI * 2);
    ctx.fill();
  } else if (p.shape === 'triangle') {
    ctx.moveTo(x, y - 4);
    ctx.lineTo(x + 3.5, y + 2.5);
    ctx.lineTo(x - 3.5, y + 2.5);
    ctx.closePath();
    ctx.fill();
  } else {
    ctx.lineWidth = 2;
    ctx.moveTo(x - 3.5, y - 3.5);
    ctx.lineTo(x + 3.5, y + 3.5);
    ctx.moveTo(x + 3.5, y - 3.5);
    ctx.lineTo(x - 3.5, y + 3.5);
    ctx.stroke();
    ctx.lineWidth = 1.5;
  }
}
