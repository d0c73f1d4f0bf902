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
import { lstat, mkdir, readFile, readdir, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TEMP_SUFFIX, writeFileAtomic } from './atomicWrite';
import { isDead, withFileLock } from './fileLock';
import { decodeUtf8, hasPlaceholderText, isPlaceholder, protectBigIntegers, restoreBigIntegers } from './jsonText';
import type { CheckResult } from '../checks';
import { Port, validateModelName } from './port';
import { isObject } from '../json';

export const SCHEMA_VERSION = 1;
export const STATE_DIR = '.mflux-port';

export type ItemStatus = 'todo' | 'in_progress' | 'done' | 'skipped';
export const ITEM_STATUSES: readonly ItemStatus[] = ['todo', 'in_progress', 'done', 'skipped'];

export type EvidenceKind = 'file' | 'report' | 'commit' | 'url';
const EVIDENCE_KINDS: readonly EvidenceKind[] = ['file', 'report', 'commit', 'url'];

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

export const EMPTY_ITEM: ItemState = { status: 'todo', note: '', evidence: [] };

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

// ---------------------------------------------------------------- parsing

type Json = Record<string, unknown>;

function splitKnown(obj: Json, known: readonly string[]): Json | undefined {
  const extra: Json = {};
  let any = false;
  for (const [k, v] of Object.entries(obj)) {
    if (!known.includes(k)) {
      extra[k] = v;
      any = true;
    }
  }
  return any ? extra : undefined;
}

/** "Unexpected token } in JSON at position 57" → "line 4, column 3: Unexpected token }". */
function describeSyntaxError(text: string, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /at position (\d+)/.exec(msg);
  if (!m) return `not valid JSON: ${msg}`;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  const what = msg.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
  return `not valid JSON at line ${line}, column ${col}: ${what}`;
}

const TOP_KNOWN = ['schema', 'model', 'reference', 'referenceRepo', 'notes', 'createdAt', 'items', 'baseCommit'] as const;
const ITEM_KNOWN = ['status', 'note', 'changedAt', 'evidence'] as const;
const EVIDENCE_KNOWN = ['kind', 'target', 'line', 'label'] as const;

/**
 * Parses the text of a state file. `file` is its absolute path: the mflux repo is the
 * folder that holds `.mflux-port/`, and the model must match the file name.
 */
export function parseState(text: string, file: string): PortState {
  const invalid = (reason: string) => new StateFileError(file, 'invalid', reason);
  let raw: unknown;
  const body = text.replace(/^\uFEFF/, '');
  if (hasPlaceholderText(body))
    throw invalid('holds the text "\\u0000mfp-int:", which this version uses internally; remove it to use the file');
  try {
    raw = JSON.parse(protectBigIntegers(body) ?? body);
  } catch (e) {
    throw new StateFileError(file, 'syntax', describeSyntaxError(text, e));
  }
  if (!isObject(raw)) throw invalid('expected a JSON object at the top level');
  const schema = raw.schema;
  if (schema === undefined) throw invalid('has no "schema" field; a checklist state file starts with "schema": 1');
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1)
    throw invalid(`"schema" is ${JSON.stringify(schema)}; expected a positive integer`);
  if (schema > SCHEMA_VERSION) {
    throw new StateFileError(
      file,
      'newer-schema',
      `written by a newer mflux Port Studio (schema ${schema}; this version reads schema ${SCHEMA_VERSION}); update the extension to use it`,
    );
  }
  const model = raw.model;
  if (typeof model !== 'string') throw invalid('"model" must be a string');
  const problem = validateModelName(model);
  if (problem) throw invalid(`"model" is "${model}": ${problem}`);
  const stem = basename(file).replace(/\.json$/i, '');
  if (stem !== model) throw invalid(`"model" is "${model}" but the file is named ${basename(file)}; rename one so they agree`);
  const str = (key: string, fallback = ''): string => {
    const v = raw[key as keyof typeof raw];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || isPlaceholder(v)) throw invalid(`"${key}" must be a string`);
    return v;
  };
  const mfluxRepo = resolve(file, '..', '..');
  const refRel = str('referenceRepo');
  const itemsRaw = raw.items ?? {};
  if (!isObject(itemsRaw)) throw invalid('"items" must be an object keyed by item id');
  const items: Record<string, ItemState> = {};
  for (const [id, v] of Object.entries(itemsRaw)) items[id] = parseItem(id, v, invalid);
  const baseCommit = str('baseCommit');
  if (baseCommit && !/^[0-9a-f]{7,64}$/i.test(baseCommit)) throw invalid(`"baseCommit" is "${baseCommit}"; expected a git commit id`);
  return {
    schema: SCHEMA_VERSION,
    port: {
      model,
      mfluxRepo,
      referenceRepo: refRel ? resolve(mfluxRepo, refRel) : undefined,
      reference: str('reference'),
      notes: str('notes'),
    },
    createdAt: str('createdAt'),
    items,
    ...(baseCommit ? { baseCommit } : {}),
    extra: splitKnown(raw, TOP_KNOWN),
  };
}

function parseItem(id: string, v: unknown, invalid: (r: string) => StateFileError): ItemState {
  const at = `items["${id}"]`;
  if (!isObject(v)) throw invalid(`${at} must be an object`);
  const status = v.status ?? 'todo';
  if (typeof status !== 'string' || !ITEM_STATUSES.includes(status as ItemStatus)) {
    throw invalid(`${at}.status is ${JSON.stringify(status)}; expected one of ${ITEM_STATUSES.join(', ')}`);
  }
  const note = v.note ?? '';
  if (typeof note !== 'string' || isPlaceholder(note)) throw invalid(`${at}.note must be a string`);
  const changedAt = v.changedAt;
  if (changedAt !== undefined && (typeof changedAt !== 'string' || isPlaceholder(changedAt)))
    throw invalid(`${at}.changedAt must be an ISO date string`);
  const evRaw = v.evidence ?? [];
  if (!Array.isArray(evRaw)) throw invalid(`${at}.evidence must be a list`);
  const evidence = evRaw.map((e, i): EvidenceLink => {
    const where = `${at}.evidence[${i}]`;
    if (!isObject(e)) throw invalid(`${where} must be an object with "kind" and "target"`);
    if (typeof e.kind !== 'string' || !EVIDENCE_KINDS.includes(e.kind as EvidenceKind)) {
      throw invalid(`${where}.kind is ${JSON.stringify(e.kind)}; expected one of ${EVIDENCE_KINDS.join(', ')}`);
    }
    if (typeof e.target !== 'string' || e.target === '' || isPlaceholder(e.target))
      throw invalid(`${where}.target must be a non-empty string`);
    if (e.line !== undefined && (typeof e.line !== 'number' || !Number.isInteger(e.line) || e.line < 1))
      throw invalid(`${where}.line must be a positive integer`);
    if (e.label !== undefined && (typeof e.label !== 'string' || isPlaceholder(e.label))) throw invalid(`${where}.label must be a string`);
    return {
      kind: e.kind as EvidenceKind,
      target: e.target,
      line: e.line as number | undefined,
      label: e.label as string | undefined,
      extra: splitKnown(e, EVIDENCE_KNOWN),
    };
  });
  return { status: status as ItemStatus, note, changedAt: changedAt as string | undefined, evidence, extra: splitKnown(v, ITEM_KNOWN) };
}

// ---------------------------------------------------------------- serialising

/** Repo-relative with forward slashes when the reference sits beside or inside the mflux repo; absolute otherwise. */
function portablePath(from: string, to: string): string {
  const rel = relative(from, to);
  if (rel === '') return '.';
  if (isAbsolute(rel)) return to; // another drive on Windows
  return rel.split(sep).join('/');
}

function isDefaultItem(s: ItemState): boolean {
  return s.status === 'todo' && s.note === '' && s.evidence.length === 0 && !s.changedAt && !s.extra;
}

/** The file text: known fields first in a fixed order, then unknown ones; untouched items are left out. */
export function serializeState(state: PortState): string {
  const { port } = state;
  const items: Json = {};
  for (const [id, s] of Object.entries(state.items)) {
    if (isDefaultItem(s)) continue;
    const out: Json = { status: s.status };
    if (s.note) out.note = s.note;
    if (s.changedAt) out.changedAt = s.changedAt;
    if (s.evidence.length) {
      out.evidence = s.evidence.map((e) => {
        const ev: Json = { kind: e.kind, target: e.target };
        if (e.line !== undefined) ev.line = e.line;
        if (e.label !== undefined) ev.label = e.label;
        return { ...ev, ...withoutKeys(e.extra, EVIDENCE_KNOWN) };
      });
    }
    items[id] = { ...out, ...withoutKeys(s.extra, ITEM_KNOWN) };
  }
  const top: Json = {
    schema: SCHEMA_VERSION,
    model: port.model,
    reference: port.reference,
    referenceRepo: port.referenceRepo ? portablePath(port.mfluxRepo, port.referenceRepo) : '',
    notes: port.notes,
    createdAt: state.createdAt,
    ...(state.baseCommit ? { baseCommit: state.baseCommit } : {}),
    items,
    ...withoutKeys(state.extra, TOP_KNOWN),
  };
  return restoreBigIntegers(JSON.stringify(top, null, 2)) + '\n';
}

function withoutKeys(extra: Readonly<Json> | undefined, known: readonly string[]): Json {
  const out: Json = {};
  if (extra) for (const [k, v] of Object.entries(extra)) if (!known.includes(k)) out[k] = v;
  return out;
}

// ---------------------------------------------------------------- files

export type LoadResult =
  | { readonly ok: true; readonly file: string; readonly state: PortState }
  | { readonly ok: false; readonly file: string; readonly error: StateFileError };

/** Reads and parses one state file; never throws for a bad file, returns the error instead. */
export async function loadStateFile(file: string): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : `cannot be read (${code ?? String(e)})`;
    return { ok: false, file, error: new StateFileError(file, 'unreadable', reason) };
  }
  const decoded = decodeUtf8(bytes);
  if ('error' in decoded) return { ok: false, file, error: new StateFileError(file, 'invalid', decoded.error) };
  try {
    return { ok: true, file, state: parseState(decoded.text, file) };
  } catch (e) {
    if (e instanceof StateFileError) return { ok: false, file, error: e };
    throw e;
  }
}

/** Every `*.json` under `<mfluxRepo>/.mflux-port/`, sorted by file name. No folder → no ports. */
export async function loadPorts(mfluxRepo: string): Promise<LoadResult[]> {
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) return [{ ok: false, file: stateDir(mfluxRepo), error: outside }];
  let names: string[];
  try {
    names = await readdir(stateDir(mfluxRepo));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
  const files = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  return Promise.all(files.map((n) => loadStateFile(join(stateDir(mfluxRepo), n))));
}

/**
 * Fails (with the StateFileError) if a file exists at `file` that this version must not
 * overwrite: unparsable, invalid, or from a newer schema.
 */
async function assertOverwritable(file: string): Promise<void> {
  const existing = await loadStateFile(file);
  if (existing.ok) return;
  if (existing.error.kind === 'unreadable' && existing.error.reason === 'the file does not exist') return;
  throw new StateFileError(file, existing.error.kind, `${existing.error.reason} — left untouched`);
}

const IGNORE_TEXT = '# Temp files of interrupted writes; the *.json files are the checklist state.\n*' + TEMP_SUFFIX + '\n';

/** An error when `.mflux-port` is a symlink that leads out of the repo (it is then not followed). */
async function stateDirOutsideRepo(mfluxRepo: string): Promise<StateFileError | undefined> {
  const dir = stateDir(mfluxRepo);
  try {
    if (!(await lstat(dir)).isSymbolicLink()) return undefined;
  } catch {
    return undefined; // does not exist yet
  }
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    return new StateFileError(dir, 'unreadable', `${STATE_DIR} is a symlink that leads nowhere; not followed`);
  }
  const rel = relative(await realpath(mfluxRepo), real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    return new StateFileError(dir, 'unreadable', `${STATE_DIR} is a symlink to ${real}, outside the repo; not followed`);
  return undefined;
}

/** Creates `.mflux-port/` with a .gitignore for temp files, the first time. */
async function ensureStateDir(mfluxRepo: string): Promise<void> {
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) throw outside;
  const dir = stateDir(mfluxRepo);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, '.gitignore'), IGNORE_TEXT, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

/** Removes temp files older than `maxAgeMs` that a killed writer left behind. */
export async function removeStaleTemps(mfluxRepo: string, maxAgeMs = 10 * 60_000, now = Date.now()): Promise<string[]> {
  const dir = stateDir(mfluxRepo);
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith('.') || !n.endsWith(TEMP_SUFFIX)) continue;
    const p = join(dir, n);
    try {
      if (now - (await stat(p)).mtimeMs > maxAgeMs) {
        await unlink(p);
        removed.push(p);
      }
    } catch {
      // raced with another cleaner
    }
  }
  return removed;
}

/** Removes the temp files of `file` whose writer (pid in the name, this host) is gone. */
async function removeDeadTemps(file: string): Promise<void> {
  const dir = resolve(file, '..');
  const prefix = `.${basename(file)}.`;
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^(\d+)\.[0-9a-f]+$/.exec(n.slice(prefix.length, -TEMP_SUFFIX.length)) : null;
    if (m && n.endsWith(TEMP_SUFFIX) && isDead(Number(m[1]), hostname())) await unlink(join(dir, n)).catch(() => undefined);
  }
}

/**
 * Serialises writes per file: within this process by a queue (two quick clicks never
 * interleave), across processes by a lock file (two windows ticking the same checklist).
 */
const queues = new Map<string, Promise<unknown>>();
function serialised<T>(file: string, work: () => Promise<T>): Promise<T> {
  const job = () =>
    withFileLock(file, async () => {
      await removeDeadTemps(file);
      return work();
    });
  const prev = queues.get(file) ?? Promise.resolve();
  const next = prev.then(job, job);
  const tail = next.catch(() => undefined);
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return next;
}

/** Creates the state file of a new port. Refuses when the port already has one. */
export async function createPort(port: Port, now = new Date(), baseCommit?: string): Promise<PortState> {
  const file = stateFile(port.mfluxRepo, port.model);
  await ensureStateDir(port.mfluxRepo); // the lock file lives in it
  return serialised(file, async () => {
    const existing = await loadStateFile(file);
    if (existing.ok) throw new StateFileError(file, 'invalid', `a port named "${port.model}" already exists`);
    await assertOverwritable(file);
    const state = newPortState(port, now, baseCommit);
    await writeFileAtomic(file, serializeState(state));
    return state;
  });
}

/**
 * Reads the current file, applies `change`, writes the result atomically. Re-reading first
 * keeps outside edits; a broken or newer file makes this throw without writing.
 */
export async function updatePort(mfluxRepo: string, model: string, change: (s: PortState) => PortState): Promise<PortState> {
  const file = stateFile(mfluxRepo, model);
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) throw outside;
  return serialised(file, async () => {
    const loaded = await loadStateFile(file);
    if (!loaded.ok) throw new StateFileError(file, loaded.error.kind, `${loaded.error.reason} — left untouched`);
    const next = change(loaded.state);
    await writeFileAtomic(file, serializeState(next));
    return next;
  });
}

/** Writes a whole state (e.g. a restored backup); same refusal rules as updatePort. */
export async function savePort(state: PortState): Promise<void> {
  const file = stateFile(state.port.mfluxRepo, state.port.model);
  await ensureStateDir(state.port.mfluxRepo);
  await serialised(file, async () => {
    await assertOverwritable(file);
    await writeFileAtomic(file, serializeState(state));
  });
}

/** Deletes a port's state file. A missing file is not an error. */
export async function removePort(mfluxRepo: string, model: string): Promise<void> {
  const file = stateFile(mfluxRepo, model);
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) throw outside;
  try {
    await stat(stateDir(mfluxRepo));
  } catch {
    return; // no folder, no file
  }
  await serialised(file, () =>
    unlink(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    }),
  );
}

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
