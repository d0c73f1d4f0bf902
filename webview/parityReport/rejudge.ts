// Re-judging one layer under a new tolerance, from both sides' values: the same rule the
// engine and np.testing.assert_allclose use, |cand − ref| ≤ atol + rtol·|ref| with the
// reference as the expected value. Equal infinities match, and NaN matches NaN at the same
// position (equal_nan=True, assert_allclose's default, written out in the copied line).

export interface Rejudged {
  readonly mismatch: number;
  readonly ratio: number;
  readonly pass: boolean;
}

export function rejudge(ref: Float32Array, cand: Float32Array, atol: number, rtol: number): Rejudged {
  let bad = 0;
  const n = ref.length;
  for (let i = 0; i < n; i++) {
    const r = ref[i];
    const c = cand[i];
    const d = Math.abs(c - r);
    if (d <= atol + rtol * Math.abs(r)) continue;
    if (r === c) continue; // equal infinities
    if (r !== r && c !== c) continue; // NaN at the same position (equal_nan=True)
    bad++;
  }
  return { mismatch: bad, ratio: n ? bad / n : 0, pass: bad === 0 };
}

/**
 * The smallest atol that passes at this rtol: max over elements of |d| − rtol·|r|. Null when a
 * NaN facing a number, or an unmatched infinity, makes every tolerance fail.
 */
export function neededAtol(ref: Float32Array, cand: Float32Array, rtol: number): number | null {
  let need = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    const c = cand[i];
    if (r === c || (r !== r && c !== c)) continue;
    const d = Math.abs(c - r);
    if (!Number.isFinite(d)) return null;
    const excess = d - rtol * Math.abs(r);
    if (excess > need) need = excess;
  }
  return need;
}

/** Rounds up to two significant digits so the printed tolerance still passes. */
export function roundUp(x: number): number {
  if (x <= 0) return 0;
  const e = Math.floor(Math.log10(x)) - 1;
  const k = 10 ** e;
  const v = Math.ceil(x / k - 1e-9) * k;
  return Number(v.toPrecision(2)) >= x ? Number(v.toPrecision(2)) : Number((v + k).toPrecision(2));
}

/** A Python identifier derived from a tensor name (for the pytest snippet). */
export function pyName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
  return s || 'tensor';
}

export function pytestAssertion(name: string, atol: number, rtol: number): string {
  const v = pyName(name);
  return [
    `# ${name}: tolerance that passes on the current dumps`,
    `np.testing.assert_allclose(mlx_${v}, ref_${v}, rtol=${fmtPy(rtol)}, atol=${fmtPy(atol)}, equal_nan=True)`,
  ].join('\n');
}

function fmtPy(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4 ? x.toExponential().replace('e+', 'e') : String(x);
}

/** Steps of ≥10× in rel_l2 to a value above the pair's rtol (same rule as the engine). */
export function findJumps(values: readonly (number | null)[], rtols: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    const p = values[i - 1];
    if (v === null || !Number.isFinite(v)) continue;
    const prev = Math.max(p ?? 0, 1e-12);
    if (v / prev >= 10 && v > rtols[i]) out.push(i);
  }
  return out;
}
