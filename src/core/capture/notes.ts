// The probe's capture notes: where a byte cap stopped the dumps (`{"kind": "cut"}`), which
// values it skipped (`{"kind": "skipped"}`, with the reason), and the file:line that dumped each
// tensor. Types and wording only, no imports: core's reader (compare/captureNotes.ts), the
// panel protocol (src/protocol/captureNotes.ts) and the webview share this one definition.

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

export interface SkippedValue {
  readonly name: string;
  readonly reason: string;
}

export interface CaptureNotes {
  readonly cut: CaptureCut | null;
  readonly skipped: readonly SkippedValue[];
  readonly sites: Readonly<Record<string, DumpSite>>;
}

/** At most this many skipped values are kept (and travel to the panel). */
export const MAX_SKIPPED = 200;

/** Decimal units, as the probe prints them ("1.2 GB"). */
function probeBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** "capture stopped at 1.2 GB after blocks.3" (the report's, the panel's and the CLI's wording). */
export function describeCut(cut: CaptureCut): string {
  const where = cut.after ? `after ${cut.after}` : 'before the first dump';
  const cap = cut.max_bytes !== null ? ` (${cut.origin}=${probeBytes(cut.max_bytes)})` : '';
  return `capture stopped at ${probeBytes(cut.bytes)} ${where}${cap}`;
}
