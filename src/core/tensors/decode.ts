// Decoding of raw little-endian element bytes to float. Reusable outside the readers
// (compare engine, viewers). Tables make f16 and f8 a single lookup per element.
import type { DType, FloatChunk } from './types';
import { dtypeBytes, isComplex } from './dtypes';
import { kernels } from '../kernels';

/** Below this many elements the SIMD kernel's copies cost more than they save. */
const KERNEL_MIN = 4096;

/** IEEE 754 half → float. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 0x1f) return man ? NaN : sign * Infinity;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** bfloat16 → float: the upper half of a float32. */
export function bf16ToF32(b: number): number {
  BF_U32[0] = (b & 0xffff) << 16;
  return BF_F32[0];
}
const BF_U32 = new Uint32Array(1);
const BF_F32 = new Float32Array(BF_U32.buffer);

/** float8 e4m3fn (torch.float8_e4m3fn): bias 7, no infinities, NaN only for S.1111.111. */
export function f8e4m3ToF32(v: number): number {
  const sign = v & 0x80 ? -1 : 1;
  const exp = (v >> 3) & 0xf;
  const man = v & 0x7;
  if (exp === 0xf && man === 0x7) return NaN;
  if (exp === 0) return sign * man * 2 ** -9;
  return sign * (1 + man / 8) * 2 ** (exp - 7);
}

/** float8 e5m2 (torch.float8_e5m2): bias 15, IEEE-like infinities and NaNs. */
export function f8e5m2ToF32(v: number): number {
  const sign = v & 0x80 ? -1 : 1;
  const exp = (v >> 2) & 0x1f;
  const man = v & 0x3;
  if (exp === 0x1f) return man ? NaN : sign * Infinity;
  if (exp === 0) return sign * man * 2 ** -16;
  return sign * (1 + man / 4) * 2 ** (exp - 15);
}

function table(size: number, f: (v: number) => number): Float32Array {
  const t = new Float32Array(size);
  for (let i = 0; i < size; i++) t[i] = f(i);
  return t;
}

let f16Table: Float32Array | undefined;
const F8_E4M3_TABLE = table(256, f8e4m3ToF32);
const F8_E5M2_TABLE = table(256, f8e5m2ToF32);

/** Reverses the bytes of each `size`-byte element in place (big → little endian). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size <= 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** A Float32Array whose contents are garbage until written (decoders overwrite every element). */
function scratch32(n: number): Float32Array {
  // Buffer skips zero-filling in Node; elsewhere (a browser bundle) a plain array does
  if (typeof Buffer === 'undefined') return new Float32Array(n);
  const b = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(b.buffer, b.byteOffset, n);
}

/** The output array type for a dtype: F64 and C128 stay double, everything else is float32. */
export function allocFloat(dtype: DType, n: number, wideInts = false): FloatChunk {
  return outputIsFloat64(dtype, wideInts) ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Decodes `count` little-endian elements from `bytes` to float. F32/F64 whose bytes are
 * aligned come back as a zero-copy view of `bytes`; everything else is a new array.
 * C64/C128 come as `2 * count` interleaved (re, im) floats (float32 / float64), also a view.
 */
export function decodeLE(dtype: DType, bytes: Uint8Array, count: number, wideInts = false): FloatChunk {
  const size = dtypeBytes(dtype);
  if (size === 0) throw new Error(`cannot decode ${dtype}`);
  if (bytes.length < count * size) throw new Error(`decode: ${bytes.length} bytes for ${count} ${dtype}`);
  if (size > 1 && bytes.byteOffset % size !== 0) bytes = bytes.slice(0, count * size);
  const buf = bytes.buffer;
  const off = bytes.byteOffset;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf, off, count);
    case 'F64':
      return new Float64Array(buf, off, count);
    case 'C64':
      return new Float32Array(buf, off, 2 * count);
    case 'C128':
      return new Float64Array(buf, off, 2 * count);
    case 'BF16': {
      const src = new Uint16Array(buf, off, count);
      const out = scratch32(count);
      const k = count >= KERNEL_MIN ? kernels() : null;
      if (k) {
        k.halfToF32('BF16', src, out);
        return out;
      }
      const bits = new Uint32Array(out.buffer, out.byteOffset, count);
      for (let i = 0; i < count; i++) bits[i] = src[i] << 16;
      return out;
    }
    case 'F16': {
      const src = new Uint16Array(buf, off, count);
      const out = scratch32(count);
      const k = count >= KERNEL_MIN ? kernels() : null;
      if (k) {
        k.halfToF32('F16', src, out);
        return out;
      }
      const t = (f16Table ??= table(65536, f16ToF32));
      for (let i = 0; i < count; i++) out[i] = t[src[i]];
      return out;
    }
    case 'F8_E4M3':
    case 'F8_E5M2': {
      const t = dtype === 'F8_E4M3' ? F8_E4M3_TABLE : F8_E5M2_TABLE;
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = t[bytes[i]];
      return out;
    }
    case 'BOOL': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    }
    case 'U8':
      return Float32Array.from(bytes.subarray(0, count));
    case 'I8':
      return Float32Array.from(new Int8Array(buf, off, count));
    case 'U16':
      return Float32Array.from(new Uint16Array(buf, off, count));
    case 'I16':
      return Float32Array.from(new Int16Array(buf, off, count));
    case 'U32':
      return (wideInts ? Float64Array : Float32Array).from(new Uint32Array(buf, off, count));
    case 'I32':
      return (wideInts ? Float64Array : Float32Array).from(new Int32Array(buf, off, count));
    case 'U64':
    case 'I64': {
      // Two 32-bit halves avoid BigInt; exact up to 2^53, then rounded like a float would be.
      const words = new Uint32Array(buf, off, count * 2);
      const signed = dtype === 'I64';
      const out = wideInts ? new Float64Array(count) : new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = words[2 * i];
        const hi = words[2 * i + 1];
        out[i] = (signed ? hi | 0 : hi) * 4294967296 + lo;
      }
      return out;
    }
    default:
      throw new Error(`cannot decode ${dtype}`);
  }
}

/**
 * Decodes elements stored in either byte order; big-endian input is copied, then swapped.
 * `wideInts` returns I32/U32/I64/U64 as Float64Array (exact up to 2^53).
 */
export function decode(dtype: DType, bytes: Uint8Array, count: number, littleEndian = true, wideInts = false): FloatChunk {
  const size = dtypeBytes(dtype);
  if (!littleEndian && size > 1) {
    const copy = bytes.slice(0, count * size);
    // a complex element is two floats, each swapped on its own
    swapBytes(copy, isComplex(dtype) ? size / 2 : size);
    return decodeLE(dtype, copy, count, wideInts);
  }
  return decodeLE(dtype, bytes, count, wideInts);
}

/** The array type `decode` returns for a dtype. */
export function outputIsFloat64(dtype: DType, wideInts = false): boolean {
  return dtype === 'F64' || dtype === 'C128' || (wideInts && (dtype === 'I32' || dtype === 'U32' || dtype === 'I64' || dtype === 'U64'));
}

/**
 * |z| of interleaved (re, im) pairs: one value per element, float32 for a Float32Array input
 * (rounded once from the double result, like NumPy's `abs` of complex64), float64 otherwise.
 * A NaN part gives NaN unless the other part is infinite (then +inf), as `np.abs` does.
 */
export function complexMagnitude(pairs: FloatChunk): FloatChunk {
  const n = pairs.length >> 1;
  const out = pairs instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = complexAbs(pairs[2 * k], pairs[2 * k + 1]);
  return out;
}

/** |re + i·im| in float64; overflow, underflow and non-finite parts take Math.hypot's careful path. */
export function complexAbs(re: number, im: number): number {
  const s = re * re + im * im;
  return s < 1e300 && s > 1e-300 ? Math.sqrt(s) : Math.hypot(re, im);
}

/** Real values as interleaved (re, im) pairs with im = 0, in the same array type. */
export function realAsComplex(values: FloatChunk): FloatChunk {
  const out = values instanceof Float32Array ? new Float32Array(2 * values.length) : new Float64Array(2 * values.length);
  for (let k = 0; k < values.length; k++) out[2 * k] = values[k];
  return out;
}
