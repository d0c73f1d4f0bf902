// What the probe's manifest says besides tensor names, for the report and Go to Dump Site:
// read through the one manifest parser (core/capture/manifest.ts); the types and the wording
// of a cut are in core/capture/notes.ts.
import { readManifestFile, type Manifest } from '../capture/manifest';
import { MAX_SKIPPED, type CaptureCut, type CaptureNotes, type DumpSite, type SkippedValue } from '../capture/notes';

export { describeCut, type CaptureCut, type CaptureNotes, type DumpSite } from '../capture/notes';

/** The first cut, the skipped values (at most MAX_SKIPPED) and each tensor's first dump site. */
function captureNotesOf(m: Manifest): CaptureNotes {
  let cut: CaptureCut | null = null;
  const skipped: SkippedValue[] = [];
  const sites: Record<string, DumpSite> = {};
  for (const o of m.others) {
    const r = o.record;
    if (o.kind === 'cut' && cut === null) {
      cut = {
        after: typeof r.after === 'string' ? r.after : null,
        bytes: typeof r.bytes === 'number' ? r.bytes : 0,
        max_bytes: typeof r.max_bytes === 'number' ? r.max_bytes : null,
        origin: typeof r.origin === 'string' ? r.origin : 'MFLUX_PORT_MAX_BYTES',
        scope: r.scope === 'capture' ? 'capture' : 'run',
      };
    } else if (o.kind === 'skipped' && o.name !== undefined && skipped.length < MAX_SKIPPED) {
      skipped.push({ name: o.name, reason: typeof r.reason === 'string' ? r.reason : 'unknown reason' });
    }
  }
  for (const t of m.tensors) if (t.site && !(t.name in sites)) sites[t.name] = t.site;
  return { cut, skipped, sites };
}

/** The notes of a manifest.jsonl; none when it cannot be read (the names' reader reports that). */
export function readCaptureNotes(file: string): CaptureNotes {
  try {
    return captureNotesOf(readManifestFile(file));
  } catch {
    return { cut: null, skipped: [], sites: {} };
  }
}
