// The probe's manifest.jsonl: one JSON object a line, in capture order. The one parser of it;
// the folder reader, the pairing and the runner features all read it through here.
//
// Records (python/mflux_port_probe/_run.py writes them):
// - tensors (no "kind", or "kind": "tensor"): index, name, base, file, dtype, shape, step,
//   time, source, original_dtype, bytes, site {file, line}; only "name" is required here;
// - "kind": "skipped" (a value the probe could not write: name, reason) and "kind": "cut"
//   (a byte cap stopped the dumps: after, next, bytes, max_bytes): kept as other records;
// - any other kind from a newer probe is kept as an other record and never fails the read.
// A run killed mid-write leaves a torn last line: it is skipped; a bad line before it is an error.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BadIndex, HeaderTooLarge, humanBytes } from '../tensors/errors';

export const MANIFEST_NAME = 'manifest.jsonl';
/** Larger manifests are refused before they are read (a real run writes a few MB). */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface ManifestSite {
  readonly file: string;
  readonly line: number;
}

export interface ManifestTensor {
  /** 1-based line in the file. */
  readonly line: number;
  readonly name: string;
  readonly file?: string;
  readonly index?: number;
  readonly base?: string;
  readonly dtype?: string;
  readonly shape?: readonly number[];
  readonly step?: number | string | null;
  readonly bytes?: number;
  readonly site?: ManifestSite;
  /** The whole record, fields this reader does not know included. */
  readonly record: Readonly<Record<string, unknown>>;
}

export interface ManifestOther {
  readonly line: number;
  readonly kind: string;
  readonly name?: string;
  readonly record: Readonly<Record<string, unknown>>;
}

export interface Manifest {
  readonly path: string;
  /** Tensor records in capture order (repeated names kept; see `manifestNames`). */
  readonly tensors: readonly ManifestTensor[];
  /** Skipped / cut / unknown records in file order. */
  readonly others: readonly ManifestOther[];
  /** A partial last line (a killed run) was skipped. */
  readonly torn: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

function site(v: unknown): ManifestSite | undefined {
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) return undefined;
  const file = str(o.file);
  const line = int(o.line);
  return file !== undefined && line !== undefined ? { file, line } : undefined;
}

/** Parses manifest text; `path` is only used in messages. Throws BadIndex naming the line. */
export function parseManifest(text: string, path: string): Manifest {
  const tensors: ManifestTensor[] = [];
  const others: ManifestOther[] = [];
  let torn = false;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch {
      // only the very last piece, without its newline, can be a torn write
      if (i === lines.length - 1) {
        torn = true;
        return;
      }
      throw new BadIndex(path, `line ${i + 1} is not JSON`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new BadIndex(path, `line ${i + 1} is not a JSON object`);
    const record = o as Record<string, unknown>;
    const kind = record.kind === undefined ? 'tensor' : record.kind;
    if (typeof kind !== 'string') throw new BadIndex(path, `line ${i + 1} has a "kind" that is not a string`);
    if (kind !== 'tensor') {
      others.push({ line: i + 1, kind, name: str(record.name), record });
      return;
    }
    const name = str(record.name);
    if (name === undefined) throw new BadIndex(path, `line ${i + 1} has no string "name"`);
    if (record.file !== undefined && typeof record.file !== 'string')
      throw new BadIndex(path, `line ${i + 1} has a "file" that is not a string`);
    const shape =
      Array.isArray(record.shape) && record.shape.every((d) => Number.isInteger(d) && d >= 0) ? (record.shape as number[]) : undefined;
    const step = record.step;
    tensors.push({
      line: i + 1,
      name,
      file: str(record.file),
      index: int(record.index),
      base: str(record.base),
      dtype: str(record.dtype),
      shape,
      step: typeof step === 'number' || typeof step === 'string' || step === null ? step : undefined,
      bytes: int(record.bytes),
      site: site(record.site),
      record,
    });
  });
  return { path, tensors, others, torn };
}

/** Reads and parses a manifest file (size-capped). */
export function readManifestFile(path: string): Manifest {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new BadIndex(path, `cannot read the manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size > MAX_MANIFEST_BYTES)
    throw new HeaderTooLarge(path, `manifest is ${humanBytes(size)}, more than the ${humanBytes(MAX_MANIFEST_BYTES)} limit`);
  return parseManifest(readFileSync(path, 'utf8'), path);
}

/** Tensor names in capture order, each once (its first occurrence). */
export function manifestNames(m: Manifest): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of m.tensors) {
    if (seen.has(t.name)) continue;
    seen.add(t.name);
    out.push(t.name);
  }
  return out;
}

/** The manifest.jsonl next to a dump (inside a folder, or beside a file), if any. */
export function findManifest(path: string): string | undefined {
  try {
    const dir = statSync(path).isDirectory() ? path : dirname(path);
    const m = join(dir, MANIFEST_NAME);
    return statSync(m).isFile() ? m : undefined;
  } catch {
    return undefined;
  }
}
