// What the probe's manifest says besides tensor names: where a byte cap stopped the capture
// (`{"kind": "cut"}`), which values it skipped (`{"kind": "skipped"}`, with the reason), and the
// file:line that dumped each tensor (`site`), for the report and Go to Dump Site.
import { readFileSync } from 'node:fs';

export interface DumpSite {
  readonly file: string;
  readonly line: number;
}

export interface CaptureCut {
  /** The last dump written before the cap, or null when the cap was hit before any. */
  readonly after: string | null;
  readonly bytes: number;
  readonly max_bytes: number | null;
  /** MFLUX_PORT_MAX_BYTES, or capture(max_bytes=). */
  readonly origin: string;
  readonly scope: 'run' | 'capture';
}

export interface CaptureNotes {
  readonly cut: CaptureCut | null;
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly sites: Readonly<Record<string, DumpSite>>;
}

const MAX_SKIPPED = 200;

/** Reads a manifest.jsonl leniently (the names were validated by readManifest already). */
export function readCaptureNotes(file: string): CaptureNotes {
  let cut: CaptureCut | null = null;
  const skipped: { name: string; reason: string }[] = [];
  const sites: Record<string, DumpSite> = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!o || typeof o !== 'object') continue;
    const kind = typeof o.kind === 'string' ? o.kind : 'tensor';
    if (kind === 'cut' && cut === null) {
      cut = {
        after: typeof o.after === 'string' ? o.after : null,
        bytes: typeof o.bytes === 'number' ? o.bytes : 0,
        max_bytes: typeof o.max_bytes === 'number' ? o.max_bytes : null,
        origin: typeof o.origin === 'string' ? o.origin : 'MFLUX_PORT_MAX_BYTES',
        scope: o.scope === 'capture' ? 'capture' : 'run',
      };
    } else if (kind === 'skipped' && typeof o.name === 'string' && skipped.length < MAX_SKIPPED) {
      skipped.push({ name: o.name, reason: typeof o.reason === 'string' ? o.reason : 'unknown reason' });
    } else if (kind === 'tensor' && typeof o.name === 'string') {
      const s = o.site as Record<string, unknown> | undefined;
      if (s && typeof s.file === 'string' && Number.isInteger(s.line) && !(o.name in sites))
        sites[o.name] = { file: s.file, line: s.line as number };
    }
  }
  return { cut, skipped, sites };
}

/** Decimal units, as the probe prints them. */
export function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** "capture stopped at 1.2 GB after blocks.3" (the report's and the CLI's wording). */
export function describeCut(cut: CaptureCut): string {
  const where = cut.after ? `after ${cut.after}` : 'before the first dump';
  const cap = cut.max_bytes !== null ? ` (${cut.origin}=${humanBytes(cut.max_bytes)})` : '';
  return `capture stopped at ${humanBytes(cut.bytes)} ${where}${cap}`;
}
