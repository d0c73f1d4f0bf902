// `mflux-port inspect PATH... [--json]`: what tensors a file or folder holds, from headers only.
import { openTensors, TensorFileError, humanBytes, type TensorInfo } from '../core/tensors';
import type { SubCommand } from './main';
import { UsageError, parseArgs } from './args';
import { visible } from './visible';

const usage = `Usage: mflux-port inspect PATH... [--json]

Lists the tensors in safetensors, .npy, .npz, torch.save / pytorch_model.bin files,
sharded *.index.json checkpoints and folders (capture dumps, Hugging Face snapshots).
Reads headers only.

  --json   one JSON object on stdout:
           {"tensors": [{"name", "dtype", "shape", "file"}]}
`;

export const inspectCommand: SubCommand = {
  name: 'inspect',
  summary: 'list the tensors in files or folders (names, dtypes, shapes, sizes)',
  usage,
  run: async (args) => {
    try {
      const { positionals, flags } = parseArgs(args, ['--json'], []);
      if (positionals.length === 0) throw new UsageError('inspect needs at least one PATH');
      const groups: { path: string; tensors: readonly TensorInfo[] }[] = [];
      for (const p of positionals) {
        const src = await openTensors(p);
        groups.push({ path: src.path, tensors: src.list() });
        await src.close();
      }
      if (flags.has('--json')) {
        const tensors = groups.flatMap((g) => g.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: t.file })));
        process.stdout.write(JSON.stringify({ tensors }) + '\n');
      } else {
        process.stdout.write(groups.map((g) => table(g.path, g.tensors)).join('\n'));
      }
      return 0;
    } catch (e) {
      return reportError(e, usage);
    }
  },
};

/** One line on stderr, exit 2; usage errors also point at --help. Control characters in the message are escaped. */
export function reportError(e: unknown, _usage: string): number {
  if (e instanceof UsageError) process.stderr.write(`error: ${visible(e.message)} (see --help)\n`);
  else if (e instanceof TensorFileError) process.stderr.write(`error: ${visible(e.message)}\n`);
  else process.stderr.write(`error: ${visible(e instanceof Error ? e.message.split('\n')[0] : String(e))}\n`);
  return 2;
}

function formatCount(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [v, u] of units) if (n >= v) return `${Number((n / v).toPrecision(3))}${u}`;
  return String(n);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function columns(rows: string[][], right: Set<number> = new Set()): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return (
    rows
      .map(
        (r) =>
          '  ' +
          r
            .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
            .join('  ')
            .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function table(path: string, tensors: readonly TensorInfo[]): string {
  const totalBytes = tensors.reduce((a, t) => a + t.byteLength, 0);
  const totalParams = tensors.reduce((a, t) => a + t.numel, 0);
  let out = `${visible(path)}\n  ${tensors.length} tensor${tensors.length === 1 ? '' : 's'}, ${formatCount(totalParams)} parameters, ${humanBytes(totalBytes)}\n\n`;
  if (tensors.length === 0) return out;
  const rows = [
    ['name', 'dtype', 'shape', 'size'],
    ...tensors.map((t) => [visible(t.name), t.dtype, shapeText(t.shape), humanBytes(t.byteLength)]),
  ];
  out += columns(rows, new Set([3]));
  const prefixes = new Map<string, { params: number; bytes: number; count: number }>();
  for (const t of tensors) {
    const prefix = t.name.split(/[./:]/)[0] || t.name;
    const p = prefixes.get(prefix) ?? { params: 0, bytes: 0, count: 0 };
    p.params += t.numel;
    p.bytes += t.byteLength;
    p.count++;
    prefixes.set(prefix, p);
  }
  const params = (n: number) => (n >= 1000 ? `${n.toLocaleString('en-US')} (${formatCount(n)})` : String(n));
  const prow = [
    ['prefix', 'tensors', 'parameters', 'size'],
    ...[...prefixes].map(([k, p]) => [visible(k), String(p.count), params(p.params), humanBytes(p.bytes)]),
  ];
  prow.push(['total', String(tensors.length), params(totalParams), humanBytes(totalBytes)]);
  out += '\nParameters by top-level prefix:\n' + columns(prow, new Set([1, 2, 3]));
  return out;
}
