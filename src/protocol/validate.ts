// Small shape checks shared by the message validators of every panel. Messages cross a
// trust boundary (webview <-> extension host), so each field is checked before use.
import { isObject } from './envelope';

export { isObject };

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A number or null (JSON has no NaN/Infinity, so non-finite metrics travel as null). */
export function isNumberOrNull(v: unknown): v is number | null {
  return v === null || isFiniteNumber(v);
}

export function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

export function isString(v: unknown, maxLength = 4096): v is string {
  return typeof v === 'string' && v.length <= maxLength;
}

export function isStringArray(v: unknown, maxItems = 1_000_000): v is string[] {
  return Array.isArray(v) && v.length <= maxItems && v.every((s) => typeof s === 'string');
}

export function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.length <= 16 && v.every(isNonNegInt);
}

/** Optional request id used to correlate replies. */
export function hasValidRequestId(m: Record<string, unknown>): boolean {
  return m.requestId === undefined || isNonNegInt(m.requestId);
}

type Payload = Record<string, unknown>;

/**
 * One check per message kind, given the payload (and the whole message, for its requestId).
 * A kind with no check is not a message of the panel.
 */
export type PayloadChecks = Readonly<Record<string, (payload: Payload, message: Payload) => boolean>>;

/**
 * The one envelope check of every panel's validators: a plain object with an object payload,
 * a known kind whose check passes, and (`requestIds`, for webview -> host) a valid requestId.
 */
export function isMessageOf(m: unknown, checks: PayloadChecks, requestIds: boolean): boolean {
  if (!isObject(m) || !isObject(m.payload) || (requestIds && !hasValidRequestId(m))) return false;
  const check = typeof m.kind === 'string' && Object.hasOwn(checks, m.kind) ? checks[m.kind] : undefined;
  return check !== undefined && check(m.payload, m);
}

/** The payload of `ready`: nothing. */
export const isEmptyPayload = (p: Payload): boolean => Object.keys(p).length === 0;

/** The payload of `error`: a message. */
export const isErrorPayload = (p: Payload): boolean => isString(p.message);

/** Golden-rule tolerances: non-negative finite numbers. */
export interface RuleParams {
  readonly rtol: number;
  readonly atol: number;
  readonly threshold: number;
}

export function isRuleParams(v: unknown): v is RuleParams {
  return isObject(v) && [v.rtol, v.atol, v.threshold].every((n) => isFiniteNumber(n) && n >= 0);
}

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export function isTolerance(v: unknown): v is Tolerance {
  return isObject(v) && isFiniteNumber(v.atol) && v.atol >= 0 && isFiniteNumber(v.rtol) && v.rtol >= 0;
}
