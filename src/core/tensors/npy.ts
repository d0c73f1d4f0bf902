// NumPy .npy: magic, version, a Python dict literal header, then raw data (C or Fortran
// order, either byte order). Accepts MLX's variants: unaligned data, `(2, 3, )` shapes,
// bfloat16 written as `<V2`, fortran_order True on 1-D arrays.
import type { DType, TensorInfo } from './types';
import { dtypeBytes, isDecodable, numelOf } from './dtypes';
import { BadHeader, HeaderTooLarge, TruncatedFile, UnsupportedDtype, UnsupportedFormat, humanBytes, quote } from './errors';
import type { FileRef } from './file';
import { type ByteSource, type Placement } from './layout';
import { LiteralError, PyTuple, parsePyLiteral } from './pyliteral';
import { fileRegion, type Entry } from './source';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers over 10,000 bytes by default; we allow more, but not unbounded. */
const NPY_MAX_HEADER = 1 << 20;

export interface NpyHeader {
  readonly dtype: DType;
  readonly shape: number[];
  readonly fortran: boolean;
  readonly littleEndian: boolean;
  readonly dataOffset: number;
  readonly numel: number;
  readonly byteLength: number;
  /** The original descr, for messages. */
  readonly descr: string;
}

const KINDS: Record<string, DType> = {
  f2: 'F16',
  f4: 'F32',
  f8: 'F64',
  i1: 'I8',
  i2: 'I16',
  i4: 'I32',
  i8: 'I64',
  u1: 'U8',
  u2: 'U16',
  u4: 'U32',
  u8: 'U64',
  b1: 'BOOL',
  c8: 'C64',
  c16: 'C128',
  V2: 'BF16', // how MLX and ml_dtypes store bfloat16
};

export function isNpyMagic(b: Uint8Array): boolean {
  return b.length >= 6 && NPY_MAGIC.every((m, i) => b[i] === m);
}

/**
 * Parses the header of an .npy held in `length` bytes; `read(pos, n)` reads from its start.
 * `v1Dtype` says how to read `<V1` (8-bit floats have no numpy name).
 */
export async function readNpyHeader(
  file: string,
  length: number,
  read: (pos: number, n: number) => Promise<Uint8Array>,
  opts: { v1Dtype?: DType; what?: string } = {},
): Promise<NpyHeader> {
  const what = opts.what ? `${opts.what}: ` : '';
  if (length < 10) throw new TruncatedFile(file, `${what}only ${humanBytes(length)}; an .npy header needs at least 10`);
  const pre = await read(0, Math.min(length, 12));
  if (!isNpyMagic(pre)) throw new UnsupportedFormat(file, `${what}not an .npy file (no \\x93NUMPY magic)`);
  const major = pre[6];
  const minor = pre[7];
  if (![1, 2, 3].includes(major) || minor !== 0)
    throw new UnsupportedFormat(file, `${what}.npy format version ${major}.${minor} is not supported (1.0, 2.0, 3.0 are)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (length < 8 + lenBytes) throw new TruncatedFile(file, `${what}file ends inside the .npy header length`);
  const dv = new DataView(pre.buffer, pre.byteOffset, pre.length);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (hlen > NPY_MAX_HEADER)
    throw new HeaderTooLarge(file, `${what}.npy header claims ${humanBytes(hlen)}, more than the ${humanBytes(NPY_MAX_HEADER)} limit`);
  if (start + hlen > length)
    throw new TruncatedFile(file, `${what}.npy header claims ${humanBytes(hlen)} but only ${humanBytes(length - start)} follow`);
  const hbytes = (await read(start, hlen)).subarray(0, hlen);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: major === 3 }).decode(hbytes);
  } catch {
    throw new BadHeader(file, `${what}.npy v3 header is not valid UTF-8`);
  }
  // The format ends the header with a newline (NumPy and MLX write one): a header that does not
  // has lost or gained bytes, and its data would be read shifted.
  if (!text.endsWith('\n'))
    throw new BadHeader(file, `${what}.npy header does not end with a newline (the file lost or gained bytes inside the header)`);
  let dict;
  try {
    dict = parsePyLiteral(text);
  } catch (e) {
    const why = e instanceof LiteralError ? e.message : 'unreadable';
    throw new BadHeader(file, `${what}.npy header is not a Python dict literal (${why})`);
  }
  if (!(dict instanceof Map)) throw new BadHeader(file, `${what}.npy header is not a dict`);
  const keys = [...dict.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape')
    throw new BadHeader(file, `${what}.npy header must have exactly the keys descr, fortran_order, shape (has ${keys || 'none'})`);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shapeV = dict.get('shape');
  if (typeof descr !== 'string') throw new UnsupportedDtype(file, `${what}structured dtypes are not supported`);
  if (typeof fortran !== 'boolean') throw new BadHeader(file, `${what}fortran_order is not True or False`);
  if (!(shapeV instanceof PyTuple) || !shapeV.items.every((d) => typeof d === 'number' && d >= 0)) {
    throw new BadHeader(file, `${what}shape is not a tuple of non-negative integers`);
  }
  const shape = shapeV.items as number[];
  const { dtype, littleEndian } = parseDescr(file, what, descr, opts.v1Dtype);
  const numel = numelOf(shape);
  const size = dtypeBytes(dtype) || 1;
  const byteLength = numel * size;
  if (!Number.isSafeInteger(byteLength)) throw new BadHeader(file, `${what}shape (${shape.join(', ')}) is too large to address`);
  const dataOffset = start + hlen;
  if (dataOffset + byteLength > length) {
    throw new TruncatedFile(
      file,
      `${what}shape (${shape.join(', ')}) of ${descr} needs ${humanBytes(byteLength)} of data but only ${humanBytes(length - dataOffset)} follow the header`,
    );
  }
  return { dtype, shape, fortran, littleEndian, dataOffset, numel, byteLength, descr };
}

function parseDescr(file: string, what: string, descr: string, v1Dtype?: DType): { dtype: DType; littleEndian: boolean } {
  const m = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  if (descr === '|O' || descr === 'O' || descr.endsWith('O')) {
    throw new UnsupportedDtype(file, `${what}object arrays hold pickles and are not read`);
  }
  if (!m) throw new UnsupportedDtype(file, `${what}unsupported dtype ${quote(descr)}`);
  const [, order, kind] = m;
  let dtype: DType | undefined = KINDS[kind];
  if (kind === 'V1') dtype = v1Dtype ?? 'UNKNOWN';
  if (!dtype) throw new UnsupportedDtype(file, `${what}unsupported dtype ${quote(descr)}`);
  return { dtype, littleEndian: order !== '>' };
}

/** Strides (in elements) of the logical shape for Fortran-ordered data. */
function fortranStrides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (const n of shape) {
    s.push(acc);
    acc *= n;
  }
  return s;
}

export function npyPlacement(h: NpyHeader, source: ByteSource): Placement {
  return {
    source,
    offset: h.dataOffset,
    dtype: h.dtype,
    littleEndian: h.littleEndian,
    shape: h.shape,
    strides: h.fortran && h.shape.length > 1 ? fortranStrides(h.shape) : undefined,
  };
}

export function npyInfo(name: string, file: string, h: NpyHeader): TensorInfo {
  return {
    name,
    dtype: h.dtype,
    shape: h.shape,
    numel: h.numel,
    byteLength: h.byteLength,
    file,
    decodable: isDecodable(h.dtype),
  };
}

/** A standalone .npy file: one tensor, named `name` (the file stem by default). */
export async function readNpy(ref: FileRef, name: string, v1Dtype?: DType): Promise<Entry[]> {
  const h = await readNpyHeader(ref.path, ref.size, (p, n) => ref.read(p, n, 'the .npy header'), { v1Dtype });
  const placement = npyPlacement(h, fileRegion(ref, 0, ref.size));
  return [{ info: npyInfo(name, ref.path, h), placement: async () => placement }];
}
