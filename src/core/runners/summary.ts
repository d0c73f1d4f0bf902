// One sentence about a comparison, for the notification shown when the parity report panel is
// not available: how many checkpoints pass, and where the two sides first diverge.
import type { ReportJson } from '../compare/types';

const fmt = (x: number | null) =>
  x === null ? 'n/a' : x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2);

export function reportSummary(r: ReportJson): string {
  const n = r.pairs.length;
  const passed = r.pairs.filter((p) => p.pass).length;
  const parts = [`${passed} of ${n} checkpoint${n === 1 ? '' : 's'} within tolerance`];
  if (r.first_divergence !== null) {
    const p = r.pairs.find((q) => q.name === r.first_divergence);
    const why = p?.reason ?? (p ? `max |diff| ${fmt(p.max_abs)}, atol ${fmt(p.atol)}, rtol ${fmt(p.rtol)}` : '');
    parts.push(`first divergence at ${r.first_divergence}${why ? ` (${why})` : ''}`);
  }
  const only = [
    r.unmatched_ref.length ? `${r.unmatched_ref.length} only in the reference` : '',
    r.unmatched_cand.length ? `${r.unmatched_cand.length} only in the candidate` : '',
  ].filter(Boolean);
  if (only.length) parts.push(only.join(', '));
  return parts.join('; ') + '.';
}
