// safetensors: u64 LE header length N, N bytes of JSON, then the data buffer. Checked the
// way the reference implementation checks it, before anything is allocated from it.
import type { DType, TensorInfo } from './types';
import { byteLengthOf, isDType, isDecodable, numelOf } from './dtypes';
import { BadHeader, BadLayout, HeaderTooLarge, TruncatedFile, UnsupportedDtype, humanBytes, quote } from './errors';
import type { FileRef } from './file';
import { fileRegion, type Entry } from './source';
import type { ByteSource, Placement } from './layout';

/** The reference implementation's limit on the JSON header. */
const SAFETENSORS_MAX_HEADER = 100_000_000;

interface Raw {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** `head`, when given, holds the file's first bytes (saves reads when the header is inside). */
export async function readSafetensors(ref: FileRef, maxHeader = SAFETENSORS_MAX_HEADER, head?: Uint8Array): Promise<Entry[]> {
  const file = ref.path;
  if (ref.size < 8) throw new TruncatedFile(file, `only ${humanBytes(ref.size)}; a safetensors file starts with an 8-byte header length`);
  const first = head && head.length >= 8 ? head : await ref.read(0, 8, 'the header length');
  const dv = new DataView(first.buffer, first.byteOffset, 8);
  const n = dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
  if (n > maxHeader) {
    throw new HeaderTooLarge(
      file,
      `header claims ${humanBytes(n)} but the limit is ${humanBytes(maxHeader)} (the file has ${humanBytes(ref.size)})`,
    );
  }
  if (8 + n > ref.size) throw new TruncatedFile(file, `header claims ${humanBytes(n)} but the file has ${humanBytes(ref.size)}`);
  // no await between the peek and the decode: other files' listings share the peek buffer
  const json = (head && head.length >= 8 + n ? head.subarray(8, 8 + n) : peekHeader(ref, n)) ?? (await ref.read(8, n, 'the header'));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    throw new BadHeader(file, 'header is not valid UTF-8');
  }
  checkRawHeader(file, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BadHeader(file, `header is not valid JSON (${(e as Error).message.split('\n')[0].slice(0, 100)})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadHeader(file, 'header is not a JSON object');
  const sorted: Raw[] = [];
  const header = parsed as Record<string, unknown>;
  let inOrder = true;
  const names = Object.keys(header);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = header[name];
    if (name === '__metadata__') {
      checkMetadata(file, value);
      continue;
    }
    const r = parseEntry(file, name, value);
    const last = sorted.length ? sorted[sorted.length - 1] : undefined;
    if (last && (r.begin < last.begin || (r.begin === last.begin && r.end < last.end))) inOrder = false;
    sorted.push(r);
  }
  const dataStart = 8 + n;
  const dataLen = ref.size - dataStart;
  if (!inOrder) sorted.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const r of sorted) {
    if (r.begin > expected)
      throw new BadLayout(file, `gap before tensor ${quote(r.name)}: its data starts at ${r.begin}, expected ${expected}`);
    if (r.begin < expected)
      throw new BadLayout(
        file,
        `tensor ${quote(r.name)} overlaps the previous tensor (starts at ${r.begin}, previous ends at ${expected})`,
      );
    expected = r.end;
  }
  if (expected > dataLen) {
    throw new TruncatedFile(file, `header claims ${humanBytes(expected)} of data but the file has ${humanBytes(dataLen)} after the header`);
  }
  if (expected < dataLen) throw new BadLayout(file, `${humanBytes(dataLen - expected)} of trailing data after the last tensor`);
  const region = fileRegion(ref, dataStart, dataLen);
  return sorted.map((r) => new SafetensorsEntry(r, file, region));
}

/** The header's bytes in the shared peek buffer (no allocation) when it fits there, else undefined. */
function peekHeader(ref: FileRef, n: number): Uint8Array | undefined {
  const peeked = ref.peek(8 + n);
  return peeked.length === 8 + n ? peeked.subarray(8) : undefined;
}

/** One listed tensor: its info now, its placement object only when its values are read. */
class SafetensorsEntry implements Entry {
  readonly info: TensorInfo;
  private readonly begin: number;

  constructor(
    r: Raw,
    file: string,
    private readonly region: ByteSource,
  ) {
    this.begin = r.begin;
    const numel = numelOf(r.shape);
    this.info = { name: r.name, dtype: r.dtype, shape: r.shape, numel, byteLength: r.end - r.begin, file, decodable: isDecodable(r.dtype) };
  }

  placement(): Promise<Placement> {
    const { dtype, shape } = this.info;
    return Promise.resolve({ source: this.region, offset: this.begin, dtype, littleEndian: true, shape });
  }
}

function checkMetadata(file: string, value: unknown): void {
  if (value === null) return; // MLX writes null
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadHeader(file, '__metadata__ must be an object of strings');
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new BadHeader(file, `__metadata__ value ${quote(k)} is not a string`);
  }
}

function parseEntry(file: string, name: string, value: unknown): Raw {
  if (!value || typeof value !== 'object' || Array.isArray(value) || typeof (value as Record<string, unknown>).dtype !== 'string')
    return parseEntrySlow(file, name, value);
  const v = value as Record<string, unknown>;
  // fast path for the common, valid entry; anything unusual goes through the checks below
  const dtype = v.dtype as string;
  const shape = v.shape;
  const offs = v.data_offsets;
  if (isDType(dtype) && Array.isArray(shape) && Array.isArray(offs) && offs.length === 2) {
    let numel = 1;
    let ok = true;
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) {
        ok = false;
        break;
      }
      numel *= d;
    }
    const begin = offs[0];
    const end = offs[1];
    const bits = dtypeBitsOf(dtype);
    if (
      ok &&
      Number.isSafeInteger(numel * 8) &&
      Number.isSafeInteger(begin) &&
      Number.isSafeInteger(end) &&
      begin >= 0 &&
      end >= begin &&
      (numel * bits) % 8 === 0 &&
      byteLengthOf(dtype, numel) === end - begin
    ) {
      return { name, dtype, shape: shape as number[], begin, end };
    }
  }
  return parseEntrySlow(file, name, value);
}

function parseEntrySlow(file: string, name: string, value: unknown): Raw {
  const where = `tensor ${quote(name)}`;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BadHeader(file, `${where} is not an object`);
  const v = value as Record<string, unknown>;
  if (typeof v.dtype !== 'string') throw new BadHeader(file, `${where} has no dtype string`);
  if (!isDType(v.dtype)) throw new UnsupportedDtype(file, `${where} has unknown dtype ${quote(v.dtype)}`);
  const dtype = v.dtype;
  if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BadHeader(file, `${where} has a shape that is not a list of non-negative integers`);
  }
  const shape = v.shape as number[];
  const offs = v.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BadHeader(file, `${where} needs data_offsets [begin, end] of two non-negative integers`);
  }
  const [begin, end] = offs as number[];
  if (end < begin) throw new BadLayout(file, `${where} ends (${end}) before it begins (${begin})`);
  const numel = numelOf(shape);
  const bytes = byteLengthOf(dtype, numel);
  if (!Number.isSafeInteger(bytes)) throw new BadHeader(file, `${where} has a shape too large to address`);
  if ((numel * dtypeBitsOf(dtype)) % 8 !== 0) throw new BadLayout(file, `${where} does not fill whole bytes`);
  if (bytes !== end - begin) {
    throw new BadLayout(
      file,
      `${where}: shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes but its offsets cover ${end - begin}`,
    );
  }
  return { name, dtype, shape, begin, end };
}

/** Bits per element for the whole-bytes check; only the sub-byte types matter there. */
function dtypeBitsOf(d: DType): number {
  return d === 'F4' ? 4 : d === 'F6_E2M3' || d === 'F6_E3M2' ? 6 : 8;
}

/**
 * What JSON.parse cannot see but the reference loader (Rust, serde) refuses: a byte-order mark,
 * `__metadata__` twice (the last would silently win), and dimensions or offsets written as
 * floats (`4.0`, `1e3`). A key is matched with its quotes, so a tensor name that contains
 * `"shape"` (escaped as `\"shape\"`) is not mistaken for one.
 */
function checkRawHeader(file: string, text: string): void {
  if (text.charCodeAt(0) === 0xfeff)
    throw new BadHeader(file, 'header starts with a byte-order mark (U+FEFF), which safetensors does not allow');
  if ((text.match(/"__metadata__"\s*:/g) ?? []).length > 1) throw new BadHeader(file, 'header has __metadata__ more than once');
  // one scan finds whether any shape/offsets list holds more than digits, commas and spaces;
  // only then the lists are looked at one by one (for the message)
  if (!/"(?:shape|data_offsets)"\s*:\s*\[[^\]]*[^\d\s,\]]/.test(text)) return;
  for (const m of text.matchAll(/(?<!\\)"(shape|data_offsets)"\s*:\s*\[([^\]]*)\]/g)) {
    const bad = m[2]
      .split(',')
      .map((x) => x.trim())
      .find((x) => x !== '' && !/^\d+$/.test(x));
    if (bad !== undefined) throw new BadHeader(file, `${m[1]} holds ${JSON.stringify(bad.slice(0, 40))}, not a non-negative integer`);
  }
}
