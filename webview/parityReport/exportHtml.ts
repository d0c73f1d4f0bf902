// The "Export HTML" file: one self-contained page (inline style, the growth chart as a data
// URL, no script) that a colleague can open offline. Every text is escaped.
import type { ParityReport, ReportPair } from '../../src/protocol/parityReport';
import { fmt, pct, shape } from '../shared/format';

export interface ExportInput {
  readonly title: string;
  readonly refLabel: string;
  readonly candLabel: string;
  readonly report: ParityReport;
  readonly verdict: (p: ReportPair) => boolean;
  readonly growthPng: string;
  readonly jumps: ReadonlySet<number>;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `body{font:13px -apple-system,Segoe UI,Ubuntu,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}p.meta{color:#666;margin:0 0 16px}
table{border-collapse:collapse;width:100%}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.mono{font-family:Menlo,Consolas,monospace}
tr.fail td{background:#fff4f4}tr.first td{background:#ffe3e3;font-weight:600}
.pass{color:#2e7d32;font-weight:600}.fail-t{color:#c62828;font-weight:600}.tag{font-size:11px;color:#a15c00;margin-left:6px}
img{max-width:100%;border:1px solid #eee;margin:8px 0 16px}`;

export function exportHtml(x: ExportInput): string {
  const r = x.report;
  const failing = r.pairs.filter((p) => !x.verdict(p)).length;
  const rows = r.pairs.map((p, i) => {
    const pass = x.verdict(p);
    const cls = p.name === r.first_divergence ? 'fail first' : pass ? '' : 'fail';
    const shapes = shape(p.ref.shape) === shape(p.cand.shape) ? shape(p.ref.shape) : `${shape(p.ref.shape)} ← ${shape(p.cand.shape)}`;
    return `<tr class="${cls}"><td class="num">${i}</td><td class="mono">${escapeHtml(p.name)}${x.jumps.has(i) ? '<span class="tag">jump</span>' : ''}</td>`
      + `<td class="mono">${escapeHtml(shapes)}${p.transform && p.transform !== 'none' ? ` <span class="tag">${escapeHtml(p.transform)}</span>` : ''}</td>`
      + `<td>${escapeHtml(p.ref.dtype)}</td><td class="num">${fmt(p.max_abs, 3)}</td><td class="num">${fmt(p.mean_abs, 3)}</td>`
      + `<td class="num">${fmt(p.rel_l2, 3)}</td><td class="num">${p.cosine === null ? '—' : p.cosine.toFixed(6)}</td><td class="num">${pct(p.mismatch_ratio)}</td>`
      + `<td class="num">${fmt(p.atol)} / ${fmt(p.rtol)}</td><td class="${pass ? 'pass' : 'fail-t'}">${pass ? 'pass' : 'fail'}${p.reason ? ` — ${escapeHtml(p.reason)}` : ''}</td></tr>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(x.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(x.title)}</h1>
<p class="meta">reference ${escapeHtml(x.refLabel)} · candidate ${escapeHtml(x.candLabel)} · ${r.pairs.length} pairs · ${failing} failing${r.first_divergence ? ` · first divergence <b>${escapeHtml(r.first_divergence)}</b>` : ''}${r.unmatched_ref.length + r.unmatched_cand.length ? ` · unpaired: ${r.unmatched_ref.length} ref, ${r.unmatched_cand.length} cand` : ''}</p>
${x.growthPng.startsWith('data:image/png;base64,') ? `<img alt="rel L2 per layer (log scale)" src="${x.growthPng}">` : ''}
<table><thead><tr><th class="num">#</th><th>layer</th><th>shape</th><th>dtype</th><th class="num">max |Δ|</th><th class="num">mean |Δ|</th><th class="num">rel L2</th><th class="num">cosine</th><th class="num">mismatch</th><th class="num">atol / rtol</th><th>verdict</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
