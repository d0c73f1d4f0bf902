// The probe's capture notes as they travel in a report (`report.capture.{ref,cand}`; the types
// and the wording of a cut are core's, src/core/capture/notes.ts): their validator.
import { isFiniteNumber, isObject, isString } from './validate';
import { MAX_SKIPPED, type CaptureCut, type CaptureNotes } from '../core/capture/notes';

export { describeCut, MAX_SKIPPED, type CaptureCut, type CaptureNotes, type DumpSite, type SkippedValue } from '../core/capture/notes';

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
