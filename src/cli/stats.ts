// `mflux-port stats FILE [--tensor NAME]... [--json]`: streaming statistics per tensor.
import { TensorNotFound, openTensors, quote } from '../core/tensors';
import { tensorStats, type TensorStats } from '../core/tensors/stats';
import { isComplex } from '../core/tensors/dtypes';
import type { SubCommand } from './main';
import { UsageError, parseArgs } from './args';
import { columns, reportError, shapeText } from './inspect';
import { visible } from './visible';

const usage = `Usage: mflux-port stats FILE [--tensor NAME]... [--json]

Streams each tensor (or only the named ones) and prints min, max (over non-NaN values),
mean and std (population, over finite values, accumulated in float64), NaN and ±inf
counts and the first 10 values in row-major order. Complex tensors (C64, C128) are
summarised by their magnitudes |z| (as NumPy's np.abs): NaN counts elements with a NaN
part, inf those with an infinite part (and no NaN); the rows say "|z|" (JSON: "of": "abs").

  --tensor NAME   only this tensor (repeatable)
  --json          {"tensors": [{"name", "dtype", "shape", "min", "max", "mean", "std",
                  "nan", "inf", "first"}]}; non-finite numbers are written as the
                  strings "NaN", "Infinity", "-Infinity"; tensors whose dtype cannot be
                  decoded have null statistics and an "unsupported" reason
`;

type Num = number | string | null;

function jsonNumber(v: number | null): Num {
  if (v === null) return null;
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

export const statsCommand: SubCommand = {
  name: 'stats',
  summary: 'min, max, mean, std, NaN/inf counts and first values of tensors',
  usage,
  run: async (args) => {
    try {
      const { positionals, flags, values } = parseArgs(args, ['--json'], ['--tensor']);
      if (positionals.length !== 1) throw new UsageError('stats needs exactly one FILE');
      const src = await openTensors(positionals[0]);
      try {
        const wanted = values.get('--tensor');
        const infos = wanted ? wanted.map((n) => src.get(n) ?? missing(src.path, n)) : src.list();
        const rows: Record<string, unknown>[] = [];
        for (const t of infos) {
          const base = { name: t.name, dtype: t.dtype, shape: t.shape };
          if (!t.decodable) {
            if (wanted) await tensorStats(src, t.name); // throws the typed UnsupportedDtype
            rows.push({
              ...base,
              min: null,
              max: null,
              mean: null,
              std: null,
              nan: null,
              inf: null,
              first: [],
              unsupported: `${t.dtype} cannot be decoded to float`,
            });
            continue;
          }
          const s: TensorStats = await tensorStats(src, t.name);
          rows.push({
            ...base,
            ...(isComplex(t.dtype) ? { of: 'abs' } : {}),
            min: jsonNumber(s.min),
            max: jsonNumber(s.max),
            mean: jsonNumber(s.mean),
            std: jsonNumber(s.std),
            nan: s.nan,
            inf: s.inf,
            first: s.first.map((v) => jsonNumber(v)),
          });
        }
        if (flags.has('--json')) process.stdout.write(JSON.stringify({ tensors: rows }) + '\n');
        else process.stdout.write(human(src.path, rows));
      } finally {
        await src.close();
      }
      return 0;
    } catch (e) {
      return reportError(e, usage);
    }
  },
};

function missing(path: string, name: string): never {
  throw new TensorNotFound(path, `no tensor named ${quote(name)}`);
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : v.toPrecision(6);
  return String(v);
}

function human(path: string, rows: Record<string, unknown>[]): string {
  const table = [['name', 'dtype', 'shape', 'min', 'max', 'mean', 'std', 'nan', 'inf']];
  for (const r of rows) {
    table.push([
      visible(String(r.name)),
      r.of === 'abs' ? `${r.dtype} |z|` : String(r.dtype),
      shapeText(r.shape as number[]),
      ...['min', 'max', 'mean', 'std', 'nan', 'inf'].map((k) => fmt(r[k])),
    ]);
  }
  let out = `${visible(path)}\n` + columns(table, new Set([3, 4, 5, 6, 7, 8]));
  for (const r of rows) {
    const first = (r.first as Num[]).map((v) => fmt(v)).join(', ');
    if (first) out += `  ${visible(String(r.name))}: first ${first}\n`;
  }
  return out;
}
