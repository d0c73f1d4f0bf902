// Facts about dtypes: bits per element and which ones decode to float.
import type { DType } from './types';

const BITS: Record<DType, number> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  U16: 16,
  I16: 16,
  U32: 32,
  I32: 32,
  U64: 64,
  I64: 64,
  F16: 16,
  BF16: 16,
  F32: 32,
  F64: 64,
  F8_E4M3: 8,
  F8_E5M2: 8,
  C64: 64,
  C128: 128,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  UNKNOWN: 0,
};

const DECODABLE = new Set<DType>([
  'BOOL',
  'U8',
  'I8',
  'U16',
  'I16',
  'U32',
  'I32',
  'U64',
  'I64',
  'F16',
  'BF16',
  'F32',
  'F64',
  'F8_E4M3',
  'F8_E5M2',
  'C64',
  'C128',
]);

export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(BITS, s) && s !== 'UNKNOWN';
}

export function dtypeBits(d: DType): number {
  return BITS[d];
}

/** Whole bytes per element; 0 for sub-byte types (F4, F6) and UNKNOWN. */
export function dtypeBytes(d: DType): number {
  const b = BITS[d];
  return b % 8 === 0 ? b / 8 : 0;
}

export function isDecodable(d: DType): boolean {
  return DECODABLE.has(d);
}

/** Complex dtypes: two floats (re, im) per element. */
export function isComplex(d: DType): boolean {
  return d === 'C64' || d === 'C128';
}

/** Bytes taken by `numel` elements, or NaN when that is not an exact safe integer. */
export function byteLengthOf(d: DType, numel: number): number {
  const bits = BITS[d];
  if (bits === 0) return NaN;
  const total = numel * bits;
  return Number.isSafeInteger(total) ? Math.ceil(total / 8) : NaN;
}

/** Product of a shape, or NaN when it overflows 2^53. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) {
    n *= s;
    if (!Number.isSafeInteger(n)) return NaN;
  }
  return n;
}
