// Checklist state of one port: its types, the file's place (`<mfluxRepo>/.mflux-port/<model>.json`)
// and the error a file that cannot be used gives. See state.ts for the rules the file follows.
import { join } from 'node:path';
import { type Port } from './port';

export const SCHEMA_VERSION = 1;
export const STATE_DIR = '.mflux-port';

export type ItemStatus = 'todo' | 'in_progress' | 'done' | 'skipped';
export const ITEM_STATUSES: readonly ItemStatus[] = ['todo', 'in_progress', 'done', 'skipped'];

export type EvidenceKind = 'file' | 'report' | 'commit' | 'url';

/** A link that supports an item: a file (repo-relative or absolute), a report, a commit sha, a URL. */
export interface EvidenceLink {
  readonly kind: EvidenceKind;
  readonly target: string;
  readonly line?: number;
  readonly label?: string;
  /** Fields this version does not know, kept as they were. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface ItemState {
  readonly status: ItemStatus;
  readonly note: string;
  /** ISO time of the last change. */
  readonly changedAt?: string;
  readonly evidence: readonly EvidenceLink[];
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface PortState {
  readonly schema: typeof SCHEMA_VERSION;
  readonly port: Port;
  readonly createdAt: string;
  /** By item id. Ids this version's workflow does not know are kept too. */
  readonly items: Readonly<Record<string, ItemState>>;
  /** `git rev-parse HEAD` of the mflux repo when the port was started (what the port's diff is against). */
  readonly baseCommit?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

const EMPTY_ITEM: ItemState = { status: 'todo', note: '', evidence: [] };

export type StateErrorKind = 'unreadable' | 'syntax' | 'invalid' | 'newer-schema';

/** A state file that cannot be used. `message` is one line: the file and the reason. */
export class StateFileError extends Error {
  constructor(
    readonly file: string,
    readonly kind: StateErrorKind,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'StateFileError';
  }
}

export function stateDir(mfluxRepo: string): string {
  return join(mfluxRepo, STATE_DIR);
}

export function stateFile(mfluxRepo: string, model: string): string {
  return join(stateDir(mfluxRepo), `${model}.json`);
}

export function newPortState(port: Port, now = new Date(), baseCommit?: string): PortState {
  return { schema: SCHEMA_VERSION, port, createdAt: now.toISOString(), items: {}, ...(baseCommit ? { baseCommit } : {}) };
}

export function itemState(state: PortState, id: string): ItemState {
  return state.items[id] ?? EMPTY_ITEM;
}
