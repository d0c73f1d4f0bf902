// Messages of the image diff panel. Host -> webview carries decoded pixels as typed arrays;
// webview -> host only names things the host offered (pair ids, paths from the init message).
import {
  isEmptyPayload,
  isErrorPayload,
  isFiniteNumber,
  isMessageOf,
  isNonNegInt,
  isNumberOrNull,
  isObject,
  isRuleParams,
  isString,
  type PayloadChecks,
  type RuleParams,
} from './validate';
import type { LoadedImage, PairMetrics } from '../core/images/types';

export type { LoadedImage, PairMetrics };

export type { RuleParams };

/** mflux's golden-image defaults (src/mflux/utils/image_compare.py). */
export const MFLUX_RULE_DEFAULTS: RuleParams = { rtol: 0.1, atol: 0, threshold: 0.15 };

export interface ImagePairInfo {
  readonly id: number;
  readonly label: string;
  readonly refPath: string;
  readonly candPath: string;
  /** Step k of N for stepwise folders (`seed_{seed}_step{k}of{N}.png`). */
  readonly step?: number;
  readonly steps?: number;
}

/** What the panel shows, so it can be reopened after a reload. */
export interface ImageDiffSource {
  readonly kind: 'files' | 'folders';
  readonly ref: string;
  readonly cand: string;
}

export type ImageDiffHostMessage =
  | {
      readonly kind: 'init';
      readonly payload: {
        readonly title: string;
        readonly pairs: readonly ImagePairInfo[];
        readonly selected: number;
        readonly rule: RuleParams;
        readonly stepwise: boolean;
        readonly source: ImageDiffSource | null;
        readonly message: string | null;
      };
    }
  | {
      readonly kind: 'pair';
      readonly payload: {
        readonly id: number;
        readonly ref: LoadedImage | null;
        readonly cand: LoadedImage | null;
        readonly problems: readonly string[];
        readonly metrics: PairMetrics | null;
      };
    }
  | { readonly kind: 'pairMetrics'; readonly payload: { readonly id: number; readonly psnr: number | null; readonly ssim: number | null } }
  | { readonly kind: 'error'; readonly payload: { readonly message: string } };

export type ImageDiffWebviewMessage =
  | { readonly kind: 'ready'; readonly payload: Record<string, never> }
  | { readonly kind: 'selectPair'; readonly payload: { readonly id: number } }
  | { readonly kind: 'revealFile'; readonly payload: { readonly path: string } }
  | { readonly kind: 'ruleChanged'; readonly payload: RuleParams };

function isDecodedImage(v: unknown): v is LoadedImage {
  if (!isObject(v)) return false;
  const { width, height, channels, rgba, notes, path } = v;
  return (
    isString(path) &&
    isNonNegInt(width) &&
    isNonNegInt(height) &&
    (channels === 1 || channels === 2 || channels === 3 || channels === 4) &&
    rgba instanceof Uint8Array &&
    rgba.length === (width as number) * (height as number) * 4 &&
    v.values instanceof Uint8Array &&
    v.values.length === (width as number) * (height as number) * (channels as number) &&
    isNonNegInt(v.colorType) &&
    Array.isArray(notes) &&
    notes.every((n) => typeof n === 'string')
  );
}

function isPairInfo(v: unknown): v is ImagePairInfo {
  return (
    isObject(v) &&
    isNonNegInt(v.id) &&
    isString(v.label) &&
    isString(v.refPath) &&
    isString(v.candPath) &&
    (v.step === undefined || isNonNegInt(v.step)) &&
    (v.steps === undefined || isNonNegInt(v.steps))
  );
}

function isMetrics(v: unknown): v is PairMetrics {
  return isObject(v) && isNumberOrNull(v.psnr) && isNumberOrNull(v.ssim) && isFiniteNumber(v.maxAbs) && isFiniteNumber(v.meanAbs);
}

export function isImageDiffSource(v: unknown): v is ImageDiffSource {
  return isObject(v) && (v.kind === 'files' || v.kind === 'folders') && isString(v.ref) && isString(v.cand);
}

const HOST_CHECKS: PayloadChecks = {
  init: (p) =>
    isString(p.title) &&
    Array.isArray(p.pairs) &&
    p.pairs.every(isPairInfo) &&
    isNonNegInt(p.selected) &&
    isRuleParams(p.rule) &&
    typeof p.stepwise === 'boolean' &&
    (p.source === null || isImageDiffSource(p.source)) &&
    (p.message === null || isString(p.message)),
  pair: (p) =>
    isNonNegInt(p.id) &&
    (p.ref === null || isDecodedImage(p.ref)) &&
    (p.cand === null || isDecodedImage(p.cand)) &&
    Array.isArray(p.problems) &&
    p.problems.every((s) => typeof s === 'string') &&
    (p.metrics === null || isMetrics(p.metrics)),
  pairMetrics: (p) => isNonNegInt(p.id) && isNumberOrNull(p.psnr) && isNumberOrNull(p.ssim),
  error: isErrorPayload,
};

const WEBVIEW_CHECKS: PayloadChecks = {
  ready: isEmptyPayload,
  selectPair: (p) => isNonNegInt(p.id),
  revealFile: (p) => isString(p.path),
  ruleChanged: isRuleParams,
};

/** Used by the webview on every message it receives. */
export function isImageDiffHostMessage(m: unknown): m is ImageDiffHostMessage {
  return isMessageOf(m, HOST_CHECKS, false);
}

/** Used by the host on every message it receives from the webview. */
export function isImageDiffWebviewMessage(m: unknown): m is ImageDiffWebviewMessage {
  return isMessageOf(m, WEBVIEW_CHECKS, true);
}
