// The probe's capture notes above the report: where a byte cap stopped a side's dumps ("capture
// stopped at 1.2 GB after blocks.3", so the pairs after it are missing, not passing) and the
// values it skipped, with the reason. Hidden when neither side has any.
import { clear, h } from '../../shared/dom';
import { describeCut, hasCaptureNews, type CaptureNotes } from '../../../src/protocol/captureNotes';
import type { ParityReport } from '../../../src/protocol/parityReport';

/** Skipped values listed per side before "… N more". */
const LISTED = 20;

export const notesBanner = h('section', {
  class: 'capture-notes',
  id: 'capture-notes',
  role: 'status',
  'aria-label': 'Capture notes',
});
notesBanner.hidden = true;

function sideNotes(label: string, id: string, n: CaptureNotes | undefined): HTMLElement[] {
  if (!n) return [];
  const out: HTMLElement[] = [];
  if (n.cut)
    out.push(
      h('p', {
        class: 'capture-cut',
        id: `capture-cut-${id}`,
        text: `${label}: ${describeCut(n.cut)}; ${n.cut.scope === 'capture' ? 'that capture' : 'the run'} went on without dumping the later checkpoints, so they are missing here, not passing.`,
      }),
    );
  if (n.skipped.length)
    out.push(
      h(
        'div',
        { class: 'capture-skipped', id: `capture-skipped-${id}` },
        h('p', {
          text: `${label}: ${n.skipped.length} value${n.skipped.length === 1 ? '' : 's'} the probe could not write (skipped, the run went on):`,
        }),
        h(
          'ul',
          {},
          ...n.skipped.slice(0, LISTED).map((s) => h('li', {}, h('span', { class: 'mono', text: s.name }), ` — ${s.reason}`)),
          ...(n.skipped.length > LISTED ? [h('li', { class: 'muted', text: `… ${n.skipped.length - LISTED} more` })] : []),
        ),
      ),
    );
  return out;
}

export function renderNotes(r: ParityReport): void {
  clear(notesBanner);
  notesBanner.hidden = !hasCaptureNews(r.capture);
  if (notesBanner.hidden) return;
  notesBanner.append(...sideNotes('Reference', 'ref', r.capture?.ref), ...sideNotes('Candidate', 'cand', r.capture?.cand));
}
