// Messages of the read-only tensor file viewer (custom editor). The host lists tensors from
// headers only; stats and previews are requested one tensor at a time, by a name it listed.
import type { ReplyOf, ReplyValidators, RequestMessage } from './envelope';
import type { TensorStats as CoreStats } from '../core/tensors/types';
import {
  isEmptyPayload,
  isFiniteNumber,
  isMessageOf,
  isNonNegInt,
  isNumberOrNull,
  isObject,
  isShape,
  isString,
  type PayloadChecks,
} from './validate';

export interface TensorEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly numel: number;
  readonly byteLength: number;
  readonly decodable: boolean;
}

/** A tensor's stats (core/tensors/stats.ts) as sent to the webview: non-finite numbers as null. */
export type TensorStats = Omit<CoreStats, 'first' | 'finite'> & { readonly name: string; readonly first: readonly (number | null)[] };

export interface TensorPreview {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Signed values (the largest magnitude of each pooled block), row-major. */
  readonly values: Float32Array;
  readonly note: string | null;
}

export type TensorViewerHostMessage =
  | {
      readonly kind: 'init';
      readonly payload: {
        readonly fileName: string;
        readonly format: string;
        readonly fileSize: number;
        readonly tensors: readonly TensorEntry[];
        readonly error: string | null;
      };
    }
  | ReplyOf<TensorViewerRequests>;

/** The viewer's requests, name → [args, reply]: stats and preview of one listed tensor. */
export type TensorViewerRequests = {
  readonly requestStats: readonly [{ readonly name: string }, TensorStats];
  readonly requestPreview: readonly [{ readonly name: string }, TensorPreview];
};

export type TensorViewerWebviewMessage =
  { readonly kind: 'ready'; readonly payload: Record<string, never> } | RequestMessage<TensorViewerRequests>;

function isEntry(v: unknown): v is TensorEntry {
  return (
    isObject(v) &&
    isString(v.name) &&
    isString(v.dtype, 64) &&
    isShape(v.shape) &&
    isNonNegInt(v.numel) &&
    isNonNegInt(v.byteLength) &&
    typeof v.decodable === 'boolean'
  );
}

function isTensorStats(v: unknown): v is TensorStats {
  return (
    isObject(v) &&
    isString(v.name) &&
    isNumberOrNull(v.min) &&
    isNumberOrNull(v.max) &&
    isNumberOrNull(v.mean) &&
    isNumberOrNull(v.std) &&
    isNonNegInt(v.nan) &&
    isNonNegInt(v.inf) &&
    Array.isArray(v.first) &&
    v.first.length <= 64 &&
    v.first.every((x) => x === null || typeof x === 'number')
  );
}

function isTensorPreview(v: unknown): v is TensorPreview {
  return (
    isObject(v) &&
    isString(v.name) &&
    isNonNegInt(v.width) &&
    isNonNegInt(v.height) &&
    v.values instanceof Float32Array &&
    v.values.length === (v.width as number) * (v.height as number) &&
    (v.note === null || isString(v.note))
  );
}

/** What each request's ok reply must hold (the webview checks the reply to its own request). */
export const TENSOR_VIEWER_REPLIES: ReplyValidators<TensorViewerRequests> = {
  requestStats: isTensorStats,
  requestPreview: isTensorPreview,
};

export function isTensorViewerHostMessage(m: unknown): m is TensorViewerHostMessage {
  if (!isObject(m)) return false;
  if (m.kind === 'reply') {
    return (
      isNonNegInt(m.inReplyTo) &&
      typeof m.ok === 'boolean' &&
      (m.ok ? isTensorStats(m.payload) || isTensorPreview(m.payload) : isString(m.error))
    );
  }
  if (m.kind !== 'init' || !isObject(m.payload)) return false;
  const p = m.payload;
  return (
    isString(p.fileName) &&
    isString(p.format, 64) &&
    isFiniteNumber(p.fileSize) &&
    Array.isArray(p.tensors) &&
    p.tensors.every(isEntry) &&
    (p.error === null || isString(p.error))
  );
}

/** A request about one tensor: by name, with the id its reply answers. */
const isTensorRequest = (p: Record<string, unknown>, m: Record<string, unknown>) => isNonNegInt(m.requestId) && isString(p.name);

const WEBVIEW_CHECKS: PayloadChecks = {
  ready: isEmptyPayload,
  requestStats: isTensorRequest,
  requestPreview: isTensorRequest,
};

export function isTensorViewerWebviewMessage(m: unknown): m is TensorViewerWebviewMessage {
  return isMessageOf(m, WEBVIEW_CHECKS, true);
}
