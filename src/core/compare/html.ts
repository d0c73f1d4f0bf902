// The self-contained HTML parity report (`compare --html`): one file, images inline as data
// URIs, no scripts or network, readable offline and attachable to an issue.
import { colormapTable, formatValue } from '../images/colormap';
import { renderHeatmap } from '../images/render';
import { encodePng } from '../images/png';
import type { Heatmap, Legend, RenderedHeatmap } from '../images/types';
import { describeCut } from '../capture/notes';
import type { CompareOutput, DiffHistogram, PairHeatmaps, PairResult, ReportJson } from './types';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return formatValue(v);
}

/** Cosine near 1 is unreadable at 3 digits: show the distance from 1 instead. */
function cosine(v: number | null): string {
  if (v === null) return '—';
  if (v >= 0.999 && v < 1) return `1 − ${formatValue(1 - v)}`;
  return num(v);
}

function pct(v: number): string {
  if (v === 0) return '0%';
  if (v < 1e-4) return `${(v * 100).toExponential(1)}%`;
  return `${Number((v * 100).toPrecision(3))}%`;
}

function anchor(name: string): string {
  return `pair-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

function dataUri(r: { width: number; height: number; rgba: Uint8Array }): string {
  return `data:image/png;base64,${encodePng(r.width, r.height, r.rgba).toString('base64')}`;
}

function colorbar(legend: Legend): string {
  const t = colormapTable(legend.colormap);
  const stops: string[] = [];
  for (let i = 0; i <= 10; i++) {
    const k = Math.round((i / 10) * 255) * 4;
    stops.push(`rgb(${t[k]},${t[k + 1]},${t[k + 2]}) ${i * 10}%`);
  }
  const ticks = legend.ticks.map((tk) => `<span style="left:${(tk.position * 100).toFixed(2)}%">${esc(tk.label)}</span>`).join('');
  return `<div class="bar"><div class="grad" style="background:linear-gradient(to right,${stops.join(',')})"></div><div class="ticks">${ticks}</div>
<div class="scale">${legend.scale} scale · <span class="nan"></span> NaN/Inf</div></div>`;
}

function heatmapBlock(h: PairHeatmaps): string {
  const main = renderHeatmap(h.main, { colormap: 'viridis', scale: 'linear' });
  const caption = describe(h.main);
  let channels = '';
  if (h.channels.length) {
    const high = Math.max(...h.channels.map((c) => (Number.isFinite(c.max) ? c.max : 0)));
    const rendered: RenderedHeatmap[] = h.channels.map((c) =>
      renderHeatmap(c, {
        colormap: 'viridis',
        scale: 'linear',
        low: 0,
        high: high || 1,
        zoom: Math.max(1, Math.floor(96 / Math.max(c.width, c.height))),
      }),
    );
    const labels = h.channels
      .map(
        (c, i) =>
          `<figure><img src="${dataUri(rendered[i])}" alt="channel ${c.channel}"><figcaption>ch ${c.channel} · max ${num(c.channelMax)}</figcaption></figure>`,
      )
      .join('');
    channels = `<div class="multiples"><h4>Worst channels (shared scale)</h4><div class="grid">${labels}</div>${colorbar(rendered[0].legend)}</div>`;
  }
  return `<div class="heat"><figure><img class="main" src="${dataUri(main)}" alt="|diff| heatmap of ${esc(h.name)}"><figcaption>${esc(caption)}</figcaption></figure>${colorbar(main.legend)}</div>${channels}`;
}

function describe(m: Heatmap): string {
  const red = m.reduction === 'none' ? '' : `, ${m.reduction} over the other dims`;
  const pool = m.poolX > 1 || m.poolY > 1 ? `, max-pooled ${m.poolY}×${m.poolX} from ${m.sourceHeight}×${m.sourceWidth}` : '';
  const axes = m.rowAxis ? `${m.rowAxis} × ${m.colAxis}` : m.colAxis;
  return `|cand − ref| as ${axes} (${m.height}×${m.width}${pool}${red})`;
}

function growthChart(r: ReportJson): string {
  const pts = r.error_growth.points;
  if (!pts.length) return '';
  const W = 900,
    H = 220,
    L = 56,
    R = 12,
    T = 12,
    B = 28;
  const vals = pts.map((p) => p.rel_l2).filter((v): v is number => v !== null && v > 0);
  let lo = Math.floor(Math.log10(Math.min(...vals, 1e-8)));
  let hi = Math.ceil(Math.log10(Math.max(...vals, 1e-1)));
  lo = Math.max(lo, -16);
  hi = Math.max(hi, lo + 1);
  const x = (i: number) => L + (pts.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (pts.length - 1));
  const y = (v: number) => T + ((hi - Math.log10(Math.max(v, 10 ** lo))) * (H - T - B)) / (hi - lo);
  const grid: string[] = [];
  const step = Math.max(1, Math.ceil((hi - lo) / 6));
  for (let e = lo; e <= hi; e += step)
    grid.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" class="g"/><text x="${L - 6}" y="${y(10 ** e) + 4}" text-anchor="end">1e${e}</text>`,
    );
  const path = pts
    .map((p, i) => (p.rel_l2 === null ? null : `${x(i).toFixed(1)},${y(p.rel_l2).toFixed(1)}`))
    .filter(Boolean)
    .join(' ');
  const first = r.first_divergence === null ? -1 : r.pairs.findIndex((p) => p.name === r.first_divergence);
  const marks = pts
    .map((p, i) => {
      const v = r.pairs[i].verdict;
      const cy = p.rel_l2 === null ? T + 4 : y(p.rel_l2);
      const floor = p.noise_floor !== undefined && p.noise_floor !== null ? `, floor ${num(p.noise_floor)}` : '';
      const title = `${p.name}: ${v}, rel_l2 ${num(p.rel_l2)}${p.ratio !== null ? ` (×${num(p.ratio)})` : ''}${floor}${p.jump ? ' — jump' : ''}`;
      return `<a href="#${anchor(p.name)}"><circle cx="${x(i).toFixed(1)}" cy="${cy.toFixed(1)}" r="${p.jump ? 6 : 3.5}" class="${v}${p.jump ? ' jump' : ''}"><title>${esc(title)}</title></circle></a>`;
    })
    .join('');
  const floorPath = pts
    .map((p, i) =>
      p.noise_floor === undefined || p.noise_floor === null || p.noise_floor <= 0
        ? null
        : `${x(i).toFixed(1)},${y(p.noise_floor).toFixed(1)}`,
    )
    .filter(Boolean)
    .join(' ');
  const floorLine = floorPath ? `<polyline points="${floorPath}" class="floor"><title>noise floor (REF2 vs REF)</title></polyline>` : '';
  const firstLine =
    first >= 0
      ? `<line x1="${x(first)}" x2="${x(first)}" y1="${T}" y2="${H - B}" class="fd"/><text x="${x(first) + 4}" y="${T + 10}" class="fdl">first divergence</text>`
      : '';
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="rel_l2 per pair in capture order">
${grid.join('')}<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" class="ax"/>
${firstLine}${floorLine}<polyline points="${path}" class="line"/>${marks}
<text x="${(W + L) / 2}" y="${H - 6}" text-anchor="middle">pairs in capture order →</text></svg>`;
}

function histogramSvg(h: DiffHistogram): string {
  const bins: { label: string; n: number }[] = [];
  if (h.zero) bins.push({ label: '0', n: h.zero });
  if (h.below) bins.push({ label: `<2^${h.minExp}`, n: h.below });
  const used = h.counts.map((n, i) => ({ n, i })).filter((b) => b.n > 0);
  if (used.length) {
    for (let i = used[0].i; i <= used[used.length - 1].i; i++) bins.push({ label: formatValue(2 ** (h.minExp + i)), n: h.counts[i] });
  }
  if (h.above) bins.push({ label: `≥2^${h.maxExp}`, n: h.above });
  if (!bins.length) return '';
  const max = Math.max(...bins.map((b) => b.n));
  const bw = Math.max(6, Math.min(28, Math.floor(560 / bins.length)));
  const H = 90;
  const bars = bins
    .map((b, i) => {
      const hgt = b.n ? Math.max(1, (Math.log10(b.n + 1) / Math.log10(max + 1)) * H) : 0;
      return `<rect x="${i * bw}" y="${H - hgt}" width="${bw - 1}" height="${hgt}"><title>${esc(b.label)}: ${b.n}</title></rect>`;
    })
    .join('');
  const first = bins[0].label;
  const last = bins[bins.length - 1].label;
  return `<svg class="hist" viewBox="0 0 ${bins.length * bw} ${H + 14}" width="${bins.length * bw}" height="${H + 14}">${bars}<text x="0" y="${H + 12}">${esc(first)}</text><text x="${bins.length * bw}" y="${H + 12}" text-anchor="end">${esc(last)}</text></svg>`;
}

function firstValues(p: PairResult): string {
  const a = p.ref_stats?.first ?? [];
  const b = p.cand_stats?.first ?? [];
  if (!a.length) return '';
  const rows = a
    .map((v, i) => {
      const c = b[i];
      const bad = v === null || c === null || Math.abs(c - v) > p.atol + p.rtol * Math.abs(v);
      return `<tr class="${bad ? 'bad' : ''}"><td>${i}</td><td>${num(v)}</td><td>${num(c ?? null)}</td></tr>`;
    })
    .join('');
  return `<table class="firstvals"><thead><tr><th>#</th><th>ref</th><th>cand</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function shape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

const VERDICT_MARK: Record<PairResult['verdict'], string> = {
  pass: '✓ pass',
  drift: '~ drift',
  diverged: '✗ diverged',
  not_compared: '– not compared',
};

/** How the pair was found, under its name: nothing for same-name pairs. */
function pairingBadge(p: PairResult): string {
  const how = p.pairing;
  if (!how || (how.by === 'name' && p.cand_name === p.ref_name)) return '';
  const conf = how.confidence === undefined ? '' : ` ${how.confidence.toFixed(2)}`;
  return `<div class="alias"><span class="pairing" title="${esc(how.why ?? `paired by ${how.by}`)}">${esc(how.by)}${conf}</span> ↔ ${esc(p.cand_name)}</div>`;
}

function row(p: PairResult, first: string | null): string {
  const cls = [
    p.verdict === 'pass' ? 'pass' : p.verdict === 'drift' ? 'drift' : p.verdict === 'not_compared' ? 'skipped' : 'fail',
    p.name === first ? 'first' : '',
  ].join(' ');
  const why = p.layout_why === 'convention' ? ' (side convention)' : p.layout_why === 'values' ? ' (values only: transposed?)' : '';
  const tf =
    p.transform === null
      ? '—'
      : p.transform === 'none' && !why
        ? ''
        : `<span class="tf" title="${esc(p.layout_detail ?? '')}">${esc(p.transform)}${why}</span>`;
  const shapes = p.transform === 'none' ? shape(p.ref.shape) : `${shape(p.ref.shape)} ← ${shape(p.cand.shape)}`;
  const idx = p.max_abs_index ? ` <span class="idx">@[${p.max_abs_index.join(',')}]</span>` : '';
  const nonfinite = p.nan_ref + p.nan_cand + p.inf_ref + p.inf_cand;
  return `<tr class="${cls}"><td title="${esc(p.verdict_why)}">${VERDICT_MARK[p.verdict]}</td><td><a href="#${anchor(p.name)}">${esc(p.name)}</a>${pairingBadge(p)}</td>
<td>${esc(p.ref.dtype)}${p.cand.dtype !== p.ref.dtype ? ` / ${esc(p.cand.dtype)}` : ''}</td><td>${shapes} ${tf}</td>
<td>${num(p.max_abs)}${idx}</td><td>${num(p.mean_abs)}</td><td>${num(p.rel_l2)}</td><td>${cosine(p.cosine)}</td><td>${num(p.sqnr_db)}</td>
<td>${p.reason ? '—' : `${p.mismatch.toLocaleString('en-US')} (${pct(p.mismatch_ratio)})`}</td><td>${nonfinite ? `NaN ${p.nan_ref}/${p.nan_cand} Inf ${p.inf_ref}/${p.inf_cand}` : ''}</td>
<td class="tol">${num(p.atol)} / ${num(p.rtol)}</td></tr>${p.reason ? `<tr class="${cls} reason"><td></td><td colspan="11">${esc(p.reason)}</td></tr>` : ''}${p.note ? `<tr class="${cls} note"><td></td><td colspan="11">⚠ ${esc(p.note)}</td></tr>` : ''}`;
}

/** The probe's notes per side: where a byte cap stopped the dumps and the values it skipped. */
function captureSection(r: ReportJson): string {
  const items: string[] = [];
  for (const [side, notes] of [
    ['reference', r.capture?.ref],
    ['candidate', r.capture?.cand],
  ] as const) {
    if (notes?.cut) items.push(`<li><b>${side}</b>: ${esc(describeCut(notes.cut))}; later checkpoints were not dumped</li>`);
    for (const k of notes?.skipped ?? []) items.push(`<li><b>${side}</b>: skipped ${esc(k.name)}: ${esc(k.reason)}</li>`);
  }
  return items.length ? `<h2>Capture notes</h2><ul class="capture">${items.join('')}</ul>` : '';
}

/** "dumped at file:line" of each side, from the probe's manifest. */
function dumpSites(r: ReportJson, p: PairResult): string {
  const at = (side: 'ref' | 'cand', name: string) => {
    const s = r.capture?.[side]?.sites[name];
    return s ? `${side === 'ref' ? 'reference' : 'candidate'} dumped at ${esc(s.file)}:${s.line}` : '';
  };
  const both = [at('ref', p.ref_name), at('cand', p.cand_name)].filter(Boolean);
  return both.length ? `<p class="meta">${both.join(' · ')}</p>` : '';
}

function detail(r: ReportJson, p: PairResult, h: PairHeatmaps | undefined, first: string | null): string {
  const stats = (s: PairResult['ref_stats']) =>
    s ? `min ${num(s.min)} · max ${num(s.max)} · mean ${num(s.mean)} · std ${num(s.std)}` : '';
  return `<section id="${anchor(p.name)}" class="detail ${p.pass ? 'pass' : 'fail'}${p.name === first ? ' first' : ''}">
<h3>${p.name === first ? '<span class="badge">first divergence</span> ' : ''}${esc(p.name)}</h3>
<p class="meta">${esc(p.ref_name)} ${shape(p.ref.shape)} ${esc(p.ref.dtype)} ↔ ${esc(p.cand_name)} ${shape(p.cand.shape)} ${esc(p.cand.dtype)}${p.transform && p.transform !== 'none' ? ` · candidate read through <b>${esc(p.transform)}</b>` : ''} · atol ${num(p.atol)}, rtol ${num(p.rtol)} (${esc(p.tolerance_source)})</p>
<p class="meta"><b>${VERDICT_MARK[p.verdict]}</b>: ${esc(p.verdict_why)}${p.noise_floor !== undefined ? ` · noise floor ${num(p.noise_floor ?? null)}, ratio ${num(p.floor_ratio ?? null)}` : ''}</p>
${p.reason ? `<p class="reason">${esc(p.reason)}</p>` : ''}${p.note ? `<p class="notep">⚠ ${esc(p.note)}</p>` : ''}
${dumpSites(r, p)}${p.ref_stats ? `<p class="stats">ref: ${stats(p.ref_stats)}<br>cand: ${stats(p.cand_stats)}</p>` : ''}
<div class="cols">${h ? heatmapBlock(h) : ''}<div>${firstValues(p)}${p.histogram ? `<h4>|diff| histogram (log counts)</h4>${histogramSvg(p.histogram)}` : ''}</div></div>
</section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1f23;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}h3{font-size:15px;margin:0 0 6px}h4{font-size:13px;margin:10px 0 4px;color:#555}
.paths{color:#555;font-size:12px;word-break:break-all}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:18px}.card.fail b{color:#b3261e}.card.ok b{color:#1b7f3b}
.verdict{padding:10px 14px;border-radius:6px;margin:10px 0;background:#fdecea;border:1px solid #f3b8b2}.verdict.ok{background:#e9f6ee;border-color:#a8d8b9}.verdict.drift{background:#fff6e0;border-color:#e8c97a}.card.drift b{color:#8a5a00}
table.pairs{border-collapse:collapse;width:100%;font-size:12.5px;font-variant-numeric:tabular-nums}
.pairs th{text-align:left;border-bottom:2px solid #ccc;padding:4px 6px;position:sticky;top:0;background:#fff}
.pairs td{border-bottom:1px solid #eee;padding:3px 6px;vertical-align:top;white-space:nowrap}
.pairs tr.reason td,.pairs tr.note td{white-space:normal}.tablewrap{overflow-x:auto}
.pairs tr.fail td:first-child{color:#b3261e;font-weight:bold}.pairs tr.pass td:first-child{color:#1b7f3b}.pairs tr.drift td:first-child{color:#8a5a00}.pairs tr.skipped td:first-child{color:#5f6368}
.pairs tr.first td{background:#fff3cd}.pairs tr.first td:nth-child(2){font-weight:bold}
.pairs tr.reason td{color:#b3261e;font-size:12px;border-bottom:1px solid #eee}.pairs tr.note td{color:#8a5a00;font-size:12px}.notep{color:#8a5a00}
.tf{background:#e8eefc;color:#1a3d8f;border-radius:3px;padding:0 4px;font-size:11px;white-space:nowrap}
.idx,.alias,.tol{color:#777;font-size:11px}.tol{white-space:nowrap}
.pairing{border:1px solid currentColor;border-radius:3px;padding:0 3px;margin-right:3px}
.chart{width:100%;max-width:900px;height:auto;font-size:11px}.chart .g{stroke:#eee}.chart .ax{stroke:#999}
.chart .line{fill:none;stroke:#8a8f98;stroke-width:1.2}.chart circle.pass{fill:#1b7f3b}.chart circle.drift{fill:#d08c00}.chart circle.diverged{fill:#b3261e}.chart circle.not_compared{fill:#fff;stroke:#5f6368}.chart .floor{fill:none;stroke:#6c8ebf;stroke-width:1.2;stroke-dasharray:2 3}
.chart circle.jump{stroke:#000;stroke-width:1.5}.chart .fd{stroke:#e0a800;stroke-width:2;stroke-dasharray:4 3}.chart .fdl{fill:#8a6d00}
.detail{border-top:1px solid #ddd;padding:14px 0}.detail.first{background:#fffaf0;border:2px solid #e0a800;border-radius:6px;padding:12px}
.badge{background:#e0a800;color:#000;border-radius:3px;padding:1px 6px;font-size:12px}
.meta,.stats{color:#444;font-size:12.5px;margin:2px 0}.reason{color:#b3261e}
.cols{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
.heat figure,.multiples figure{margin:0}.heat img.main{image-rendering:pixelated;max-width:520px;border:1px solid #ccc}
figcaption{font-size:11.5px;color:#555;max-width:520px}
.grid{display:flex;flex-wrap:wrap;gap:8px}.grid img{image-rendering:pixelated;border:1px solid #ccc}
.bar{width:320px;margin:6px 0 4px;font-size:11px}.grad{height:12px;border:1px solid #bbb}.ticks{position:relative;height:14px}
.ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap}.scale{color:#666}
.nan{display:inline-block;width:10px;height:10px;background:#f0f;vertical-align:middle}
table.firstvals{border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums}.firstvals td,.firstvals th{padding:1px 8px;text-align:right;border-bottom:1px solid #f0f0f0}
.firstvals tr.bad td{color:#b3261e}.hist rect{fill:#5b6b8c}.hist text{font-size:10px;fill:#666}
.unmatched{columns:2;font-size:12px}
`;

export interface HtmlOptions {
  readonly title?: string;
  readonly generatedAt?: Date;
}

export function renderHtmlReport(out: CompareOutput, options: HtmlOptions = {}): string {
  const r = out.report;
  const first = r.first_divergence;
  const fp = first ? r.pairs.find((p) => p.name === first) : undefined;
  const pattern =
    r.error_growth.pattern === 'local'
      ? 'The error appears at once (a jump): look inside this module.'
      : r.error_growth.pattern === 'drift'
        ? 'The error grows slowly without a jump, but above what the reference itself varies (the noise floor): a slow-drift bug such as a wrong epsilon or a missing upcast.'
        : '';
  const verdict = fp
    ? `<div class="verdict"><b>First divergence: <a href="#${anchor(fp.name)}">${esc(fp.name)}</a></b>${fp.transform && fp.transform !== 'none' ? ` (candidate read through ${esc(fp.transform)})` : ''} — ${fp.reason ? esc(fp.reason) : `${esc(fp.verdict_why)}; max |diff| ${num(fp.max_abs)}, rel_l2 ${num(fp.rel_l2)}, ${pct(fp.mismatch_ratio)} of elements outside atol ${num(fp.atol)} + rtol ${num(fp.rtol)}·|ref|`}. ${pattern}</div>`
    : r.pairs.length === 0
      ? `<div class="verdict"><b>Nothing was compared</b>: no tensor names in common (${r.unmatched_ref.length} reference, ${r.unmatched_cand.length} candidate names; add rename rules with <code>--map</code>).</div>`
      : r.verdicts.drift > 0
        ? `<div class="verdict drift"><b>Nothing diverged</b>: ${r.verdicts.drift} of ${r.pairs.length} pairs drift outside their tolerance without a jump${r.noise_floor ? ' or above the noise floor' : ''} (first: ${esc(r.first_outside_tolerance ?? '')}).</div>`
        : r.verdicts.not_compared > 0
          ? `<div class="verdict drift"><b>Nothing diverged</b>, but ${r.verdicts.not_compared} of ${r.pairs.length} pairs were not compared (a dtype that cannot be decoded).</div>`
          : `<div class="verdict ok"><b>All ${r.pairs.length} pairs match</b> within their tolerances.</div>`;
  const transforms = new Set(r.pairs.map((p) => p.transform).filter((t) => t && t !== 'none'));
  const cards = [
    ['pairs', String(r.pairs.length), ''],
    ['pass', String(r.verdicts.pass), r.pairs.length ? 'ok' : ''],
    ['drift', String(r.verdicts.drift), r.verdicts.drift ? 'drift' : ''],
    ['diverged', String(r.verdicts.diverged), r.verdicts.diverged || !r.pairs.length ? 'fail' : 'ok'],
    ...(r.verdicts.not_compared ? [['not compared', String(r.verdicts.not_compared), 'drift']] : []),
    ['unmatched ref / cand', `${r.unmatched_ref.length} / ${r.unmatched_cand.length}`, ''],
    ['layout transforms', transforms.size ? [...transforms].join(', ') : 'none', ''],
    ['order', r.order === 'manifest' ? 'capture (manifest)' : 'natural (no manifest)', ''],
  ]
    .map(([k, v, c]) => `<div class="card ${c}"><b>${esc(v)}</b>${esc(k)}</div>`)
    .join('');
  const unmatched =
    r.unmatched_ref.length || r.unmatched_cand.length
      ? `<h2>Unmatched tensors</h2><p>Names on one side only (add rename rules with <code>--map</code> to pair them).</p>
<h4>reference only (${r.unmatched_ref.length})</h4><div class="unmatched">${r.unmatched_ref.map((n) => `<div>${esc(n)}</div>`).join('')}</div>
<h4>candidate only (${r.unmatched_cand.length})</h4><div class="unmatched">${r.unmatched_cand.map((n) => `<div>${esc(n)}</div>`).join('')}</div>`
      : '';
  // Details for the pairs with something to show, capped so a report where everything after
  // the divergence fails stays a readable size; the table above lists them all.
  const MAX_DETAILS = 60;
  const shown = r.pairs.filter((p) => !p.pass || p.note || out.heatmaps[p.name]);
  const details =
    shown
      .slice(0, MAX_DETAILS)
      .map((p) => detail(r, p, out.heatmaps[p.name], first))
      .join('\n') +
    (shown.length > MAX_DETAILS
      ? `<p>${shown.length - MAX_DETAILS} more failing pairs are listed in the table above without details.</p>`
      : '');
  const title = options.title ?? 'Parity report';
  const when = (options.generatedAt ?? new Date()).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}${first ? ` — first divergence: ${esc(first)}` : ''}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<div class="paths">reference: ${esc(r.ref_path)}<br>candidate: ${esc(r.cand_path)}<br>generated ${esc(when)} by mflux-port compare</div>
${verdict}
<div class="summary">${cards}</div>
${captureSection(r)}
<h2>Error growth (rel_l2 per pair, log scale)</h2>
${growthChart(r)}
<h2>Pairs in ${r.order === 'manifest' ? 'capture' : 'natural'} order</h2>
<div class="tablewrap"><table class="pairs"><thead><tr><th></th><th>name</th><th>dtype</th><th>shape (ref ← cand)</th><th>max |diff|</th><th>mean |diff|</th><th>rel_l2</th><th>cosine</th><th>SQNR dB</th><th>mismatched</th><th>non-finite ref/cand</th><th>atol / rtol</th></tr></thead>
<tbody>${r.pairs.map((p) => row(p, first)).join('\n')}</tbody></table></div>
${unmatched}
<h2>Details</h2>
${details || '<p>No failing pairs.</p>'}
</body></html>
`;
}
