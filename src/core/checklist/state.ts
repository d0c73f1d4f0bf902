// Checklist state of one port: a readable JSON file `<mfluxRepo>/.mflux-port/<model>.json`.
// Users commit it, edit it by hand and switch branches under it, so:
// - fields this version does not know (top level, per item, per evidence link) survive a
//   load/save round trip, and so do integers beyond 2^53, digit for digit;
// - bytes that are not UTF-8 make the file unusable rather than rewritten with U+FFFD;
// - a file that does not parse, or that a newer version wrote, is never overwritten: loading
//   returns a StateFileError naming the file and the reason, and saving over it is refused;
// - every change re-reads the file first under a lock file, so edits made elsewhere, also by
//   another process at the same moment, are not lost;
// - a `.mflux-port` that is a symlink out of the repo is neither read nor written.
// The parts: stateTypes.ts (types, paths, errors), stateJson.ts (the file's text), stateFiles.ts
// (reading and writing under a lock); this file holds the pure changes and exports them all.
import { isAbsolute, relative, sep } from 'node:path';
import { type CheckResult } from '../checks';
import { type Port } from './port';
import { type ItemStatus, type EvidenceLink, type ItemState, type PortState, itemState } from './stateTypes';

export * from './stateTypes';
export * from './stateJson';
export * from './stateFiles';

// ---------------------------------------------------------------- pure changes

export function setItemStatus(state: PortState, id: string, status: ItemStatus, now = new Date()): PortState {
  const cur = itemState(state, id);
  if (cur.status === status) return state;
  return withItem(state, id, { ...cur, status, changedAt: now.toISOString() });
}

export function setItemNote(state: PortState, id: string, note: string, now = new Date()): PortState {
  const cur = itemState(state, id);
  if (cur.note === note) return state;
  return withItem(state, id, { ...cur, note, changedAt: now.toISOString() });
}

/** Adds an evidence link unless the same kind+target+line is already there. */
export function addEvidence(state: PortState, id: string, link: EvidenceLink, now = new Date()): PortState {
  const cur = itemState(state, id);
  if (cur.evidence.some((e) => e.kind === link.kind && e.target === link.target && e.line === link.line)) return state;
  return withItem(state, id, { ...cur, evidence: [...cur.evidence, link], changedAt: now.toISOString() });
}

export function removeEvidence(state: PortState, id: string, index: number, now = new Date()): PortState {
  const cur = itemState(state, id);
  if (index < 0 || index >= cur.evidence.length) return state;
  return withItem(state, id, { ...cur, evidence: cur.evidence.filter((_, i) => i !== index), changedAt: now.toISOString() });
}

/**
 * Marks done every open item whose auto-check passes, recording the check's evidence (up to
 * three file:line links, repo-relative) so the state file says why. Skipped and done items are
 * left alone.
 */
export function checkOffVerified(
  state: PortState,
  checks: ReadonlyMap<string, CheckResult>,
  proving?: ReadonlySet<string>,
  now = new Date(),
): { state: PortState; changed: string[] } {
  let next = state;
  const changed: string[] = [];
  for (const [id, check] of checks) {
    if (proving && !proving.has(id)) continue;
    const cur = itemState(next, id).status;
    if (check.status !== 'pass' || (cur !== 'todo' && cur !== 'in_progress')) continue;
    next = setItemStatus(next, id, 'done', now);
    for (const e of check.evidence.slice(0, 3)) {
      const rel = relative(state.port.mfluxRepo, e.file);
      const target = rel.startsWith('..') || isAbsolute(rel) ? e.file : rel.split(sep).join('/');
      next = addEvidence(next, id, { kind: 'file', target, line: e.line }, now);
    }
    changed.push(id);
  }
  return { state: next, changed };
}

export function setPortFields(state: PortState, fields: Partial<Pick<Port, 'reference' | 'referenceRepo' | 'notes'>>): PortState {
  return { ...state, port: { ...state.port, ...fields } };
}

function withItem(state: PortState, id: string, item: ItemState): PortState {
  return { ...state, items: { ...state.items, [id]: item } };
}
