// The probe's capture notes as they travel in a report (`report.capture.{ref,cand}`, the shape
// of src/core/compare/captureNotes.ts): where a byte cap stopped the dumps and which values
// were skipped, their validator, and the panel's wording of a cut (the same sentence as core's
// describeCut; test/unit/panels/captureNotes.test.ts holds the two together).
import { isFiniteNumber, isObject, isString } from './validate';

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

/** At most this many skipped values travel (the manifest reader keeps no more). */
export const MAX_SKIPPED = 200;

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

function isCut(v: unknown): v is CaptureCut {
  return (
    isObject(v) &&
    (v.after === null || isString(v.after)) &&
    isFiniteNumber(v.bytes) &&
    v.bytes >= 0 &&
    (v.max_bytes === null || (isFiniteNumber(v.max_bytes) && v.max_bytes >= 0)) &&
    isString(v.origin, 256) &&
    (v.scope === 'run' || v.scope === 'capture')
  );
}

function isSites(v: unknown): boolean {
  if (!isObject(v)) return false;
  return Object.values(v).every((s) => isObject(s) && isString(s.file) && Number.isInteger(s.line));
}

export function isCaptureNotes(v: unknown): v is CaptureNotes {
  return (
    isObject(v) &&
    (v.cut === null || isCut(v.cut)) &&
    Array.isArray(v.skipped) &&
    v.skipped.length <= MAX_SKIPPED &&
    v.skipped.every((s) => isObject(s) && isString(s.name) && isString(s.reason)) &&
    (v.sites === undefined || isSites(v.sites))
  );
}

/** `report.capture`: absent, or the notes of either side. */
export function isReportCapture(v: unknown): boolean {
  if (v === undefined) return true;
  return isObject(v) && (v.ref === undefined || isCaptureNotes(v.ref)) && (v.cand === undefined || isCaptureNotes(v.cand));
}

/** Whether there is anything to tell the user (a cut, or a skipped value, on either side). */
export function hasCaptureNews(c: { ref?: CaptureNotes; cand?: CaptureNotes } | undefined): boolean {
  return !!c && [c.ref, c.cand].some((n) => n && (n.cut !== null || n.skipped.length > 0));
}
