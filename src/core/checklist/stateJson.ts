// The state file's text: parsing (unknown fields and big integers kept, one-line errors naming
// the file) and serialising (known fields first in a fixed order). See state.ts for the rules.
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { hasPlaceholderText, isPlaceholder, protectBigIntegers, restoreBigIntegers } from './jsonText';
import { validateModelName } from './port';
import { isObject } from '../json';
import {
  SCHEMA_VERSION,
  type ItemStatus,
  ITEM_STATUSES,
  type EvidenceKind,
  type EvidenceLink,
  type ItemState,
  type PortState,
  StateFileError,
} from './stateTypes';

// ---------------------------------------------------------------- parsing

const EVIDENCE_KINDS: readonly EvidenceKind[] = ['file', 'report', 'commit', 'url'];

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
