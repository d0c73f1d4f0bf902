// Zip archives as .npz and torch.save use them: the central directory (with ZIP64) is read
// from the end of the file; members are stored (read in place) or deflated (inflated into
// memory under a cap, checked against the declared size and CRC).
import { constants, crc32, inflateRawSync } from 'node:zlib';
import { BadZip, HeaderTooLarge, TruncatedFile, ZipBomb, humanBytes, quote } from './errors';
import type { FileRef } from './file';
import type { ByteSource } from './layout';

export interface ZipMember {
  readonly name: string;
  readonly method: 0 | 8;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  readonly localOffset: number;
}

/** Cap on the central directory (3,000 torch storages take about 300 KB). */
const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
export const DEFAULT_MAX_INFLATED = 1024 * 1024 * 1024;

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function u64(dv: DataView, at: number, file: string, what: string): number {
  const hi = dv.getUint32(at + 4, true);
  const v = hi * 2 ** 32 + dv.getUint32(at, true);
  if (!Number.isSafeInteger(v)) throw new BadZip(file, `${what} is too large (${hi} high word)`);
  return v;
}

export async function readZipDirectory(ref: FileRef): Promise<ZipMember[]> {
  const file = ref.path;
  if (ref.size < 22) throw new TruncatedFile(file, `only ${humanBytes(ref.size)}; too small for a zip archive`);
  const tailLen = Math.min(ref.size, 22 + 65535 + 20);
  const tailStart = ref.size - tailLen;
  const tail = await ref.read(tailStart, tailLen, 'the zip end record');
  const dv = new DataView(tail.buffer, tail.byteOffset, tail.length);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (dv.getUint32(i, true) === SIG_EOCD && i + 22 + dv.getUint16(i + 20, true) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new TruncatedFile(file, 'no zip end-of-directory record (the archive is truncated or not a zip)');
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0)
    throw new BadZip(file, 'multi-disk zip archives are not supported');
  let cdEnd = tailStart + eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_LOC64) throw new BadZip(file, 'ZIP64 sizes without a ZIP64 locator');
    const at = u64(dv, loc + 8, file, 'ZIP64 end record offset');
    if (at + 56 > tailStart + loc) throw new BadZip(file, 'ZIP64 end record points outside the archive');
    const rec = await ref.read(at, 56, 'the ZIP64 end record');
    const rv = new DataView(rec.buffer);
    if (rv.getUint32(0, true) !== SIG_EOCD64) throw new BadZip(file, 'bad ZIP64 end record signature');
    count = u64(rv, 32, file, 'entry count');
    cdSize = u64(rv, 40, file, 'central directory size');
    cdOffset = u64(rv, 48, file, 'central directory offset');
    cdEnd = at;
  }
  if (cdSize > MAX_CENTRAL_DIRECTORY)
    throw new HeaderTooLarge(
      file,
      `zip central directory claims ${humanBytes(cdSize)}, more than the ${humanBytes(MAX_CENTRAL_DIRECTORY)} limit`,
    );
  if (cdOffset + cdSize > cdEnd)
    throw new TruncatedFile(file, `zip central directory (${humanBytes(cdSize)} at ${cdOffset}) runs past its end record at ${cdEnd}`);
  if (count * 46 > cdSize) throw new BadZip(file, `zip claims ${count} entries but its directory has room for ${Math.floor(cdSize / 46)}`);
  const cd = await ref.read(cdOffset, cdSize, 'the zip central directory');
  const cv = new DataView(cd.buffer);
  const members: ZipMember[] = [];
  const seen = new Set<string>();
  let p = 0;
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== SIG_CENTRAL)
      throw new BadZip(file, `zip central directory entry ${k} is malformed`);
    const flags = cv.getUint16(p + 8, true);
    const method = cv.getUint16(p + 10, true);
    const crc = cv.getUint32(p + 16, true);
    let csize = cv.getUint32(p + 20, true);
    let usize = cv.getUint32(p + 24, true);
    const nlen = cv.getUint16(p + 28, true);
    const elen = cv.getUint16(p + 30, true);
    const clen = cv.getUint16(p + 32, true);
    let local = cv.getUint32(p + 42, true);
    if (p + 46 + nlen + elen + clen > cd.length) throw new BadZip(file, `zip central directory entry ${k} runs past the directory`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nlen);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    // ZIP64 extra: the 64-bit values present are exactly those whose 32-bit field is all ones
    let e = p + 46 + nlen;
    const eEnd = e + elen;
    while (e + 4 <= eEnd) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (e + 4 + len > eEnd) throw new BadZip(file, `zip extra field of ${quote(name)} runs past its entry`);
      if (id === 1) {
        let q = e + 4;
        const take = (what: string): number => {
          if (q + 8 > e + 4 + len) throw new BadZip(file, `ZIP64 extra field of ${quote(name)} is too short for its ${what}`);
          const v = u64(cv, q, file, `${what} of ${quote(name)}`);
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take('size');
        if (csize === 0xffffffff) csize = take('compressed size');
        if (local === 0xffffffff) local = take('offset');
      }
      e += 4 + len;
    }
    p = eEnd + clen;
    if (name.endsWith('/')) continue; // folder entry
    if (flags & 1) throw new BadZip(file, `zip member ${quote(name)} is encrypted`);
    if (method !== 0 && method !== 8)
      throw new BadZip(file, `zip member ${quote(name)} uses compression method ${method}; only stored and deflated are supported`);
    if (method === 0 && csize !== usize)
      throw new BadZip(file, `stored zip member ${quote(name)} has compressed size ${csize} != size ${usize}`);
    if (local + 30 + csize > cdOffset)
      throw new BadZip(file, `zip member ${quote(name)} (${humanBytes(csize)} at ${local}) overlaps the central directory`);
    if (seen.has(name)) throw new BadZip(file, `zip member ${quote(name)} appears twice`);
    seen.add(name);
    members.push({ name, method: method as 0 | 8, compressedSize: csize, size: usize, crc, localOffset: local });
  }
  return members;
}

/**
 * Offset of a member's data: after its local header, whose own name/extra lengths count. The
 * local header must name the same member as the central directory (as Python's zipfile checks).
 */
export async function memberDataOffset(ref: FileRef, m: ZipMember): Promise<number> {
  const h = await ref.read(m.localOffset, 30, `the local header of ${quote(m.name)}`);
  const dv = new DataView(h.buffer);
  if (dv.getUint32(0, true) !== SIG_LOCAL)
    throw new BadZip(ref.path, `zip member ${quote(m.name)} has no local header at ${m.localOffset}`);
  const nlen = dv.getUint16(26, true);
  const start = m.localOffset + 30 + nlen + dv.getUint16(28, true);
  const nameBytes = await ref.read(m.localOffset + 30, nlen, `the local header of ${quote(m.name)}`);
  const localName = new TextDecoder(dv.getUint16(6, true) & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes);
  if (localName !== m.name) {
    throw new BadZip(
      ref.path,
      `zip member ${quote(m.name)}: its local header names it ${quote(localName)} (the archive is corrupt or crafted)`,
    );
  }
  if (start + m.compressedSize > ref.size) {
    throw new TruncatedFile(
      ref.path,
      `zip member ${quote(m.name)} needs bytes up to ${humanBytes(start + m.compressedSize)} but the file has ${humanBytes(ref.size)}`,
    );
  }
  return start;
}

/** Inflates a whole deflated member, refusing more than `cap` bytes before reading it. */
export async function inflateMember(ref: FileRef, m: ZipMember, cap: number): Promise<Uint8Array> {
  if (m.size > cap)
    throw new ZipBomb(
      ref.path,
      `zip member ${quote(m.name)} declares ${humanBytes(m.size)} inflated, more than the ${humanBytes(cap)} limit`,
    );
  const start = await memberDataOffset(ref, m);
  const comp = await ref.read(start, m.compressedSize, `zip member ${quote(m.name)}`);
  let out: Buffer;
  try {
    out = inflateRawSync(comp, { maxOutputLength: Math.max(1, m.size) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new ZipBomb(ref.path, `zip member ${quote(m.name)} inflates beyond its declared ${humanBytes(m.size)}`);
    }
    throw new BadZip(ref.path, `zip member ${quote(m.name)} does not inflate (${(e as Error).message})`);
  }
  if (out.length !== m.size)
    throw new BadZip(ref.path, `zip member ${quote(m.name)} inflated to ${humanBytes(out.length)}, declared ${humanBytes(m.size)}`);
  const got = crc32(out) >>> 0;
  if (got !== m.crc >>> 0) throw crcMismatch(ref, m, got);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

const CRC_CHUNK = 16 * 1024 * 1024;

function crcMismatch(ref: FileRef, m: ZipMember, got: number): BadZip {
  const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
  return new BadZip(
    ref.path,
    `Bad CRC-32 for zip member ${quote(m.name)} (recorded ${hex(m.crc)}, data has ${hex(got)}): the file is corrupt`,
  );
}

/** Reads the whole of a small stored member and checks its CRC-32. */
export async function readStoredMember(ref: FileRef, m: ZipMember, what: string): Promise<Uint8Array> {
  const bytes = await ref.read(await memberDataOffset(ref, m), m.size, what);
  const got = crc32(bytes) >>> 0;
  if (got !== m.crc >>> 0) throw crcMismatch(ref, m, got);
  return bytes;
}

/** Checks a stored member's CRC-32 by streaming it in bounded chunks (NumPy checks it on every load). */
async function checkStoredCrc(ref: FileRef, m: ZipMember, start: number): Promise<void> {
  let crc = 0;
  for (let p = 0; p < m.size; p += CRC_CHUNK) {
    crc = crc32(await ref.read(start + p, Math.min(CRC_CHUNK, m.size - p), `zip member ${quote(m.name)}`), crc);
  }
  if (crc >>> 0 !== m.crc >>> 0) throw crcMismatch(ref, m, crc);
}

/**
 * The first bytes of a deflated member without inflating all of it: inflates a growing
 * prefix of the compressed data (at most 4 MB of output per KB of input is possible).
 */
export function deflatedPrefixReader(ref: FileRef, m: ZipMember, start: number): (pos: number, n: number) => Promise<Uint8Array> {
  let have = new Uint8Array(0);
  let input = 0;
  return async (pos, n) => {
    while (have.length < pos + n && input < m.compressedSize) {
      input = Math.min(m.compressedSize, Math.max(4096, input * 4));
      const comp = await ref.read(start, input, `zip member ${quote(m.name)}`);
      try {
        const out = inflateRawSync(comp, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 * 1024 });
        have = new Uint8Array(out.buffer, out.byteOffset, out.length);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
          throw new ZipBomb(ref.path, `zip member ${quote(m.name)} inflates more than 64 MB from ${humanBytes(input)}`);
        }
        throw new BadZip(ref.path, `zip member ${quote(m.name)} does not inflate (${(e as Error).message})`);
      }
    }
    if (have.length < pos + n) throw new TruncatedFile(ref.path, `zip member ${quote(m.name)} ends after ${humanBytes(have.length)}`);
    return have.slice(pos, pos + n);
  };
}

/**
 * Inflated members of one archive, kept while their total stays under the cap (at least the
 * most recent one), so streaming a 10 GB `savez_compressed` file member by member does not
 * keep every member in memory.
 */
export class InflateCache {
  private readonly entries = new Map<string, { bytes: Promise<Uint8Array>; size: number }>();
  private total = 0;

  constructor(private readonly cap: number) {}

  get(ref: FileRef, m: ZipMember): Promise<Uint8Array> {
    const hit = this.entries.get(m.name);
    if (hit) {
      this.entries.delete(m.name);
      this.entries.set(m.name, hit);
      return hit.bytes;
    }
    const bytes = inflateMember(ref, m, this.cap);
    bytes.catch(() => {
      const e = this.entries.get(m.name);
      if (e?.bytes === bytes) {
        this.entries.delete(m.name);
        this.total -= e.size;
      }
    });
    this.entries.set(m.name, { bytes, size: m.size });
    this.total += m.size;
    for (const [name, e] of this.entries) {
      if (this.total <= this.cap || this.entries.size <= 1) break;
      this.entries.delete(name);
      this.total -= e.size;
    }
    return bytes;
  }
}

/**
 * A member's bytes as a ByteSource: stored members are read in place (their CRC-32 checked once,
 * before the first data read), deflated ones inflated (cached, checked when inflated).
 */
export function memberSource(ref: FileRef, m: ZipMember, cache: InflateCache): ByteSource {
  let start: Promise<number> | undefined;
  return {
    file: ref.path,
    read: async (position, n) => {
      if (position < 0 || position + n > m.size) throw new TruncatedFile(ref.path, `read past the end of zip member ${quote(m.name)}`);
      if (m.method === 8) return (await cache.get(ref, m)).slice(position, position + n);
      start ??= memberDataOffset(ref, m).then(async (at) => {
        await checkStoredCrc(ref, m, at);
        return at;
      });
      return ref.read((await start) + position, n, `zip member ${quote(m.name)}`);
    },
  };
}
